"""One loopback HTTP server helper: serve a handler class on 127.0.0.1, a free port, in a thread."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler
from types import TracebackType

from osscb_notebook._wire import QuietHTTPServer


class LoopbackServer:
    """Runs ``handler`` on ``127.0.0.1:0`` with the project's quiet threading server until
    :meth:`stop` (or the end of a ``with`` block). ``base`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = QuietHTTPServer(("127.0.0.1", 0), handler)
        self.port = int(self.httpd.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return self.base + path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that never logs to stderr."""

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    """A loopback port free right now (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


closed_port = free_port  # a port nothing listens on
