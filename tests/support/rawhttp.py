"""Raw sockets on loopback: send bytes and read one response, a TCP server that misbehaves
below HTTP, and a request reader for such servers."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass


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


def exchange(port: int, data: bytes, *, shut_write: bool = False, timeout: float = 10.0) -> tuple[RawResponse | None, bool]:
    """Send ``data`` (then half-close if ``shut_write``) and read until the server closes:
    ``(response, closed)``. ``closed`` is False if the server kept the connection open past
    ``timeout`` after answering; ``TimeoutError`` if it neither answered nor closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
            if shut_write:
                sock.shutdown(socket.SHUT_WR)
        buf, closed = b"", False
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            except TimeoutError:
                if not buf:
                    raise
                break
            if not chunk:
                closed = True
                break
            buf += chunk
    if not buf:
        return None, closed
    head, _, body = buf.partition(b"\r\n\r\n")
    return RawResponse(int(head.split(b"\r\n", 1)[0].split()[1]), _headers(head), body), closed
