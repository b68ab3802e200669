"""Send a recorded request again, byte for byte, to any URL."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from .record import CallbackRecord


@dataclass(frozen=True)
class ReplayResult:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    duration_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def replay(record: CallbackRecord, url: str, *, keep_target: bool = True, timeout: float = 10.0) -> ReplayResult:
    """Re-send ``record`` (same method, headers and raw body).

    With ``keep_target`` the recorded path and query are appended to ``url``'s scheme, host and
    path prefix, so an OSS signature still verifies there; otherwise ``url`` is used as it is.
    Records read back from a log have masked secrets, so a signed query with a token won't verify.
    """
    target = record.raw_target or record.target
    full = url.rstrip("/") + target if keep_target else url
    start = time.perf_counter()
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        resp = client.request(record.method, full, headers=record.resend_headers(), content=record.body)
    return ReplayResult(full, resp.status_code, list(resp.headers.multi_items()), resp.content,
                        (time.perf_counter() - start) * 1000)
