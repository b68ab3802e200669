"""The upload log: every upload and callback attempt, bounded, thread-safe, with listeners."""

from __future__ import annotations

import base64
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, unquote_plus

from ..listeners import Listeners
from ..redact import (
    callback_secrets,
    redact,
    redact_base64,
    redact_bytes,
    redact_query_base64,
    secrets_in_url,
)

logger = logging.getLogger(__name__)

#: Bodies kept in records are cut to this size (a record is for reading, not for storage).
MAX_KEPT_BODY = 64 * 1024


def _body(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    kept = data[:MAX_KEPT_BODY]
    out: dict[str, Any] = {"size": len(data), "truncated": len(data) > len(kept)}
    try:
        out["text"] = kept.decode("utf-8")
    except UnicodeDecodeError:
        out["base64"] = base64.b64encode(kept).decode("ascii")
    return out


@dataclass
class CallbackAttempt:
    """One POST to one callback URL. ``outcome`` is ``ok`` or the failure kind; ``message`` and
    ``ec`` are what OSS would put in the 203 ``CallbackFailed`` body."""

    url: str
    request_target: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    started: float
    elapsed_ms: float = 0.0
    outcome: str = "pending"
    status: int | None = None
    reply_headers: list[tuple[str, str]] = field(default_factory=list)
    reply_body: bytes | None = None
    message: str | None = None
    ec: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url, "request_target": self.request_target,
            "request_headers": [list(h) for h in self.request_headers], "request_body": _body(self.request_body),
            "started": self.started, "elapsed_ms": round(self.elapsed_ms, 1), "outcome": self.outcome,
            "status": self.status, "reply_headers": [list(h) for h in self.reply_headers],
            "reply_body": _body(self.reply_body), "message": self.message, "ec": self.ec,
        }


@dataclass
class Record:
    """One upload request (PutObject, PostObject, CompleteMultipartUpload) and what followed.

    ``outcome``: ``stored`` (no callback), ``callback_ok`` (200), ``callback_failed`` (203, object
    stored) or ``rejected`` (4xx/5xx, nothing stored).
    """

    id: int
    time: float
    request_id: str
    operation: str
    method: str
    target: str
    client_ip: str
    request_headers: list[tuple[str, str]]
    bucket: str | None = None
    key: str | None = None
    auth: str = ""
    status: int = 0
    outcome: str = "pending"
    error_code: str | None = None
    error_message: str | None = None
    object: dict[str, Any] | None = None
    callback: dict[str, Any] | None = None
    callback_var: dict[str, str] | None = None
    callback_transport: str | None = None
    rendered_body: bytes | None = None
    unknown_variables: tuple[str, ...] = ()
    attempts: list[CallbackAttempt] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes | None = None
    duration_ms: float = 0.0

    def mask_secrets(self) -> None:
        """Mask credentials in callback URLs (a Jupyter proxy ``?token=``) wherever the record shows
        them, including inside the raw Base64 ``x-oss-callback`` header and ``callback=`` query
        (re-encoded masked copies), whether or not the callback was valid."""
        urls = [str(self.callback.get("callbackUrl", ""))] if self.callback else []
        urls += [a.url for a in self.attempts]
        secrets: set[str] = set()
        for url in urls:
            secrets |= secrets_in_url(url)
        path, sep, query = self.target.partition("?")
        raw = [v for k, v in self.request_headers if k.lower() == "x-oss-callback"]
        raw += [unquote_plus(v) for k, _, v in (i.partition("=") for i in query.split("&")) if unquote(k) == "callback"]
        for value in raw:
            secrets |= callback_secrets(value)
        if not secrets:
            return
        if self.callback and isinstance(self.callback.get("callbackUrl"), str):
            self.callback = {**self.callback, "callbackUrl": redact(self.callback["callbackUrl"], secrets)}
        for a in self.attempts:
            a.url, a.request_target = redact(a.url, secrets), redact(a.request_target, secrets)
        self.request_headers = [(k, redact_base64(v, secrets) if k.lower() == "x-oss-callback" else redact(v, secrets))
                                for k, v in self.request_headers]
        self.target = path + sep + redact_query_base64(query, "callback", secrets) if sep else redact(path, secrets)
        # OSS echoes a refused callback in the error (ArgumentValue): the record keeps no copy
        if self.response_body is not None:
            self.response_body = redact_bytes(self.response_body, secrets)
        if self.error_message is not None:
            self.error_message = redact(self.error_message, secrets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "time": self.time, "request_id": self.request_id, "operation": self.operation,
            "method": self.method, "target": self.target, "client_ip": self.client_ip,
            "request_headers": [list(h) for h in self.request_headers], "bucket": self.bucket, "key": self.key,
            "auth": self.auth, "status": self.status, "outcome": self.outcome, "error_code": self.error_code,
            "error_message": self.error_message, "object": self.object, "callback": self.callback,
            "callback_var": self.callback_var, "callback_transport": self.callback_transport,
            "rendered_body": _body(self.rendered_body), "unknown_variables": list(self.unknown_variables),
            "attempts": [a.to_dict() for a in self.attempts],
            "response_headers": [list(h) for h in self.response_headers],
            "response_body": _body(self.response_body), "duration_ms": round(self.duration_ms, 1),
        }


Listener = Callable[[Record], None]


class RecordLog:
    """Keeps the newest ``maxlen`` records. Listeners run on the server thread that finished the
    record; their exceptions are logged at debug level and never reach the client."""

    def __init__(self, maxlen: int = 500) -> None:
        self._records: deque[Record] = deque(maxlen=maxlen)
        self._listeners: Listeners[Record] = Listeners(
            lambda fn, exc: logger.debug("record listener %r failed", fn, exc_info=exc))
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def add(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)
        self._listeners.notify(record)

    def subscribe(self, fn: Listener) -> Callable[[], None]:
        """Call ``fn(record)`` for each new record; returns a function that unsubscribes."""
        return self._listeners.subscribe(fn)

    def snapshot(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def last(self) -> Record | None:
        with self._lock:
            return self._records[-1] if self._records else None

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
