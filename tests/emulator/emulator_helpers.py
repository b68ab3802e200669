"""Test helpers: a real callback server on loopback that verifies signatures the way OSS's sample
does, SDK client factories and small encoders."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

import alibabacloud_oss_v2 as ossv2
import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from osscb_notebook._wire import split_target
from osscb_notebook.emulator import Emulator

REGION = "cn-hangzhou"


@dataclass
class Captured:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None = None


def verify_like_sample(target: str, headers: dict[str, str], body: bytes) -> bool:
    """The seed's recipe: fetch the PEM from x-oss-pub-key-url, RSA-MD5 over
    unquote(path) + ("?" + query if any) + "\\n" + body."""
    key_url = base64.b64decode(headers["x-oss-pub-key-url"]).decode()
    pem = httpx.get(key_url, timeout=5).content
    key = serialization.load_pem_public_key(pem)
    path, sep, query = target.partition("?")
    message = unquote(path).encode() + (b"?" + query.encode() if sep and query else b"") + b"\n" + body
    try:
        key.verify(base64.b64decode(headers["authorization"]), message, padding.PKCS1v15(), hashes.MD5())  # type: ignore[union-attr]
    except Exception:
        return False
    return True


@dataclass
class CallbackServer:
    """Answers by path: /ok (verify, then 200 JSON), /status/N, /redirect, /notjson, /bom,
    /nolength, /big, /xml, /slow (7 s), /empty."""

    port: int = 0
    captured: list[Captured] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def since(self, n: int) -> list[Captured]:
        with self.lock:
            return self.captured[n:]

    def count(self) -> int:
        with self.lock:
            return len(self.captured)


def _make_handler(cb: CallbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, ctype: str = "application/json", length: bool = True,
                   extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(OSError):  # the emulator stops reading a reply it judged too long
                self.wfile.write(body)
            self.close_connection = True

        def do_POST(self) -> None:  # noqa: N802
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            headers = {k.lower(): v for k, v in self.headers.items()}
            cap = Captured("POST", self.path, headers, body)
            try:
                cap.verified = verify_like_sample(self.path, headers, body)
            except Exception:
                cap.verified = False
            with cb.lock:
                cb.captured.append(cap)
            path, _ = split_target(self.path)
            if path.startswith("/ok") or path.startswith("/%E4"):
                if cap.verified:
                    self._reply(200, json.dumps({"Status": "OK", "echo": body.decode("utf-8", "replace")}).encode())
                else:
                    self._reply(400, b'{"Status":"verify not ok"}')
            elif path.startswith("/status/"):
                self._reply(int(path.rsplit("/", 1)[1]), b'{"Status":"nope"}')
            elif path == "/redirect":
                self._reply(301, b"", extra={"Location": cb.url("/ok")})
            elif path == "/notjson":
                self._reply(200, b"OK", ctype="text/plain")
            elif path == "/bom":
                self._reply(200, b'\xef\xbb\xbf{"Status":"OK"}')
            elif path == "/badlength":
                self._reply(200, b'{"Status":"OK"}', length=False, extra={"Content-Length": "12abc"})
            elif path == "/shortbody":
                self._reply(200, b'{"Status":"OK"}', length=False, extra={"Content-Length": "100"})
            elif path == "/empty":
                self._reply(200, b"")
            elif path == "/nolength":
                self._reply(200, b'{"Status":"OK"}', length=False)
            elif path == "/big":
                self._reply(200, b'{"x":"' + b"a" * (1024 * 1024) + b'"}')
            elif path == "/xml":
                self._reply(200, b"<Result><Status>OK</Status></Result>", ctype="application/xml")
            elif path == "/slow":
                cb.release.wait(7)
                self._reply(200, b'{"Status":"late"}')
            else:
                self._reply(404, b'{"Status":"no such path"}')

        def do_GET(self) -> None:  # noqa: N802
            self._reply(405, b"")

    return Handler



def v2_client(emulator: Emulator, **options: Any) -> ossv2.Client:
    cfg = ossv2.config.load_default()
    cfg.credentials_provider = ossv2.credentials.StaticCredentialsProvider(
        emulator.access_key_id, emulator.access_key_secret)
    cfg.region = REGION
    cfg.endpoint = options.pop("endpoint", emulator.endpoint)
    cfg.retry_max_attempts = 1
    for name, value in options.items():
        setattr(cfg, name, value)
    return ossv2.Client(cfg)


def b64json(obj: Any) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def unique(prefix: str = "k") -> str:
    return f"{prefix}-{time.monotonic_ns()}"
