"""Runs a framework hookup (``osscb export-receiver --lang L --framework FW``) as its users start it
and talks to it over loopback.

A hookup is described by one ``Hookup`` row in a ``hookups_<lang>.py`` module beside this file
(each module's ``HOOKUPS`` list is collected by ``conftest.py``). Every row is checked by
``test_hookups.py`` the same way: OSS's own callbacks (G vectors) and their tampered copies, the
probe in ``--trusted`` mode, and a real oss2 upload through the emulator. A missing toolchain or
framework is a skip on a laptop and a failure with ``CI=true`` (``tests.receivers.harness.unavailable``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from osscb_notebook.callback.oss_vectors import OSS_VECTORS
from osscb_notebook.exports import HOOK_PATH, export_framework_hookup
from osscb_notebook.exports.languages import ENV_HOST, ENV_PORT, ENV_TRUSTED

STARTUP_TIMEOUT = 300.0  # a first `mvn spring-boot:run` or `go run` on a busy 2-core machine

#: The request paths the G vectors were signed over: a hookup's app must also route these (the
#: path is signed, so they cannot be moved under HOOK_PATH). ``Hookup.add_routes`` adds them.
VECTOR_PATHS: tuple[str, ...] = tuple(sorted({v.target.split("?", 1)[0] for v in OSS_VECTORS}))


@dataclass(frozen=True)
class Hookup:
    """How to test one framework hookup.

    - ``problem()``: why it cannot run here ('' when it can): toolchain or framework missing.
    - ``add_routes(folder, paths)``: edit the exported app in ``folder`` so that the hookup's
      handler also answers ``paths`` (besides ``HOOK_PATH``), the way a user would add a route.
    - ``prepare(folder)``: one-time setup as its users do it (install from the lock file, build).
    - ``argv(folder, port)``: the command its users start it with, on ``port``.
    - ``env``: extra environment (the trusted prefixes, host and port variables are added).
    - ``version()``: the framework and toolchain versions tested, for the test report.
    - ``framework``: the ``FRAMEWORKS`` row exported, when ``name`` is a variant of it (the same
      hookup started another way, e.g. ``flask-gunicorn``); default: ``name``.
    """

    name: str
    lang: str
    problem: Callable[[], str]
    add_routes: Callable[[Path, Sequence[str]], None]
    argv: Callable[[Path, int], list[str]]
    prepare: Callable[[Path], None] = lambda folder: None
    env: dict[str, str] = field(default_factory=dict)
    version: Callable[[], str] = lambda: ""
    framework: str = ""

    @property
    def exported(self) -> str:
        """The ``FRAMEWORKS`` row this hookup exports."""
        return self.framework or self.name


@dataclass
class RunningApp:
    hookup: Hookup
    proc: subprocess.Popen[bytes]
    port: int
    folder: Path
    lines: list[str] = field(default_factory=list)
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def callback_url(self) -> str:
        return self.base + HOOK_PATH

    @property
    def output(self) -> str:
        if self.log is not None and self.log.is_file():
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-80:])
        return "\n".join(self.lines[-80:])

    def stop(self) -> None:
        """Stop the whole process group (launchers like mvn, go run, rails start children)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(15)
                break
            except subprocess.TimeoutExpired:
                continue


def export(hookup: Hookup, folder: Path) -> Path:
    """Export the hookup (with its language's stand-alone file) into ``folder`` and add the vector routes."""
    export_framework_hookup(folder, lang=hookup.lang, framework=hookup.exported, overwrite=True)
    hookup.add_routes(folder, VECTOR_PATHS)
    return folder


def _pump(stream: object, lines: list[str]) -> None:
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        lines.append(raw.decode("utf-8", "replace").rstrip("\n"))


def _accepting(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1.0):
        return True
    return False


def start(hookup: Hookup, folder: Path, port: int, trusted: Sequence[str], env: dict[str, str] | None = None,
          log: Path | None = None) -> RunningApp:
    """Start the app with its users' command and wait (bounded) until it accepts connections.
    Its output is kept in ``lines``, or written to ``log`` (as a production log file: the
    benchmarks, where a pipe read line by line would cost the app)."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("OSS_CALLBACK_")}
    child.update({ENV_TRUSTED: ",".join(trusted), ENV_HOST: "127.0.0.1", ENV_PORT: str(port),
                  "PYTHONUNBUFFERED": "1", **hookup.env, **(env or {})})
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("ab")) if log is not None else subprocess.PIPE
        proc = subprocess.Popen(hookup.argv(folder, port), cwd=folder, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, env=child, start_new_session=True)
    app = RunningApp(hookup, proc, port, folder, log=log)
    if log is None:
        threading.Thread(target=_pump, args=(proc.stdout, app.lines), daemon=True).start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            time.sleep(0.2)
            raise AssertionError(f"{hookup.name} exited ({proc.returncode}) before listening:\n{app.output}")
        if _accepting(port):
            return app
        time.sleep(0.2)
    app.stop()
    raise AssertionError(f"{hookup.name} did not listen on {port} within {STARTUP_TIMEOUT:g} s:\n{app.output}")


def add_paths(file: Path, paths: Sequence[str], *, name: str = "CALLBACK_PATHS", token: str = "HOOK_PATH") -> None:
    """Add ``paths`` to the route list of an exported app, the way a user would: on the first line
    of ``file`` that defines ``name``, ``token`` (the list's first entry) becomes ``token, "p1", ...``.
    The double-quoted strings suit every language the hookups are written in."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        head, eq, tail = line.partition("=")
        if name in head and eq and token in tail:
            extra = "".join(f', "{p}"' for p in paths)
            lines[i] = head + eq + tail.replace(token, token + extra, 1)
            file.write_text("".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"{file}: no line defines {name} with {token} (the hookup's route list)")


def collect_hookups() -> dict[str, Hookup]:
    """Every ``Hookup`` row of the ``hookups_*.py`` modules beside this file, by name."""
    rows: dict[str, Hookup] = {}
    for module in sorted(Path(__file__).parent.glob("hookups_*.py")):
        for row in importlib.import_module(f"tests.frameworks.{module.stem}").HOOKUPS:
            rows[row.name] = row
    return rows
