"""Small callback servers for the probe's tests: :class:`Correct` verifies as OSS's docs say, and each
subclass has ONE deliberate defect (one overridden hook). They run in a thread on 127.0.0.1:0."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import unquote_to_bytes

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
        return url.startswith(self.prefixes)

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
        with _OPENER.open(url, timeout=3) as resp:
            key = load_public_key(resp.read(16 * 1024))
        with self.lock:
            self.keys[url] = key
        return key

    def verify(self, target: str, headers: Any, body: bytes) -> str:
        sig, key_b64 = headers.get("authorization"), headers.get("x-oss-pub-key-url")
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
