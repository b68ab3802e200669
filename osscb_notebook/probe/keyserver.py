"""The probe's key server: the trusted test key under the prefix the user trusts, a forged key
(the attacker's) at every other path, and a record of every fetch.

Binds 127.0.0.1 unless ``base`` (``--key-url-base``) is given: then a tunnel or another machine must
reach it, so it binds 0.0.0.0, and the tunnel must forward ``base``'s whole host to ``port`` with
paths unchanged. A second listener on an ephemeral loopback port serves the forged key for the
userinfo bypass (``http://127.0.0.1:KEYPORT@127.0.0.1:P/...``). Each key URL carries a per-run nonce
and a tag (the check id), so a server that caches keys by URL fetches this run's key, and every
fetch is attributed to the check that caused it.

Like common web servers (nginx), it percent-decodes a request's path and resolves its dot segments
before choosing the key, so ``PREFIX..?x=1``, ``PREFIX%2e%2e?x=1`` and ``PREFIX..%2fevil.pem`` really
serve the forger's key. Some trusted URLs misbehave on purpose (the key-* checks): one answers 302 to
the forger's key, one stalls, others serve garbage. It is bounded (issue #25 item 6, review N5): at
most :data:`MAX_CONNECTIONS` connections at a time per listener, each closed after
:data:`CONNECTION_DEADLINE` seconds in total, and only fetches carrying the run's nonce are recorded,
each path cut to :data:`MAX_RECORDED_PATH` printable characters.
"""

from __future__ import annotations

import contextlib
import errno
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

from .._wire import QuietHTTPServer
from ..errors import ProbeError
from .target import busy_port_hint

#: Fetches kept per run: enough for every check several times over; the rest are counted only.
MAX_FETCHES = 2000
#: Seconds a connection may idle before the key server drops it.
CONNECTION_TIMEOUT = 5.0
PREFIX_PATH = "/osscb-probe/"
#: Concurrent connections per listener; more are closed at once (1,500 idle ones made 1,500 threads).
MAX_CONNECTIONS = 64
#: Seconds a connection may last in total (trickled bytes included), then it is cut.
CONNECTION_DEADLINE = 10.0
#: Characters of a fetched path kept in a record (a 64 KiB path was kept whole).
MAX_RECORDED_PATH = 300
#: How long the stalling key URL (key-timeout) holds a fetch without answering: past OSS's 5 s.
STALL_SECONDS = 8.0
#: The garbage the key-garbage URLs serve (the EC key is made per run).
GARBAGE_KINDS = ("not-pem", "empty", "2mb", "ec")
GARBAGE_SIZE = 2 * 1024 * 1024


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with every non-printable character (ESC and other terminal controls) escaped as
    ``\\xNN``, cut to ``limit`` characters: what a server chose must not drive the reader's terminal."""
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if limit is not None and len(out) > limit:
        return out[:limit] + "…"
    return out


def resolve_path(raw_path: str) -> str:
    """The path a common web server serves for ``raw_path`` (query dropped): percent-decoded, ``%2f``
    included, then dot segments removed (RFC 3986 §5.2.4)."""
    path = unquote(raw_path.split("?", 1)[0].split("#", 1)[0])
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        elif seg == ".":
            if last:
                out.append("")
        else:
            out.append(seg)
    resolved = "/".join(out)
    return resolved if resolved.startswith("/") else "/" + resolved


class BoundedHTTPServer(QuietHTTPServer):
    """:class:`QuietHTTPServer` with at most ``MAX_CONNECTIONS`` handler threads, each connection cut
    after ``CONNECTION_DEADLINE`` seconds however slowly its bytes trickle."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._open: dict[socket.socket, float] = {}
        self._open_lock = threading.Lock()
        self._reaping = threading.Event()
        super().__init__(*args, **kwargs)
        threading.Thread(target=self._reap, daemon=True, name="osscb-probe-keys-reaper").start()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open[request] = time.monotonic() + CONNECTION_DEADLINE
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _release(self, request: Any) -> None:
        with self._open_lock:
            if self._open.pop(request, None) is None:
                return
        self._slots.release()

    def _reap(self) -> None:
        while not self._reaping.wait(0.25):
            now = time.monotonic()
            with self._open_lock:
                late = [s for s, deadline in self._open.items() if deadline <= now]
            for sock in late:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def server_close(self) -> None:
        self._reaping.set()
        super().server_close()


@dataclass(frozen=True)
class Fetch:
    """One request the key server got: which listener, the path, when, and which key it served."""

    url: str
    path: str
    port: int
    time: float
    trusted: bool
    #: the path the key server served after decoding and resolving dot segments
    resolved: str = ""


class KeyServer:
    """Serve ``trusted_pem`` at the URLs :meth:`trusted_url` hands out and ``forged_pem`` elsewhere."""

    def __init__(self, trusted_pem: bytes, forged_pem: bytes, *, port: int, base: str | None = None) -> None:
        self.trusted_pem, self.forged_pem = trusted_pem, forged_pem
        self.nonce = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._trusted_paths: set[str] = set()
        self._behaviour: dict[str, str] = {}
        self._stopping = threading.Event()
        self._fetches: list[Fetch] = []
        self._dropped = 0
        host = "0.0.0.0" if base else "127.0.0.1"  # noqa: S104 - a tunnel or another machine must reach it
        try:
            self._main = BoundedHTTPServer((host, port), self._handler())
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
        self._side = BoundedHTTPServer(("127.0.0.1", 0), self._handler())
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

    def _special(self, tag: str, behaviour: str, name: str = "key.pem") -> str:
        path = f"{self._prefix_path}{self.nonce}/{tag}/{name}"
        with self._lock:
            self._trusted_paths.add(path)
            self._behaviour[path] = behaviour
        return self.root + path

    def redirect_url(self, tag: str) -> str:
        """A trusted URL that answers 302 to the forger's key (``forged_url(tag + "/redirected")``)."""
        return self._special(tag, "redirect")

    def stall_url(self, tag: str) -> str:
        """A trusted URL that holds the fetch for :data:`STALL_SECONDS` and closes without answering."""
        return self._special(tag, "stall")

    def garbage_url(self, tag: str, kind: str) -> str:
        """A trusted URL that serves ``kind`` of :data:`GARBAGE_KINDS` instead of an RSA PEM."""
        if kind not in GARBAGE_KINDS:
            raise ValueError(f"unknown garbage {kind!r}")
        return self._special(f"{tag}/{kind}", "garbage-" + kind)

    def dot_urls(self, tag: str) -> dict[str, str]:
        """Key URLs that start with the trusted prefix but resolve outside it on a common web server:
        ``PREFIX..?x=1``, ``PREFIX%2e%2e?x=1`` and ``PREFIX..%2fevil.pem`` (each tagged for attribution)."""
        mark = f"/{self.nonce}/{tag}"
        return {
            "PREFIX..?x=1": f"{self.prefix}..?x=1&k={mark}/dot-query/",
            "PREFIX%2e%2e?x=1": f"{self.prefix}%2e%2e?x=1&k={mark}/encoded-dot-query/",
            "PREFIX..%2fevil.pem": f"{self.prefix}..%2f{self.nonce}/{tag}/encoded-slash/evil.pem",
        }

    def fetch_count(self, url: str) -> int:
        """How many recorded fetches asked for exactly ``url``."""
        path = url[len(self.root):] if url.startswith(self.root) else url
        with self._lock:
            return sum(1 for f in self._fetches if f.port == self.port and f.path == path)

    # ---- fetches --------------------------------------------------------------------------------
    def fetches(self, tag: str | None = None) -> list[Fetch]:
        """Every fetch so far, or those of URLs handed out for ``tag`` (and its sub-tags)."""
        with self._lock:
            found = list(self._fetches)
        if tag is None:
            return found
        mark = f"/{self.nonce}/{tag}/"
        return [f for f in found if mark in f.path or mark in f.resolved]

    def _record(self, port: int, path: str) -> tuple[bool, str]:
        """Record a fetch; whether it gets the trusted key, and its behaviour (``""`` = serve the key)."""
        resolved = resolve_path(path)
        with self._lock:
            trusted = port == self.port and resolved in self._trusted_paths
            behaviour = self._behaviour.get(resolved, "") if trusted else ""
            if self.nonce not in path and self.nonce not in resolved:
                self._dropped += 1  # not one of this run's URLs: served, never kept
            elif len(self._fetches) < MAX_FETCHES:
                base = self.root if port == self.port else f"http://127.0.0.1:{port}"
                kept = printable(path, MAX_RECORDED_PATH)
                self._fetches.append(Fetch(base + kept, kept, port, time.time(), trusted,
                                           printable(resolved, MAX_RECORDED_PATH)))
        return trusted, behaviour

    def _body(self, trusted: bool, behaviour: str) -> bytes:
        if not trusted:
            return self.forged_pem
        if behaviour.startswith("garbage-"):
            return _garbage(behaviour[len("garbage-"):])
        return self.trusted_pem

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            timeout = CONNECTION_TIMEOUT

            def do_GET(self) -> None:  # noqa: N802
                port = int(self.server.server_address[1])  # type: ignore[index]
                trusted, behaviour = owner._record(port, self.path)
                if behaviour == "stall":
                    owner._stopping.wait(STALL_SECONDS)
                    self.close_connection = True
                    return
                if behaviour == "redirect":
                    tag = resolve_path(self.path)[len(owner._prefix_path):].split("/", 1)[1].rsplit("/", 1)[0]
                    self.send_response(302)
                    self.send_header("Location", owner.forged_url(tag + "/redirected"))
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    return
                body = owner._body(trusted, behaviour)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-pem-file")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    with contextlib.suppress(OSError):  # a server that reads 16 KiB of 2 MB and hangs up
                        self.wfile.write(body)
                self.close_connection = True

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def close(self) -> None:
        self._stopping.set()
        for server in (self._main, self._side):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> KeyServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_EC_PEM: list[bytes] = []


def _garbage(kind: str) -> bytes:
    """What a key-garbage URL serves: text, nothing, 2 MB, or a valid EC (not RSA) public key."""
    if kind == "empty":
        return b""
    if kind == "2mb":
        line = b"A" * 63 + b"\n"
        return b"-----BEGIN PUBLIC KEY-----\n" + line * (GARBAGE_SIZE // len(line)) + b"-----END PUBLIC KEY-----\n"
    if kind == "ec":
        if not _EC_PEM:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec

            key = ec.generate_private_key(ec.SECP256R1()).public_key()
            _EC_PEM.append(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return _EC_PEM[0]
    return b"this is not a PEM public key\n"
