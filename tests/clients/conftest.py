"""Session fixtures for the client conformance suites: one emulator, a server that answers 500,
the exported receivers (one per language, trusting the emulator's key prefix) and the builds."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.exports.export import production_receiver_source
from osscb_notebook.exports.languages import LANGUAGES
from tests.clients.harness import Builds
from tests.receivers import harness as receivers
from tests.support import LoopbackServer


class _Answers500(BaseHTTPRequestHandler):
    """A callback server that is down in the way OSS reports as 'Error status : 500.'"""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"Status":"broken"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("clients-emu")) as emu:
        yield emu


@pytest.fixture(scope="session")
def fail_url() -> Iterator[str]:
    with LoopbackServer(_Answers500) as server:
        yield server.url("/callback")


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(tmp_path_factory.mktemp("clients-build"))


#: The Java export's slow-work hook (which runs only for a verified callback) logs nothing; the
#: other exports log ``callback: <body>`` there. This statement makes Java's do the same.
JAVA_LOG = ('System.err.println("callback: " + new String(job.body(), '
            'java.nio.charset.StandardCharsets.ISO_8859_1));')


def _logging_source(lang: str) -> str | None:
    if lang != "java":
        return None
    source = production_receiver_source("java")
    lines = source.split("\n")
    (at,) = [i for i, line in enumerate(lines) if receivers.SLOW_WORK_MARKER in line]
    lines.insert(at + 1, " " * 8 + JAVA_LOG)
    return "\n".join(lines)


class Receivers:
    """Starts each language's exported receiver at most once per session."""

    def __init__(self, root: Path, trusted: str) -> None:
        self.root, self.trusted = root, trusted
        self.running: dict[str, receivers.Running] = {}

    def url(self, lang: str) -> str:
        if lang not in self.running:
            row = LANGUAGES[lang]
            receivers.require(row)
            folder = self.root / lang
            folder.mkdir()
            script = receivers.export(row, folder, _logging_source(lang))
            env = None
            if lang == "go":  # `go run` with Go's usual build cache, warm from the clients' build
                cache = subprocess.run(["go", "env", "GOCACHE"], capture_output=True, text=True).stdout.strip()
                env = {"GOCACHE": cache}
            self.running[lang] = receivers.start(row, script, trusted=self.trusted, documented=True, env=env)
        return self.running[lang].url + "callback"

    def logged(self, lang: str, text: str, timeout: float = 10.0) -> bool:
        """Whether the receiver's slow-work hook logged a body containing ``text`` (it runs after the
        reply, so wait a little, bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            if any("callback: " in line and text in line for line in list(self.running[lang].lines)):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def stop(self) -> None:
        for running in self.running.values():
            running.stop()


@pytest.fixture(scope="session")
def exported_receivers(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receivers]:
    started = Receivers(tmp_path_factory.mktemp("clients-receivers"), emulator.public_key_prefix)
    yield started
    started.stop()
    receivers.remove_session_dir()
