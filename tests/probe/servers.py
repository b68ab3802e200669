"""Small callback servers for the probe's tests: :class:`Correct` verifies as OSS's docs say, and each
subclass has ONE deliberate defect (one overridden hook). They run in a thread on 127.0.0.1:0."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from osscb_notebook.callback import load_public_key, string_to_sign, verify
from osscb_notebook.verification import (
    OFFICIAL_KEY_URLS,
    OFFICIAL_PREFIXES,
    OFFICIAL_PUBLIC_KEY_PEM,
)
from tests.support import LoopbackServer, QuietHandler

BOM = b"\xef\xbb\xbf"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class Correct:
    """Trusts OSS's prefixes plus ``trusted`` (each ending in '/'), pins OSS's key, caches others by URL,
    verifies the raw target and body, replies 200 ``{"Status":"OK"}`` with Content-Length, 400 otherwise."""

    def __init__(self, trusted: tuple[str, ...] = ()) -> None:
        self.prefixes = OFFICIAL_PREFIXES + tuple(self.normalize(p) for p in trusted)
        self.keys: dict[str, rsa.RSAPublicKey] = {u: load_public_key(OFFICIAL_PUBLIC_KEY_PEM) for u in OFFICIAL_KEY_URLS}
        self.lock = threading.Lock()
        owner = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            timeout = 15

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                target = self.requestline.split()[1]
                reason = owner.verify(target, self.headers, body)
                if reason:
                    owner.reply(self, owner.refusal_status(reason), {"Status": "verify not ok", "reason": reason})
                else:
                    owner.reply(self, 200, {"Status": "OK"})

        self.server = LoopbackServer(Handler)
        self.url = self.server.url("/callback")

    # ---- hooks: each defect overrides one -------------------------------------------------------
    def normalize(self, prefix: str) -> str:
        return prefix if prefix.endswith("/") else prefix + "/"

    def key_url_ok(self, url: str) -> bool:
        return url.startswith(self.prefixes) and not self.sneaky(url)

    @staticmethod
    def sneaky(url: str) -> bool:
        """A path that, percent-decoded, has a '.' or '..' segment (however it ends) or an encoded '/' or '\\'
        (issue #25 item 8): a key host that resolves it serves a file outside the trusted prefix."""
        path = urlsplit(url).path
        if any(enc in path.lower() for enc in ("%2f", "%5c")):
            return True
        return any(seg in (".", "..") for seg in unquote(path).replace("\\", "/").split("/"))

    fetch_first = False

    def message(self, target: str, headers: Any, body: bytes) -> bytes:
        path, _, query = target.partition("?")
        return string_to_sign(path, query, body)

    def refusal_status(self, reason: str) -> int:
        return 400

    def reply(self, handler: QuietHandler, status: int, doc: dict[str, str]) -> None:
        self.send(handler, status, json.dumps(doc).encode(), "application/json")

    # ---- the common parts -----------------------------------------------------------------------
    def send(self, handler: QuietHandler, status: int, body: bytes, content_type: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def fetch(self, url: str) -> rsa.RSAPublicKey:
        with self.lock:
            if url in self.keys:
                return self.keys[url]
        key = load_public_key(self.download(url))
        with self.lock:
            self.keys[url] = key
        return key

    def download(self, url: str) -> bytes:
        """At most 16 KiB of the key, no redirects, 3 s per read (the key server sends it at once)."""
        with _OPENER.open(url, timeout=3) as resp:
            data: bytes = resp.read(16 * 1024)
            return data

    def signature_header(self, headers: Any) -> str | None:
        return headers.get("authorization")  # type: ignore[no-any-return]

    def verify(self, target: str, headers: Any, body: bytes) -> str:
        sig, key_b64 = self.signature_header(headers), headers.get("x-oss-pub-key-url")
        if sig is None or key_b64 is None:
            return "missing authorization or x-oss-pub-key-url"
        if not sig or not key_b64:
            return "empty authorization or x-oss-pub-key-url"
        try:
            signature = base64.b64decode(sig, validate=True)
            url = base64.b64decode(key_b64, validate=True).decode()
        except ValueError:
            return "malformed header"
        try:
            key = self.fetch(url) if self.fetch_first else None
            if not self.key_url_ok(url):
                return "untrusted key URL"
            key = key or self.fetch(url)
        except Exception as exc:  # noqa: BLE001 - any fetch or PEM problem is a refusal
            return f"no key: {exc}"
        return "" if verify(key, self.message(target, headers, body), signature) else "bad signature"

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Correct:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class TrustsAnyKeyURL(Correct):
    def key_url_ok(self, url: str) -> bool:
        return True


class PrefixWithoutSlash(Correct):
    def normalize(self, prefix: str) -> str:
        return prefix.rstrip("/")


class FetchesBeforeChecking(Correct):
    fetch_first = True


class ReserialisesJSON(Correct):
    def message(self, target: str, headers: Any, body: bytes) -> bytes:
        if headers.get("Content-Type", "").startswith("application/json"):
            body = json.dumps(json.loads(body)).encode()
        return super().message(target, headers, body)


class AlwaysAddsQuery(Correct):
    def message(self, target: str, headers: Any, body: bytes) -> bytes:
        path, _, query = target.partition("?")
        return unquote_to_bytes(path) + b"?" + query.encode() + b"\n" + body


class PathNotDecoded(Correct):
    def message(self, target: str, headers: Any, body: bytes) -> bytes:
        path, _, query = target.partition("?")
        return path.encode() + (b"?" + query.encode() if query else b"") + b"\n" + body


class BomReply(Correct):
    def reply(self, handler: QuietHandler, status: int, doc: dict[str, str]) -> None:
        self.send(handler, status, BOM + json.dumps(doc).encode(), "application/json")


class ChunkedReply(Correct):
    def reply(self, handler: QuietHandler, status: int, doc: dict[str, str]) -> None:
        body = json.dumps(doc).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))


class SlowReply(Correct):
    delay = 5.2

    def reply(self, handler: QuietHandler, status: int, doc: dict[str, str]) -> None:
        time.sleep(self.delay)
        super().reply(handler, status, doc)


class ErrorOnMissingHeader(Correct):
    def refusal_status(self, reason: str) -> int:
        return 500 if reason.startswith("missing") else 400


class AcceptsEverything(Correct):
    def verify(self, target: str, headers: Any, body: bytes) -> str:
        return ""


class PlainTextReply(Correct):
    def reply(self, handler: QuietHandler, status: int, doc: dict[str, str]) -> None:
        self.send(handler, status, doc["Status"].encode(), "text/plain")


class Status204(Correct):
    def reply(self, handler: QuietHandler, status: int, doc: dict[str, str]) -> None:
        if status == 200:
            handler.send_response(204)
            handler.end_headers()
            return
        super().reply(handler, status, doc)


# ---- issue #25: one defect per new behaviour -------------------------------------------------------
class CaseSensitiveAuthorization(Correct):
    """Reads ``Authorization`` from a case-sensitive header array (PHP's getallheaders()) and trusts any
    key URL: the lower-case ``authorization`` of OSS's older example is never seen."""

    def signature_header(self, headers: Any) -> str | None:
        return dict(headers.items()).get("Authorization")

    def key_url_ok(self, url: str) -> bool:
        return True


class CaseSensitiveLowerAuthorization(Correct):
    """The other way round: only a lower-case ``authorization`` is read, as the kit used to send it."""

    def signature_header(self, headers: Any) -> str | None:
        return dict(headers.items()).get("authorization")


class DoubleDecoding(Correct):
    """Percent-decodes the path twice (the official Go sample): ``a%2541`` is signed as ``a%41``, checked as ``aA``."""

    def message(self, target: str, headers: Any, body: bytes) -> bytes:
        path, _, query = target.partition("?")
        return unquote(unquote(path)).encode() + (b"?" + query.encode() if query else b"") + b"\n" + body


class DotCheckStopsAtQuery(Correct):
    """Refuses '/../' and a trailing '/..' in the URL string, so ``PREFIX..?x=1`` (and the encoded forms) pass."""

    def key_url_ok(self, url: str) -> bool:
        return url.startswith(self.prefixes) and "/../" not in url and not url.endswith("/..")


class FollowsKeyRedirects(Correct):
    """Fetches the key with urllib's default opener, which follows a 302 out of the trusted prefix."""

    def download(self, url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 - the defect under test
            data: bytes = resp.read(16 * 1024)
            return data


class BlockingKeyFetch(Correct):
    """Fetches with no timeout while holding the lock every callback needs, cached keys included."""

    def fetch(self, url: str) -> rsa.RSAPublicKey:
        with self.lock:
            if url not in self.keys:
                with _OPENER.open(url) as resp:
                    self.keys[url] = load_public_key(resp.read(16 * 1024))
            return self.keys[url]


class ErrorOnGarbageKey(Correct):
    """Answers 500 when the key it fetched cannot be loaded."""

    def refusal_status(self, reason: str) -> int:
        return 500 if reason.startswith("no key") and "HTTP Error" not in reason else 400


class LowerCaseStatusLine(Correct):
    """Refuses with a status line no HTTP client parses: ``http/1.1 403 Forbidden``."""

    def send(self, handler: QuietHandler, status: int, body: bytes, content_type: str) -> None:
        if status == 200:
            super().send(handler, status, body, content_type)
            return
        handler.wfile.write(b"http/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        handler.close_connection = True


class HeadersWithoutBody(Correct):
    """Python 3's ``wfile.write(str)``: the 200's headers go out, then TypeError, and the body never does."""

    def send(self, handler: QuietHandler, status: int, body: bytes, content_type: str) -> None:
        if status != 200:
            super().send(handler, status, body, content_type)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body.decode())  # type: ignore[arg-type]  # the defect: TypeError on Python 3


class Hostile:
    """A raw-socket server that answers every request in one hostile way (security review N1):

    ``continue`` endless ``100 Continue``; ``header-trickle`` a status line, then a header byte every
    0.2 s; ``body-trickle`` 200 with Content-Length 1000, then a byte every 0.2 s; ``refusal-trickle``
    the same with 400; ``chunk-trickle`` a chunked 400 with a 1-byte chunk every 0.2 s; ``silent``
    reads the request and never answers."""

    MODES = ("continue", "header-trickle", "body-trickle", "refusal-trickle", "chunk-trickle", "silent")

    def __init__(self, mode: str) -> None:
        assert mode in self.MODES, mode
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/cb"
        self.stopping = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name="hostile-accept").start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True, name="hostile-conn").start()

    def _drip(self, conn: socket.socket, data: bytes, every: float = 0.2) -> None:
        for i in range(len(data)):
            if self.stopping.wait(every):
                return
            conn.sendall(data[i:i + 1])

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            if self.mode == "continue":
                while not self.stopping.is_set():
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" * 50)
                    time.sleep(0.01)
            elif self.mode == "header-trickle":
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                self._drip(conn, b"X-Slow: " + b"a" * 1000 + b"\r\n")
            elif self.mode in ("body-trickle", "refusal-trickle"):
                status = b"200 OK" if self.mode == "body-trickle" else b"400 Bad Request"
                conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                self._drip(conn, b"x" * 1000)
            elif self.mode == "chunk-trickle":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n")
                while not self.stopping.wait(0.2):
                    conn.sendall(b"1\r\nx\r\n")
            else:
                self.stopping.wait(60)

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> Hostile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
