"""The toolchain matrix the exported receivers are tested on (issue #23): the oldest and the newest
Go and JDK this machine kind has, and the one Node.js, Python, PHP and Ruby it has.

Each entry becomes one test id (``go1.19``, ``go1.26``, ``jdk17``, ``jdk25``, ``node20``...). A
toolchain that is declared here but missing is still an entry: its tests skip on a laptop and fail
with ``CI=true`` (``harness.unavailable``). Locations are found the way a fresh CI machine lays
them out after ``scripts/system-deps.sh``: the kind's ``go`` and ``java`` on PATH, Debian's
``golang-1.19-go`` under ``/usr/lib/go-1.19/``, a Temurin JDK under ``/usr/lib/jvm/temurin-*``.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

from osscb_notebook.exports.languages import LANGUAGES, ReceiverLanguage

#: Debian's golang-1.19-go (scripts/system-deps.sh installs it; it leaves `go` on PATH alone).
GO_OLD = "/usr/lib/go-1.19/bin/go"
#: The second JDK: the newest Temurin under /usr/lib/jvm (OSSCB_SECOND_JDK overrides: a java binary).
TEMURIN_GLOB = "/usr/lib/jvm/temurin-*/bin/java"


@dataclass(frozen=True)
class Toolchain:
    """One way to run ``lang``'s export: ``executable`` (absolute; '' when missing) replaces the
    first word of the language's run and check commands; ``id`` names it in test ids."""

    lang: str
    id: str
    executable: str
    version: str
    problem: str = ""

    def row(self) -> ReceiverLanguage:
        """The language's row with this toolchain's executable in its commands."""
        base = LANGUAGES[self.lang]
        exe = self.executable or base.run[0]
        return dataclasses.replace(base, label=f"{base.label} ({self.id})", run=(exe, *base.run[1:]),
                                   check=(exe, *base.check[1:]))


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                              env={k: v for k, v in os.environ.items() if k not in ("GODEBUG", "JAVA_TOOL_OPTIONS")})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"error: {exc}"
    return (done.stdout + done.stderr).strip()


def _which(name: str) -> str:
    found = shutil.which(name)
    return os.path.realpath(found) if found else ""


def _go(exe: str, fallback_id: str) -> Toolchain:
    if not exe or not os.access(exe, os.X_OK):
        return Toolchain("go", fallback_id, "", "", f"Go not installed at {exe or 'go on PATH'} (scripts/system-deps.sh)")
    text = _run([exe, "env", "GOVERSION"])
    m = re.match(r"go(\d+)\.(\d+)", text)
    if not m:
        return Toolchain("go", fallback_id, exe, text, f"`{exe} env GOVERSION` printed {text[:200]!r}")
    return Toolchain("go", f"go{m.group(1)}.{m.group(2)}", exe, text)


def _java(exe: str, fallback_id: str) -> Toolchain:
    if not exe or not os.access(exe, os.X_OK):
        return Toolchain("java", fallback_id, "", "", f"JDK not installed ({exe or 'java on PATH'})")
    text = _run([exe, "-version"])
    m = re.search(r'version "(\d+)', text)
    if not m:
        return Toolchain("java", fallback_id, exe, text, f"`{exe} -version` printed {text[:200]!r}")
    return Toolchain("java", f"jdk{m.group(1)}", exe, text.splitlines()[0])


def _simple(lang: str, exe: str, prefix: str, version_argv: list[str], pattern: str) -> Toolchain:
    if not exe:
        return Toolchain(lang, prefix, "", "", f"{LANGUAGES[lang].label} not installed (scripts/system-deps.sh)")
    text = _run([exe, *version_argv])
    m = re.search(pattern, text)
    return Toolchain(lang, f"{prefix}{m.group(1)}" if m else prefix, exe, text.splitlines()[0] if text else "")


@cache
def matrix() -> tuple[Toolchain, ...]:
    """Every toolchain entry, in LANGUAGES order; duplicates (the same version twice) dropped."""
    temurins = sorted(glob.glob(TEMURIN_GLOB), key=lambda p: [int(n) for n in re.findall(r"\d+", p)] or [0])
    second_jdk = os.environ.get("OSSCB_SECOND_JDK") or (temurins[-1] if temurins else "")
    entries = [
        _simple("python", sys.executable, "python", ["--version"], r"Python (\d+\.\d+)"),
        _simple("node", _which("node"), "node", ["--version"], r"v(\d+)"),
        _go(GO_OLD, "go1.19"),
        _go(_which("go"), "go-current"),
        _java(_which("java"), "jdk-default"),
        _java(second_jdk, "jdk-second"),
        _simple("php", _which("php"), "php", ["-v"], r"PHP (\d+\.\d+)"),
        _simple("ruby", _which("ruby"), "ruby", ["-v"], r"ruby (\d+\.\d+)"),
    ]
    out: dict[str, Toolchain] = {}
    for entry in entries:
        out.setdefault(entry.id, entry)
    return tuple(out.values())


def describe() -> list[str]:
    """One line per toolchain: id, executable, version (or why it is missing)."""
    return [f"{t.id:<12} {t.executable or '-':<45} {t.problem or t.version}" for t in matrix()]
