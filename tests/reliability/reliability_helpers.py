"""Loopback servers and raw-HTTP helpers for the reliability suite (real sockets, no mocks)."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from osscb_notebook.callback import (
    CallbackRequest,
    build_callback_request,
    generate_private_key,
    public_key_pem,
)
from osscb_notebook.params import parse_callback_url

DEFAULT_SECRET = "osscb-local-secret"  # the emulator's documented local-only secret


class CountingServer:
    """A loopback HTTP server that counts every request; ``routes`` map a path to (status, headers, body)."""

    def __init__(self, routes: dict[str, tuple[int, list[tuple[str, str]], bytes]] | None = None) -> None:
        self.routes = routes or {}
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                owner.hits.append(self.path)
                status, headers, body = owner.routes.get(self.path, (404, [], b"not found"))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.prefix = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Signer:
    """Signs callbacks as OSS does; ``pem`` is published by a key server at ``key_url``."""

    key_url: str = ""
    private_key: object = field(default_factory=lambda: generate_private_key(1024))

    @property
    def pem(self) -> bytes:
        return public_key_pem(self.private_key)  # type: ignore[arg-type]

    def request(self, url: str, body: bytes = b"bucket=demo&object=a%2Fb.txt&size=5", *,
                key_url: str | None = None) -> CallbackRequest:
        return build_callback_request(
            parse_callback_url(url), body, body_type="application/x-www-form-urlencoded",
            private_key=self.private_key, public_key_url=key_url or self.key_url,  # type: ignore[arg-type]
            bucket="demo", request_id="5CF3E7821AB22D0FDB86704D", requester="1000000000000001",
        )


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_http(port: int, data: bytes, timeout: float = 15.0) -> RawResponse | None:
    """Send bytes, read until the server closes (or one response is complete); ``None`` if the
    server closed without an answer. Raises ``TimeoutError`` if it neither answers nor closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # the server may answer (e.g. 431) and close before reading everything
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        buf = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                headers = _headers(head)
                length = headers.get("content-length")
                if length is not None and len(body) >= int(length):
                    break
    if not buf:
        return None
    if not buf.startswith(b"HTTP/"):
        # The stdlib answers a request line it cannot parse HTTP/0.9-style: the error page alone.
        match = re.search(rb"Error code: (\d{3})", buf)
        return RawResponse(int(match.group(1)) if match else 0, {}, buf)
    head, _, body = buf.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    return RawResponse(int(status_line[1]), _headers(head), body)


def _headers(head: bytes) -> dict[str, str]:
    out = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        out[name.strip().lower()] = value.strip()
    return out


class SocketServer:
    """A loopback TCP server whose every connection is handled by ``behaviour(conn)``: for
    servers that misbehave below HTTP (close mid-reply, reply garbage, never answer)."""

    def __init__(self, behaviour: Callable[[socket.socket], None]) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/cb"
        self.connections = 0
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) from ``conn``."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return buf
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = int(_headers(head).get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

