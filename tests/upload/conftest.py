"""A running emulator and a real callback server on loopback that verifies like the seed's sample."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.verification import CapturedRequest, KeyResolver, verify_request
from tests.support import LoopbackServer


class AppServer:
    """Verifies each callback with the core; replies 200 JSON when it verifies, else 400."""

    def __init__(self, trusted_prefix: str) -> None:
        self.resolver = KeyResolver([trusted_prefix])
        self.received: list[tuple[CapturedRequest, bool]] = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                req = CapturedRequest("POST", self.path, list(self.headers.items()), body)
                ok = verify_request(req, app.resolver).ok
                app.received.append((req, ok))
                reply = json.dumps({"Status": "OK" if ok else "verify not ok", "got": body.decode()}).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = LoopbackServer(Handler)
        self.url = self.server.url("/cb")

    def close(self) -> None:
        self.server.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(data_dir=tmp_path_factory.mktemp("emu"))
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def app(emulator: Emulator) -> Iterator[AppServer]:
    server = AppServer(emulator.endpoint + "/")
    yield server
    server.close()


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(range(256)) * 4096 * 3)  # 3 MiB
    return path
