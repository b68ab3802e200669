"""``{base_url}osscb/callback/<capability>/...``: relay OSS's callback to the registered receiver.

No Jupyter login and no XSRF check: OSS cannot log in. The capability grants exactly one receiver
on loopback (its registered address, ``127.0.0.1`` or ``::1``); anything else gets a bare 404
before the body is read. Only ``POST`` (what OSS sends) is relayed, plus the tunnels' ``GET`` of
the ping path; other methods get 405. The request goes on with its method, full path (this prefix
included: the signature covers the path OSS requested), query, headers and body, as a proxy
forwards it (RFC 9110 section 7.6.1): hop-by-hop headers and every header the ``Connection`` header
names are dropped, and so are the browser's ``Cookie`` (the Jupyter session, ``_xsrf``), the
caller's ``X-Forwarded-*``/``Forwarded``/``X-Real-IP`` and its ``Host``; the relay sends ``Host``
(the receiver's address), ``X-Forwarded-For`` (the caller's address as the server sees it) and an
``X-Osscb-Relay`` hop header carrying this server's relay id, so a request that comes back to the
same relay (a loop) is refused with 508. That header is the relay's alone: the receiver never
records it (:class:`~osscb_notebook.receiver.record.CallbackRecord`), so a replay is not a loop.

Each relay is one asyncio connection with one total deadline (4.5 s, inside OSS's 5 s): no thread
pool, so a slow receiver delays only its own callers. The body is capped while it is read (a
declared length over the receiver's cap is a 413 before any of it is read) and must arrive within
:data:`BODY_DEADLINE`. After connecting, and before sending a byte, the relay checks that the
socket it reached is still the registered receiver's (:mod:`.registry`); when the listening sockets
cannot be listed at all, that request gets 503 and the registration stays.

The reply comes back with the receiver's status (204 and 304 without a body; a status outside
100-599 is a 502) and body (chunked stays chunked), and only the headers OSS or the learner can use
(:data:`REPLY_HEADERS`, and custom ``X-*`` headers): nothing that acts on the Jupyter origin
(``Set-Cookie``, CORS, ``Location``, ``Refresh``, ``Clear-Site-Data``, ``WWW-Authenticate``,
``Link``, ``Service-Worker-Allowed``...) passes, and ``Content-Security-Policy: sandbox`` and
``X-Content-Type-Options: nosniff`` are added (OSS ignores all of them). The capability is masked in
the server's logs by :class:`~osscb_notebook.redact.LogMasker`, which also covers near-miss routes
and 405s that never reach this handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tornado import httputil, web
from tornado.ioloop import IOLoop

from .._wire import PING_SUFFIX, FramingError, framing_of
from ..redact import MASK
from . import registry
from .hop import RELAY_HEADER

UPSTREAM_TIMEOUT = 4.5  # the whole relay, connect to last byte: inside OSS's 5 s for the callback
BODY_DEADLINE = 3.0  # seconds a caller has to send the whole request body (as the receiver's own)
MAX_REPLY = 8 * 1024 * 1024  # OSS refuses replies over 1 MB; relay an oversized one so OSS can refuse it
_HEAD_LIMIT = 64 * 1024
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-connection", "proxy-authenticate", "proxy-authorization"}
#: Request headers the relay never passes on: hop-by-hop, the browser's cookies, what it sets itself
#: (framing, ``Host``) and what only a proxy may say (``X-Forwarded-*`` is set by the relay).
_NOT_FORWARDED = _HOP_BY_HOP | {"cookie", "content-length", "host", "forwarded", "x-real-ip"}
#: Reply headers relayed besides custom ``X-*`` ones: what OSS or the learner can use. The rest is
#: dropped (``Content-Length`` is recomputed from the body relayed).
REPLY_HEADERS = frozenset({"content-type", "content-encoding", "date", "server"})
#: ``X-*`` reply headers that are not custom: they act on the browser, or are a proxy's or the relay's.
_X_NOT_RETURNED = frozenset({"x-frame-options", "x-content-type-options", "x-xss-protection", "x-real-ip",
                             "x-permitted-cross-domain-policies", "x-dns-prefetch-control", "x-download-options",
                             "x-ua-compatible", RELAY_HEADER.lower()})
_SAFETY = (("Content-Security-Policy", "sandbox"), ("X-Content-Type-Options", "nosniff"))
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?\r\n")


class UpstreamError(Exception):
    """The receiver's reply could not be relayed (502)."""


@dataclass
class Upstream:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    chunked: bool


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, str, list[tuple[str, str]]]:
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.LimitOverrunError, asyncio.IncompleteReadError):
            raise UpstreamError("no complete status line and headers") from None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise UpstreamError("not an HTTP/1.x reply")
        headers = []
        for line in lines[1:]:
            if line:
                name, sep, value = line.partition(":")
                if not sep or not name or name != name.strip() or "\n" in line or "\r" in line:
                    raise UpstreamError("a malformed header line")
                headers.append((name, value.strip(" \t")))
        status = int(parts[1])
        if 100 <= status < 200:
            continue  # an interim reply (100 Continue): the real one follows
        return status, parts[2] if len(parts) > 2 else "", headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        match = _CHUNK_LINE.fullmatch(line)
        if match is None:
            raise UpstreamError("a malformed chunked reply")
        size = int(match.group(1), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return bytes(body)
        if len(body) + size > MAX_REPLY:
            raise UpstreamError("reply too large")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise UpstreamError("a malformed chunked reply")


async def _read_reply(reader: asyncio.StreamReader) -> Upstream:
    status, reason, headers = await _read_head(reader)
    has_body = status not in (204, 304)
    names = {k.lower() for k, _ in headers}
    chunked = False
    if not has_body:
        body = b""
    elif "transfer-encoding" in names or "content-length" in names:
        try:
            framing = framing_of(headers)  # disagreeing Content-Lengths, CL with TE: refused
        except FramingError as exc:
            raise UpstreamError(exc.message) from None
        chunked = framing.chunked
        if chunked:
            body = await _read_chunked(reader)
        else:
            assert framing.length is not None
            if framing.length > MAX_REPLY:
                raise UpstreamError("reply too large")
            body = await reader.readexactly(framing.length)
    else:
        body = await reader.read(MAX_REPLY + 1)
        while len(body) <= MAX_REPLY and (more := await reader.read(MAX_REPLY + 1 - len(body))):
            body += more
        if len(body) > MAX_REPLY:
            raise UpstreamError("reply too large")
    return Upstream(status, reason, headers, body, chunked)


def request_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The caller's headers a relay passes on (RFC 9110 section 7.6.1): without hop-by-hop headers,
    the headers the ``Connection`` header lists, cookies, ``Host`` and a caller's forwarding headers."""
    listed = {name.strip().lower() for k, v in headers if k.lower() == "connection" for name in v.split(",")}
    return [(k, v) for k, v in headers
            if k.lower() not in _NOT_FORWARDED and k.lower() not in listed and not k.lower().startswith("x-forwarded-")]


def reply_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The receiver's reply headers a relay passes back: :data:`REPLY_HEADERS` and custom ``X-*``
    headers that are neither a proxy's (``X-Forwarded-*``) nor a browser directive."""
    listed = {name.strip().lower() for k, v in headers if k.lower() == "connection" for name in v.split(",")}
    kept = []
    for name, value in headers:
        lower = name.lower()
        custom = lower.startswith("x-") and not lower.startswith("x-forwarded-") and lower not in _X_NOT_RETURNED
        if (lower in REPLY_HEADERS or custom) and lower not in listed:
            kept.append((name, value))
    return kept


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def forward(reg: registry.Registration, method: str, target: str, headers: list[tuple[str, str]],
                  body: bytes) -> Upstream:
    """Send the request to the registered receiver and read its whole reply (no deadline here)."""
    reader, writer = await asyncio.open_connection(reg.host, reg.port, limit=_HEAD_LIMIT)
    try:
        # After connect, before a byte is sent: is the socket we reached still the receiver's?
        if not reg.listener_ok():
            raise ConnectionRefusedError("the registered receiver no longer listens there")
        lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers), "Connection: close"]
        # latin-1 gives back the request line's raw bytes as tornado read them (a raw UTF-8 target too)
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        return await _read_reply(reader)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


@web.stream_request_body
class CallbackHandler(web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "POST")  # type: ignore[assignment]

    def initialize(self, registry_dir: Path, relay_id: str = "1") -> None:
        self._registry_dir = registry_dir
        self._relay_id = relay_id
        self._registration: registry.Registration | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self._target = ""
        self._body_timer: object | None = None

    def check_xsrf_cookie(self) -> None:
        return None  # OSS cannot send an XSRF token; the capability and the signature protect

    def prepare(self) -> None:
        self._target = self.request.uri or ""
        capability = self.path_args[0] if self.path_args else ""
        # Everything that logs reads request.uri/path: mask the capability before anything can.
        for attr in ("uri", "path"):
            value = getattr(self.request, attr) or ""
            setattr(self.request, attr, value.replace(f"/{capability}", f"/{MASK}", 1) if capability else value)
        try:
            reg = registry.lookup(self._registry_dir, capability)
        except registry.RegistryUnavailable:
            # The listening sockets could not be listed (EMFILE...): refuse this request, keep the registration.
            self.set_header("Retry-After", "1")
            self._bare(503, b"the receiver's socket could not be checked just now; try again\n")
            return
        if reg is None:
            self._bare(404, b"Not Found\n")
            return
        seen = {one.strip() for v in self.request.headers.get_list(RELAY_HEADER) for one in v.split(",")}
        if self._relay_id in seen:
            self._bare(508, b"this request already went through this osscb relay: a forwarding loop\n")
            return
        path = self._target.partition("?")[0]
        if self.request.method != "POST" and not (self.request.method == "GET" and path.endswith(PING_SUFFIX)):
            self.set_header("Allow", "POST")
            self._bare(405, b"only POST is relayed to the receiver\n")
            return
        try:
            declared = framing_of(self.request.headers.get_all())
        except FramingError as exc:
            self._bare(400, exc.message.encode() + b"\n")
            return
        if declared.length is not None and declared.length > reg.max_body:
            self._too_large(declared.length, reg.max_body)  # before reading any of it
            return
        self._registration = reg
        connection = self.request.connection
        if connection is not None:
            # tornado's own limits as a backstop; ours below answer first, with a status
            connection.set_max_body_size(reg.max_body + 64 * 1024)  # type: ignore[attr-defined]
            connection.set_body_timeout(BODY_DEADLINE + 1)  # type: ignore[attr-defined]
        self._body_timer = IOLoop.current().call_later(BODY_DEADLINE, self._stalled)

    def _stalled(self) -> None:
        if not self._finished:
            self._bare(408, b"the request body did not arrive in time\n")

    def on_finish(self) -> None:
        if self._body_timer is not None:
            IOLoop.current().remove_timeout(self._body_timer)  # type: ignore[arg-type]
            self._body_timer = None

    def _too_large(self, size: int, cap: int) -> None:
        self._bare(413, f"body of {size} bytes is over the receiver's {cap}-byte cap\n".encode())

    def data_received(self, chunk: bytes) -> None:
        reg = self._registration
        if reg is None or self._finished:
            return
        self._size += len(chunk)
        if self._size > reg.max_body:
            self._chunks.clear()
            self._too_large(self._size, reg.max_body)
            return
        self._chunks.append(chunk)

    def _bare(self, status: int, body: bytes) -> None:
        if self._finished:
            return
        kept = [(name, self._headers.get(name)) for name in ("Allow", "Retry-After")]
        self.clear()
        for name, value in kept:
            if value:
                self.set_header(name, value)
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        for name, value in _SAFETY:
            self.set_header(name, value)
        self.finish(body)

    async def _relay(self, *args: Any) -> None:
        reg = self._registration
        if self._body_timer is not None:
            IOLoop.current().remove_timeout(self._body_timer)  # type: ignore[arg-type]
            self._body_timer = None
        if reg is None or self._finished:
            return
        body = b"".join(self._chunks)
        headers = [("Host", f"{_url_host(reg.host)}:{reg.port}"), *request_headers(list(self.request.headers.get_all()))]
        if body or self.request.method == "POST":
            headers.append(("Content-Length", str(len(body))))
        headers.append(("X-Forwarded-For", self.request.remote_ip or ""))
        headers.append((RELAY_HEADER, self._relay_id))
        try:
            up = await asyncio.wait_for(forward(reg, self.request.method or "POST", self._target, headers, body),
                                        UPSTREAM_TIMEOUT)
        except TimeoutError:
            self._bare(504, b"the receiver did not answer in time\n")
            return
        except (OSError, UpstreamError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self._bare(502, b"the receiver behind this address is not answering\n")
            return
        if not 100 <= up.status <= 599:
            self._bare(502, b"the receiver answered with an invalid status code\n")
            return
        self.clear()
        self._headers = httputil.HTTPHeaders()  # no tornado defaults: relay the receiver's own headers
        self.set_status(up.status, up.reason or None)
        for name, value in reply_headers(up.headers):
            with contextlib.suppress(httputil.HTTPInputError, ValueError):
                self._headers.add(name, value)
        for name, value in _SAFETY:
            self._headers.add(name, value)
        if up.chunked:
            # The receiver answered chunked (no Content-Length), which OSS rejects: keep it so.
            self.write(up.body)
            await self.flush()
            self.finish()
            return
        # 204 and 304 have no body: tornado refuses even an empty write for them (N6: a 500)
        self.finish(up.body or None)

    get = post = _relay  # type: ignore[assignment]
