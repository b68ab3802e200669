"""``{base_url}osscb/callback/<capability>/...``: relay OSS's callback to the registered receiver.

No Jupyter login and no XSRF check: OSS cannot log in. The capability grants exactly one receiver
on loopback; anything else gets a bare 404 before the body is read. The request goes on unchanged
(method, full path with this prefix, query, headers, body): the signature covers the path OSS
requested. The reply comes back unchanged. The capability is masked in the server's logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
from pathlib import Path
from typing import Any

from tornado import httputil, web

from ..redact import MASK
from . import registry

UPSTREAM_TIMEOUT = 4.5  # inside OSS's 5 s for the whole callback
MAX_REPLY = 8 * 1024 * 1024  # OSS refuses replies over 1 MB; relay an oversized one so OSS can refuse it
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-connection", "proxy-authenticate", "proxy-authorization"}


def _forward(port: int, method: str, target: str, headers: list[tuple[str, str]],
             body: bytes | None) -> tuple[int, str, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=UPSTREAM_TIMEOUT)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(body)
        resp = conn.getresponse()
        data = b"" if method == "HEAD" else resp.read(MAX_REPLY + 1)
        if len(data) > MAX_REPLY:
            raise ConnectionError("reply too large")
        return resp.status, resp.reason, resp.getheaders(), data
    finally:
        conn.close()


@web.stream_request_body
class CallbackHandler(web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")  # type: ignore[assignment]

    def initialize(self, registry_dir: Path) -> None:
        self._registry_dir = registry_dir
        self._registration: registry.Registration | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self._target = ""

    def check_xsrf_cookie(self) -> None:
        return None  # OSS cannot send an XSRF token; the capability and the signature protect

    def prepare(self) -> None:
        self._target = self.request.uri or ""
        capability = self.path_args[0] if self.path_args else ""
        # Everything that logs reads request.uri/path: mask the capability before anything can.
        for attr in ("uri", "path"):
            value = getattr(self.request, attr) or ""
            setattr(self.request, attr, value.replace(f"/{capability}", f"/{MASK}", 1) if capability else value)
        self._registration = registry.lookup(self._registry_dir, capability)
        if self._registration is None:
            self._bare(404, b"Not Found\n")

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._registration is not None and self._size <= self._registration.max_body:
            self._chunks.append(chunk)

    def _bare(self, status: int, body: bytes) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(body)

    async def _relay(self, *args: Any) -> None:
        reg = self._registration
        if reg is None or self._finished:
            return
        if self._size > reg.max_body:
            self._bare(413, f"body of {self._size} bytes is over the receiver's {reg.max_body}-byte cap\n".encode())
            return
        headers = [(k, v) for k, v in self.request.headers.get_all() if k.lower() not in _HOP_BY_HOP]
        body = b"".join(self._chunks)
        if "Transfer-Encoding" in self.request.headers or (body and "Content-Length" not in self.request.headers):
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        loop = asyncio.get_running_loop()
        try:
            status, reason, reply_headers, data = await loop.run_in_executor(
                None, _forward, reg.port, self.request.method or "GET", self._target, headers,
                body if body or "Content-Length" in self.request.headers else None)
        except TimeoutError:
            self._bare(504, b"the receiver did not answer in time\n")
            return
        except OSError:
            self._bare(502, b"the receiver behind this address is not answering\n")
            return
        self.clear()
        self._headers = httputil.HTTPHeaders()  # no tornado defaults: relay the receiver's own headers
        self.set_status(status, reason)
        for name, value in reply_headers:
            if name.lower() not in _HOP_BY_HOP:
                # Surrounding whitespace is not part of a field value (RFC 9110), and tornado refuses it.
                with contextlib.suppress(httputil.HTTPInputError):
                    self._headers.add(name, value.strip())
        if "Content-Length" not in self._headers and self.request.method != "HEAD":
            # The receiver answered without Content-Length (chunked), which OSS rejects: keep it so.
            self.write(data)
            await self.flush()
            self.finish()
            return
        self.finish(data)

    get = head = post = put = delete = patch = options = _relay  # type: ignore[assignment]
