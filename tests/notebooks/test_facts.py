"""The notebook fact checker: every claim in the notebooks (and the README and docs) that names a
kit magic, ``osscb`` option, probe check id or severity, environment variable, ``%config`` trait,
``osscb_notebook`` name or one of the kit's limits is checked against the code that defines it.

A rename in code then breaks this test, not the learner. Each rule is one row of ``RULES``: a
pattern over the texts, and what the match must agree with. A failure names the file, the line
and the claim.
"""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted([*ROOT.glob("notebooks/src/*.py"), ROOT / "README.md", *ROOT.glob("docs/*.md")])


@dataclass(frozen=True)
class Claim:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.text.strip()[:160]}"


def lines() -> Iterator[Claim]:
    for path in TEXTS:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield Claim(path, number, text)


# --- what the code defines -------------------------------------------------------------------------

@cache
def magics() -> dict[str, set[str]]:
    """``%name`` / ``%%name`` -> the options its argument parser takes (subcommands included)."""
    from osscb_notebook.magics.commands import CELL_MAGICS, LINE_MAGICS, OsscbMagics

    out: dict[str, set[str]] = {}
    for prefix, names in (("%", LINE_MAGICS), ("%%", CELL_MAGICS)):
        for name in names:
            parser = getattr(getattr(OsscbMagics, name), "parser", None)
            out[prefix + name] = _options(parser) if parser is not None else set()
    return out


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        found.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
    return found


@cache
def cli() -> dict[str, set[str]]:
    """``osscb`` subcommand -> its options."""
    from osscb_notebook.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {name: _options(p) for name, p in sub.choices.items()}


@cache
def checks() -> dict[str, tuple[str, str]]:
    """Probe check id -> (mode as the README's table names it, severity)."""
    from osscb_notebook.probe.catalogue import CHECKS

    return {c.id: ("trusted" if c.trusted else "both", c.severity) for c in CHECKS}


@cache
def code_corpus() -> str:
    """Where an environment variable must be read: the package (exports included), the notebooks'
    code, the Makefile, the scripts and binder/."""
    parts = [p.read_text(encoding="utf-8", errors="replace") for p in (ROOT / "osscb_notebook").rglob("*")
             if p.is_file() and p.suffix not in (".pyc", ".pem")]
    for p in ROOT.glob("notebooks/src/*.py"):
        parts.append("\n".join(x for x in p.read_text(encoding="utf-8").splitlines() if not x.startswith("#")))
    for extra in ("Makefile", "scripts", "binder"):
        path = ROOT / extra
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        parts += [p.read_text(encoding="utf-8", errors="replace") for p in files]
    return "\n".join(parts)


def limits() -> dict[str, float]:
    from osscb_notebook._wire import REPLY_CAP
    from osscb_notebook.emulator._config import CALLBACK_TIMEOUT
    from osscb_notebook.params.urls import MAX_URLS
    from osscb_notebook.verification.keys import FETCH_TIMEOUT, MAX_KEY_BYTES
    from osscb_notebook.verification.trace import STEP_ORDER

    return {"reply_mb": REPLY_CAP / 2**20, "callback_s": CALLBACK_TIMEOUT, "key_kb": MAX_KEY_BYTES / 1024,
            "key_fetch_s": FETCH_TIMEOUT, "urls": MAX_URLS, "steps": len(STEP_ORDER),
            "checks": len(checks())}


WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def number(text: str) -> float:
    return float(WORDS.get(text.lower(), text.replace(",", "")))


# --- the rules ---------------------------------------------------------------------------------------

BARE_MAGIC = re.compile(r"(?<![\w%])%%?osscb(?![\w-])")
MAGIC = re.compile(r"(?<![\w%])(%%?osscb_\w+)((?:[ \t]+[^\s`|;,)]+)*)")
CLI = re.compile(r"(?<![\w./-])osscb (?!-)([a-z][a-z-]*)((?:[ \t]+[^\s`|;&)]+)*)")
CHECK_FAMILIES = ("valid", "tampered", "reply", "malformed", "missing", "key", "forged", "untrusted", "prefix",
                  "real", "burst", "replay")
CHECK_ID = re.compile(r"`((?:" + "|".join(CHECK_FAMILIES) + r")(?:-[a-z0-9]+)+|burst|replay)`")
CHECK_ROW = re.compile(r"^\|\s*`([a-z0-9-]+)`\s*\|\s*(both|trusted)\s*\|\s*(critical|high|medium|low|info)\b")
ENV = re.compile(r"\b((?:OSS_CALLBACK|OSSCB)_[A-Z0-9_]*[A-Z0-9])\b")
CONFIG = re.compile(r"%config Osscb\.(\w+)")
DOTTED = re.compile(r"`(osscb_notebook(?:\.[A-Za-z_]\w*)+)")
UI = re.compile(r"%osscb_ui (\w+)")
#: (pattern whose group 1 is a number, the limit it must equal)
NUMBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:at most|over|caps it at|over OSS's) (\d+) MB\b"), "reply_mb"),
    (re.compile(r"\bOSS's (?:fixed )?(\d+) s\b"), "callback_s"),
    (re.compile(r"\b(\d+) ?KB cap\b|\bkey[^.]{0,40}?\b(\d+) KiB\b"), "key_kb"),
    (re.compile(r"\bone (\d+) s deadline for the"), "key_fetch_s"),
    (re.compile(r"\bUp to (\d+) URLs\b|\bat most (\d+) URLs\b"), "urls"),
    (re.compile(r"\b(\w+) steps\b(?=[^.]{0,40}\bstepper)|\bstepper's (\w+) steps\b"), "steps"),
    (re.compile(r"\b(\d+) checks with stable ids|\breport of (\d+) checks\b|\bholds the (\d+) checks\b"), "checks"),
)


def _problems(claim: Claim) -> Iterator[str]:
    text = claim.text
    if BARE_MAGIC.search(text):
        yield f"there is no %osscb magic: the magics are {', '.join(sorted(magics()))}"
    for m in MAGIC.finditer(text):
        name, rest = m.group(1), m.group(2)
        if name not in magics():
            yield f"{name} is not a magic of the kit ({', '.join(sorted(magics()))})"
            continue
        for opt in re.findall(r"(?<!\S)(--[a-z][a-z-]*)", rest):
            if opt != "--help" and opt not in magics()[name]:
                yield f"{name} has no option {opt}"
    for m in UI.finditer(text):
        from osscb_notebook.session.widgets import WIDGET_NAMES

        if m.group(1) not in WIDGET_NAMES and m.group(1) not in ("NAME", "name"):
            yield f"%osscb_ui {m.group(1)} is not a widget ({', '.join(WIDGET_NAMES)})"
    for m in CLI.finditer(text):
        sub, rest = m.group(1), m.group(2)
        if sub not in cli():
            yield f"osscb {sub} is not a subcommand ({', '.join(sorted(cli()))})"
            continue
        for opt in re.findall(r"(?<!\S)(--[a-z][a-z-]*)", rest):
            if opt != "--help" and opt not in cli()[sub]:
                yield f"osscb {sub} has no option {opt}"
    for m in CHECK_ID.finditer(text):
        if m.group(1) not in checks():
            yield f"`{m.group(1)}` is not a probe check id"
    row = CHECK_ROW.match(text)
    if row:
        check_id, mode, severity = row.groups()
        if check_id not in checks():
            yield f"the table names `{check_id}`, which is not a probe check id"
        elif checks()[check_id] != (mode, severity):
            yield f"`{check_id}` is {checks()[check_id]} in the catalogue, not {(mode, severity)}"
    for m in ENV.finditer(text):
        if m.group(1) not in code_corpus():
            yield f"{m.group(1)} is read nowhere in the kit"
    for m in CONFIG.finditer(text):
        from osscb_notebook.config import Osscb

        if not Osscb.class_traits().get(m.group(1)):
            yield f"Osscb.{m.group(1)} is not a %config trait"
    for m in DOTTED.finditer(text):
        if not _resolves(m.group(1)):
            yield f"{m.group(1)} does not resolve"
    values = limits()
    for pattern, key in NUMBERS:
        for m in pattern.finditer(text):
            said = next(g for g in m.groups() if g)
            known = said.lower() in WORDS or said.replace(",", "").isdigit()
            if known and number(said) != values[key]:
                yield f"says {m.group(0)!r}, but the code's {key} is {values[key]:g}"


@cache
def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            # a module path that is a file in the tree but not a module (e.g. exports' templates)
            return (ROOT / "/".join(parts)).exists() or any((ROOT / "/".join(parts[:-1])).glob(parts[-1] + ".*"))
        return True
    return False


def test_every_claim_matches_the_code() -> None:
    problems = [f"{claim}\n    -> {why}" for claim in lines() for why in _problems(claim)]
    assert not problems, "Claims that do not match the code:\n" + "\n".join(problems)


@pytest.mark.parametrize(("text", "expected"), [
    ("run `%osscb_probe URL --trusted`", None),
    ("run `%osscb_probe URL --trustd`", "has no option --trustd"),
    ("the `%osscb verify` magic", "there is no %osscb magic"),
    ("`%osscb_vrfy`", "is not a magic"),
    ("`osscb probe URL --key-url-base B`", None),
    ("`osscb probe URL --keyurl`", "has no option --keyurl"),
    ("`forged-key-url` fails", None),
    ("`forged-keys-url` fails", "is not a probe check id"),
    ("| `prefix-bypass` | both | low | x |", "in the catalogue"),
    ("set OSS_CALLBACK_TRUSTED_KEY_URLS", None),
    ("set OSS_CALLBACK_TRUSTED_KEYS", "read nowhere"),
    ("`%config Osscb.backend = 'emulator'`", None),
    ("`%config Osscb.bakend = 'emulator'`", "not a %config trait"),
    ("`osscb_notebook.verification.verify_request`", None),
    ("`osscb_notebook.verification.verify_requests`", "does not resolve"),
    ("answers within OSS's 5 s", None),
    ("answers within OSS's 7 s", "callback_s"),
    ("replies at most 3 MB", "reply_mb"),
])
def test_the_checker_catches_a_drift(text: str, expected: str | None) -> None:
    """Each rule can fail: a misspelt name or a wrong number is reported."""
    found = list(_problems(Claim(ROOT / "README.md", 1, text)))
    if expected is None:
        assert found == []
    else:
        assert found and expected in found[0], found
