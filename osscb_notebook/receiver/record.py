"""One received request and what the receiver answered: the unit of history, logs and replay."""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..serverext.hop import RELAY_HEADER
from ..verification import CapturedRequest, Step, Trace
from ..verification.rawrequest import RequestView

# Hop-by-hop or recomputed headers: a replay or curl must not copy them.
SKIP_ON_RESEND = {"host", "content-length", "connection", "transfer-encoding", "expect", "keep-alive"}
#: Headers a hop added for itself, never part of the request: the osscb relay's loop-detection
#: header (a replay through the relay that carried it would be refused as a loop, 508).
NOT_RECORDED = frozenset({RELAY_HEADER.lower()})
REPLY_PREVIEW = 64 * 1024


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@dataclass
class CallbackRecord(RequestView):
    """A request as received (secrets already masked) with its verification trace and reply.

    ``trace`` is ``None`` for requests that are not verified (non-POST, over the size cap).
    ``reply_body`` keeps at most 64 KB; ``reply_size`` is the full size sent.
    """

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    received_at: float
    client: str = ""
    trace: Trace | None = None
    reply_status: int = 0
    reply_headers: list[tuple[str, str]] = field(default_factory=list)
    reply_body: bytes = b""
    reply_size: int = 0
    duration_ms: float = 0.0
    error: str = ""
    note: str = ""
    id: int = 0
    # The target before masking, kept in memory only (never serialised) so replays still verify.
    raw_target: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() not in NOT_RECORDED]

    @property
    def verified(self) -> bool:
        return self.trace is not None and self.trace.ok

    @property
    def url(self) -> str:
        """Where it was sent, as seen by the receiver (``Host`` header + target)."""
        return f"http://{self.header('host') or 'localhost'}{self.target}"

    @property
    def time(self) -> str:
        return datetime.fromtimestamp(self.received_at, timezone.utc).isoformat(timespec="milliseconds")

    def to_request(self, *, reveal: bool = True) -> CapturedRequest:
        """The request for :func:`verify_request` (with the unmasked target when it is known)."""
        target = self.raw_target if reveal and self.raw_target else self.target
        return CapturedRequest(self.method, target, list(self.headers), self.body)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; bodies as Base64 and as (lossy) text. Secrets are already masked."""
        return {
            "id": self.id, "time": self.time, "received_at": self.received_at, "client": self.client,
            "method": self.method, "target": self.target, "path": self.path, "query": self.query,
            "headers": [list(h) for h in self.headers],
            "body_b64": base64.b64encode(self.body).decode("ascii"), "body_text": _text(self.body),
            "body_size": len(self.body), "verified": self.verified,
            "trace": self.trace.to_dict() if self.trace is not None else None,
            "reply": {
                "status": self.reply_status, "headers": [list(h) for h in self.reply_headers],
                "body_b64": base64.b64encode(self.reply_body).decode("ascii"), "body_text": _text(self.reply_body),
                "size": self.reply_size,
            },
            "duration_ms": round(self.duration_ms, 3), "error": self.error, "note": self.note,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CallbackRecord:
        """Rebuild a record from :meth:`to_dict` output (a JSON Lines log line)."""
        trace = None
        if doc.get("trace") is not None:
            trace = Trace([
                Step(s["name"], s["title"], dict(s.get("inputs", {})), s.get("output", ""), s.get("ok"), s.get("cause", ""))
                for s in doc["trace"]["steps"]
            ])
        reply = doc.get("reply", {})
        return cls(
            method=doc["method"], target=doc["target"], headers=[(k, v) for k, v in doc["headers"]],
            body=base64.b64decode(doc["body_b64"]), received_at=float(doc["received_at"]), client=doc.get("client", ""),
            trace=trace, reply_status=int(reply.get("status", 0)),
            reply_headers=[(k, v) for k, v in reply.get("headers", [])],
            reply_body=base64.b64decode(reply.get("body_b64", "")), reply_size=int(reply.get("size", 0)),
            duration_ms=float(doc.get("duration_ms", 0.0)), error=doc.get("error", ""), note=doc.get("note", ""),
            id=int(doc.get("id", 0)),
        )

    def resend_headers(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.headers if k.lower() not in SKIP_ON_RESEND]

    def as_curl(self, url: str | None = None, *, reveal: bool = False) -> str:
        """A shell command that sends this request again (the body exactly, as bytes).

        ``url`` replaces the scheme and host (the recorded target is kept, so the signature still
        matches); masked secrets stay masked unless ``reveal=True`` and the record is in memory.
        """
        target = self.raw_target if reveal and self.raw_target else self.target
        base = url.rstrip("/") if url else f"http://{self.header('host') or 'localhost'}"
        parts = ["curl", "-sS", "-X", self.method, base + target]
        for k, v in self.resend_headers():
            parts += ["-H", f"{k}: {v}"]
        parts += ["-H", "Expect:", "--data-binary", "@-"]
        curl = " ".join(shlex.quote(p) for p in parts)
        try:
            text = self.body.decode("utf-8")
            printable = text.isprintable() or all(c.isprintable() or c in "\n\t" for c in text)
        except UnicodeDecodeError:
            printable = False
        if printable:
            return f"printf '%s' {shlex.quote(text)} | {curl}"
        return f"printf '%s' {base64.b64encode(self.body).decode()} | base64 -d | {curl}"

    def __repr__(self) -> str:
        verdict = "verified" if self.verified else ("not verified" if self.trace is not None else "-")
        return (f"<CallbackRecord #{self.id} {self.method} {self.target} -> {self.reply_status} "
                f"{verdict} {self.duration_ms:.1f} ms>")
