"""What the receiver answers: OSS's defaults, or a reply broken on purpose for teaching."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any

from .._wire import REPLY_CAP
from ..errors import ReplySettingsError
from ..verification import Trace

#: OSS accepts at most 1 MB of callback response body (spec §1.7); ``oversize`` goes one byte past it.
OSS_MAX_REPLY_BODY = REPLY_CAP
BOM = b"\xef\xbb\xbf"
OK_BODY = b'{"Status":"OK"}'
#: The longest reply delay: OSS stops waiting after 5 s, so anything longer only parks a handler.
MAX_DELAY = 60.0
OSS_CALLBACK_TIMEOUT = 5.0


@dataclass(frozen=True)
class ReplySettings:
    """How to answer a callback.

    ``status=None`` answers as the official sample does: 200 when the signature verified, 400 when
    not (501 for non-POST methods whatever the settings). A set ``status`` is used regardless of
    verification. ``body=None`` gives ``{"Status":"OK"}`` or a JSON explanation of the failure.
    ``bom`` prepends a UTF-8 BOM, ``content_length=False`` answers chunked (no Content-Length),
    ``oversize`` pads the body past OSS's 1 MB limit, ``delay`` waits (seconds) before answering.
    """

    status: int | None = None
    body: bytes | str | dict[str, Any] | None = None
    content_type: str = "application/json"
    delay: float = 0.0
    bom: bool = False
    content_length: bool = True
    oversize: bool = False

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise ReplySettingsError(f"status must be an HTTP status code (100-599), got {self.status}",
                                     hint="use e.g. 200, 400 or 503")
        delay = self.delay
        # a delay of inf/nan/1e12 parks every handler forever: callbacks go unanswered and unrecorded
        if (isinstance(delay, bool) or not isinstance(delay, (int, float)) or not math.isfinite(delay)
                or not 0 <= delay <= MAX_DELAY):
            raise ReplySettingsError(
                f"delay must be a number of seconds from 0 to {MAX_DELAY:g}, got {delay!r}",
                hint=f"OSS gives up after {OSS_CALLBACK_TIMEOUT:g} s; a delay just past it (e.g. 6) shows the timeout")

    def with_(self, **changes: Any) -> ReplySettings:
        return replace(self, **changes)


@dataclass(frozen=True)
class Reply:
    """A reply ready to write: status, headers (Content-Length added at write time unless chunked), body."""

    status: int
    content_type: str
    body: bytes
    chunked: bool = False


def _encode(body: bytes | str | dict[str, Any]) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _failure_body(trace: Trace | None) -> bytes:
    failed = trace.failed_step if trace is not None else None
    doc = {"Status": "verify not ok", "failed_step": failed.name if failed else None,
           "reason": trace.summary if trace is not None else "not verified"}
    return _encode(doc)


def _pad(body: bytes) -> bytes:
    """Grow the body to exactly 1 MB + 1 byte; a JSON object stays valid JSON so only the size is wrong."""
    target = OSS_MAX_REPLY_BODY + 1
    stripped = body.rstrip()
    if stripped.endswith(b"}") and stripped[:-1].strip() != b"{":
        head = stripped[:-1] + b',"padding":"'
        filler = target - len(head) - 2
        if filler >= 0:
            return head + b"x" * filler + b'"}'
    return body + b" " * max(target - len(body), 0)


def build_reply(settings: ReplySettings, method: str, trace: Trace | None) -> Reply:
    """The reply for one request (pure: the caller sleeps ``settings.delay`` and writes)."""
    if method != "POST":
        return Reply(501, "application/json", b'{"Status":"Unsupported method"}')
    verified = trace is not None and trace.ok
    status = settings.status if settings.status is not None else (200 if verified else 400)
    if settings.body is not None:
        body = _encode(settings.body)
    elif settings.status is None:
        body = OK_BODY if verified else _failure_body(trace)
    elif 200 <= status < 300:
        body = OK_BODY
    elif not verified:
        body = _failure_body(trace)
    else:
        # a status forced for teaching: say so, rather than blame a signature that verified
        body = _encode({"Status": "forced error", "verified": True, "status": status})
    if settings.oversize:
        body = _pad(body)
    if settings.bom:
        body = BOM + body
    return Reply(status, settings.content_type, body, chunked=not settings.content_length)
