"""A real key server on loopback that counts its hits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from osscb_notebook.callback import generate_private_key, public_key_pem


class KeyServer:
    def __init__(self) -> None:
        self.key = generate_private_key(1024)
        self.routes: dict[str, tuple[int, bytes]] = {"/pub.pem": (200, public_key_pem(self.key))}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                status, body = server.routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.prefix = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str = "pub.pem") -> str:
        return self.prefix + path


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    ks = KeyServer()
    yield ks
    ks.httpd.shutdown()
    ks.httpd.server_close()
