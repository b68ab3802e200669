"""One exchange (client -> OSS -> application server -> OSS -> client, with timings) as data, text
and an inline SVG (no JavaScript, so it also renders in nbconvert and static viewers).

An :class:`Exchange` is built from an upload outcome and the receiver's record of its callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _html as h

BUDGET_MS = 5000.0  # OSS's fixed callback timeout (spec §1.1)


@dataclass(frozen=True)
class Exchange:
    """What happened in one upload with a callback. Times are milliseconds; ``None`` = unknown."""

    operation: str = "PutObject"
    key: str = ""
    status: int | None = None  # what OSS answered the client: 200, 203, 4xx
    callback_path: str = "/callback"
    callback_status: int | None = None  # what the application server answered OSS
    callback_ms: float | None = None
    total_ms: float | None = None
    reply: str = ""  # the application server's body (relayed on 200)
    message: str = ""  # OSS's 203/4xx message
    callback_sent: bool = True

    @property
    def callback_failed(self) -> bool:
        return self.status == 203

    def render_text(self) -> str:
        def ms(v: float | None) -> str:
            return "?" if v is None else f"{v:.0f} ms"

        lines = [f"1. client -> OSS: {self.operation} {self.key}"]
        if self.callback_sent:
            lines.append(f"2. OSS -> app server: POST {self.callback_path}")
            lines.append(f"3. app server -> OSS: {self.callback_status if self.callback_status is not None else 'no answer'}"
                         f" after {ms(self.callback_ms)} (budget 5000 ms)")
        verdict = "CallbackFailed" if self.callback_failed else ""
        lines.append(f"4. OSS -> client: {self.status if self.status is not None else '?'} {verdict}".rstrip()
                     + f" after {ms(self.total_ms)}")
        if self.message:
            lines.append(f"   {self.message}")
        return "\n".join(lines)


def exchange_from(outcome: Any, record: Any = None, *, key: str = "", total_ms: float | None = None) -> Exchange:
    """Build an :class:`Exchange` from an ``UploadOutcome`` and (optionally) the receiver's record
    of the callback it caused. Fields are read by name so either side may be partial."""
    callback_ms = None
    callback_status = None
    path = "/callback"
    if record is not None:
        callback_ms = _first(record, "duration_ms", "elapsed_ms")
        if callback_ms is None and _first(record, "duration", "elapsed") is not None:
            callback_ms = float(_first(record, "duration", "elapsed")) * 1000.0
        callback_status = _first(record, "reply_status", "status")
        path = str(_first(record, "path", "target") or path)
    status = getattr(outcome, "status", None)
    # the app server's own reply: from the receiver when it saw the callback, else the body OSS
    # relayed (only a 200 relays it; a 203 body is OSS's error XML)
    body = getattr(record, "reply_body", None) if record is not None else None
    if body is None and status == 200:
        body = getattr(outcome, "body", b"")
    reply = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body or "")
    message = ""
    if status is not None and status != 200:
        message = str(getattr(outcome, "error_message", "") or getattr(outcome, "explanation", "") or "")
    return Exchange(
        operation=str(getattr(outcome, "operation", "PutObject")), key=key, status=status, callback_path=path,
        callback_status=callback_status, callback_ms=callback_ms, total_ms=total_ms, reply=reply[:200],
        message=message,
        callback_sent=record is not None or (status in (200, 203) and bool(getattr(outcome, "callback_requested", True))),
    )


def _first(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _arrow(x1: float, x2: float, y: float, label: str, sub: str, color: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="5,4"' if dashed else ""
    head = 8 if x2 > x1 else -8
    mid = (x1 + x2) / 2
    return (
        f'<line x1="{x1}" y1="{y}" x2="{x2 - head}" y2="{y}" stroke="{color}" stroke-width="2"{dash}/>'
        f'<polygon points="{x2},{y} {x2 - head},{y - 5} {x2 - head},{y + 5}" fill="{color}"/>'
        f'<text x="{mid}" y="{y - 7}" text-anchor="middle" font-size="12" fill="#24292f">{h.esc(label)}</text>'
        f'<text x="{mid}" y="{y + 15}" text-anchor="middle" font-size="11" fill="#6e7781">{h.esc(sub)}</text>'
    )


def render_svg(ex: Exchange) -> str:
    """The sequence diagram as an SVG string."""
    lanes = {"Client": 80.0, "OSS": 330.0, "App server": 580.0}
    height = 300 if ex.callback_sent else 190
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="660" height="{height}" viewBox="0 0 660 {height}" '
             f'font-family="sans-serif" role="img" aria-label="callback timeline">']
    for name, x in lanes.items():
        parts.append(f'<rect x="{x - 55}" y="8" width="110" height="28" rx="6" fill="#f6f8fa" stroke="#d0d7de"/>'
                     f'<text x="{x}" y="27" text-anchor="middle" font-size="13" font-weight="600">{name}</text>'
                     f'<line x1="{x}" y1="36" x2="{x}" y2="{height - 40}" stroke="#d0d7de" stroke-width="2"/>')
    c, o, a = lanes["Client"], lanes["OSS"], lanes["App server"]
    y = 70.0
    parts.append(_arrow(c, o, y, f"{ex.operation} {ex.key}"[:48], "upload + x-oss-callback", h.BLUE))
    if ex.callback_sent:
        y += 55
        parts.append(_arrow(o, a, y, f"POST {ex.callback_path}"[:48], "signed callback (RSA-MD5)", h.BLUE))
        y += 55
        late = ex.callback_ms is not None and ex.callback_ms > BUDGET_MS
        ok = ex.callback_status == 200 and not late
        status = str(ex.callback_status) if ex.callback_status is not None else "no answer"
        took = (f"{ex.callback_ms:.1f} ms of 5000 ms" if ex.callback_ms < 10 else f"{ex.callback_ms:.0f} ms of 5000 ms") \
            if ex.callback_ms is not None else "time unknown"
        parts.append(_arrow(a, o, y, f"{status} {ex.reply[:28]}".strip(), took, h.GREEN if ok else h.RED, dashed=True))
    y += 55
    failed = ex.status != 200
    final = f"{ex.status if ex.status is not None else '?'}" + (" CallbackFailed" if ex.callback_failed else "")
    total = f"total {ex.total_ms:.0f} ms" if ex.total_ms is not None else ""
    parts.append(_arrow(o, c, y, final, total, h.RED if failed else h.GREEN, dashed=True))
    if ex.callback_sent and ex.callback_ms is not None:
        # the 5 s budget bar: OSS gives up (203) when the app server takes longer
        frac = min(ex.callback_ms / BUDGET_MS, 1.0)
        color = h.RED if ex.callback_ms > BUDGET_MS else (h.AMBER if frac > 0.6 else h.GREEN)
        by = height - 26
        parts.append(f'<text x="20" y="{by + 11}" font-size="11" fill="#57606a">callback budget</text>'
                     f'<rect x="120" y="{by}" width="500" height="14" rx="3" fill="#eaeef2"/>'
                     f'<rect x="120" y="{by}" width="{max(500 * frac, 2):.1f}" height="14" rx="3" fill="{color}"/>'
                     f'<text x="626" y="{by + 11}" font-size="11" fill="#57606a">5 s</text>')
    parts.append("</svg>")
    return "".join(parts)


def exchange_html(exchange: Exchange | None) -> str:
    """The timeline's view: the SVG and OSS's message, or a note that nothing was uploaded yet."""
    if exchange is None:
        return h.wrap("<span class='osscb-muted'>No upload yet.</span>")
    note = ""
    if exchange.message:
        note = h.box(h.esc(exchange.message), "fail" if exchange.status != 200 else "info")
    return h.wrap(render_svg(exchange) + note)
