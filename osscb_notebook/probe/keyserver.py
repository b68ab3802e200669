"""The probe's key server: the trusted test key under the prefix the user trusts, a forged key
(the attacker's) at every other path, and a record of every fetch.

Binds 127.0.0.1 unless ``base`` (``--key-url-base``) is given: then a tunnel or another machine must
reach it, so it binds 0.0.0.0, and the tunnel must forward ``base``'s whole host to ``port`` with
paths unchanged. A second listener on an ephemeral loopback port serves the forged key for the
userinfo bypass (``http://127.0.0.1:KEYPORT@127.0.0.1:P/...``). Each key URL carries a per-run nonce
and a tag (the check id), so a server that caches keys by URL fetches this run's key, and every
fetch is attributed to the check that caused it.
"""

from __future__ import annotations

import errno
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from .._wire import QuietHTTPServer
from ..errors import ProbeError
from .target import busy_port_hint

#: Fetches kept per run: enough for every check several times over; the rest are counted only.
MAX_FETCHES = 2000
#: Seconds a connection may idle before the key server drops it.
CONNECTION_TIMEOUT = 5.0
PREFIX_PATH = "/osscb-probe/"


@dataclass(frozen=True)
class Fetch:
    """One request the key server got: which listener, the path, when, and which key it served."""

    url: str
    path: str
    port: int
    time: float
    trusted: bool


class KeyServer:
    """Serve ``trusted_pem`` at the URLs :meth:`trusted_url` hands out and ``forged_pem`` elsewhere."""

    def __init__(self, trusted_pem: bytes, forged_pem: bytes, *, port: int, base: str | None = None) -> None:
        self.trusted_pem, self.forged_pem = trusted_pem, forged_pem
        self.nonce = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._trusted_paths: set[str] = set()
        self._fetches: list[Fetch] = []
        host = "0.0.0.0" if base else "127.0.0.1"  # noqa: S104 - a tunnel or another machine must reach it
        try:
            self._main = QuietHTTPServer((host, port), self._handler())
        except OSError as exc:
            busy = exc.errno == errno.EADDRINUSE
            raise ProbeError(
                f"The probe's key server cannot listen on {host}:{port}: "
                + ("the port is in use." if busy else f"{exc.strerror or exc}."),
                port=port, hint=busy_port_hint(base),
            ) from None
        self.port = int(self._main.server_address[1])
        if base:
            self.prefix = base if base.endswith("/") else base + "/"
        else:
            self.prefix = f"http://127.0.0.1:{self.port}{PREFIX_PATH}"
        parts = urlsplit(self.prefix)
        self.root = f"{parts.scheme}://{parts.netloc}"
        self._prefix_path = parts.path or "/"
        self._base = base
        self._side = QuietHTTPServer(("127.0.0.1", 0), self._handler())
        self.side_port = int(self._side.server_address[1])
        self._threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                                          name="osscb-probe-keys") for s in (self._main, self._side)]
        for t in self._threads:
            t.start()

    # ---- URLs -----------------------------------------------------------------------------------
    def _tail(self, tag: str) -> str:
        return f"{self.nonce}/{tag}/key.pem"

    def trusted_url(self, tag: str) -> str:
        """A URL under the trusted prefix that serves the trusted key."""
        path = self._prefix_path + self._tail(tag)
        with self._lock:
            self._trusted_paths.add(path)
        return self.root + path

    def forged_url(self, tag: str) -> str:
        """A URL outside the trusted prefix (same host) that serves the forged key."""
        return f"{self.root}/osscb-forged/{self._tail(tag)}"

    def slash_url(self, tag: str) -> str:
        """The trusted prefix with its last '/' replaced: passes ``startswith`` of a slash-less prefix."""
        return f"{self.prefix[:-1]}-evil/{self._tail(tag)}"

    def userinfo_url(self, tag: str) -> str:
        """``http://<trusted host:port>@127.0.0.1:P/...``: passes ``startswith`` of a host-only prefix
        without its '/', but a URL parser connects to P (or, through a tunnel, to the tunnel's host)."""
        netloc = urlsplit(self.root).netloc
        scheme = urlsplit(self.root).scheme
        if self._base:
            return f"{scheme}://{netloc}@{netloc}/osscb-userinfo/{self._tail(tag)}"
        return f"{scheme}://{netloc}@127.0.0.1:{self.side_port}{self._prefix_path}{self._tail(tag)}"

    # ---- fetches --------------------------------------------------------------------------------
    def fetches(self, tag: str | None = None) -> list[Fetch]:
        """Every fetch so far, or those of URLs handed out for ``tag`` (and its sub-tags)."""
        with self._lock:
            found = list(self._fetches)
        if tag is None:
            return found
        return [f for f in found if f"/{self.nonce}/{tag}/" in f.path]

    def _record(self, port: int, path: str) -> bool:
        with self._lock:
            trusted = port == self.port and path in self._trusted_paths
            if len(self._fetches) < MAX_FETCHES:
                base = self.root if port == self.port else f"http://127.0.0.1:{port}"
                self._fetches.append(Fetch(base + path, path, port, time.time(), trusted))
        return trusted

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            timeout = CONNECTION_TIMEOUT

            def do_GET(self) -> None:  # noqa: N802
                port = int(self.server.server_address[1])  # type: ignore[index]
                trusted = owner._record(port, self.path)
                body = owner.trusted_pem if trusted else owner.forged_pem
                self.send_response(200)
                self.send_header("Content-Type", "application/x-pem-file")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                self.close_connection = True

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def close(self) -> None:
        for server in (self._main, self._side):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> KeyServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
