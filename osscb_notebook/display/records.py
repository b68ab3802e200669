"""How received callbacks look: a one-line summary, the live table and the detail view.

Shared by the receiver panel, the stepper and ``%osscb_history``. Records come from the receiver
(``CallbackRecord``); secrets are already masked there.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from . import _html as h

BUDGET_MS = 5000.0  # OSS's fixed callback timeout


def verdict(record: Any) -> str:
    if record.trace is None:
        return "NOT CHECKED"
    return "VERIFIED" if record.verified else "UNVERIFIED"


def _clock(record: Any) -> str:
    return datetime.fromtimestamp(record.received_at).strftime("%H:%M:%S")


def ms(value: float) -> str:
    """Milliseconds for people: one decimal below 10 ms, so a fast reply is not "0 ms"."""
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def record_line(i: int, record: Any) -> str:
    """``#0 12:00:01 POST /callback VERIFIED reply 200 3 ms``."""
    return (f"#{i} {_clock(record)} {record.method} {record.path} {verdict(record)} "
            f"reply {record.reply_status} {ms(record.duration_ms)}")


def budget_bar(ms: float, width: int = 90) -> str:
    frac = min(ms / BUDGET_MS, 1.0)
    color = h.RED if ms > BUDGET_MS else (h.AMBER if frac > 0.6 else h.GREEN)
    return (f'<span title="{ms:.0f} ms of OSS\'s 5000 ms" style="display:inline-block;width:{width}px;height:8px;'
            f'background:#eaeef2;border-radius:3px;vertical-align:middle">'
            f'<span style="display:block;width:{max(frac * width, 2):.0f}px;height:8px;background:{color};border-radius:3px"></span></span>')


def history_table(records: list[Any], start: int = 0, selected: int | None = None) -> str:
    """Table of callbacks: time, path, verdict, reply status, duration against the 5 s budget."""
    if not records:
        return "<div class='osscb-muted' style='padding:6px 0'>No callbacks yet. Upload something with a callback to this receiver.</div>"
    head = "<tr><th>#</th><th>time</th><th>request</th><th>verdict</th><th>reply</th><th>duration (5 s budget)</th></tr>"
    rows = []
    colors = {"VERIFIED": h.GREEN, "UNVERIFIED": h.RED, "NOT CHECKED": h.GREY}
    for i, r in enumerate(records, start):
        v = verdict(r)
        style = ' style="background:#ddf4ff"' if i == selected else ""
        reply_color = h.GREEN if r.reply_status == 200 else h.RED
        rows.append(
            f'<tr class="osscb-row"{style}><td>{i}</td><td>{_clock(r)}</td><td><code>{h.esc(r.method)} {h.esc(r.path)}</code></td>'
            f"<td>{h.badge(v, colors[v])}</td><td>{h.badge(str(r.reply_status), reply_color)}</td>"
            f"<td>{budget_bar(r.duration_ms)} {ms(r.duration_ms)}</td></tr>"
        )
    return f'<table class="osscb-table osscb-history">{head}{"".join(rows)}</table>'


def pretty_body(body: bytes, content_type: str | None) -> str:
    """The body decoded for people: a JSON tree, or form fields as a table."""
    text = body.decode("utf-8", "replace")
    if content_type and "json" in content_type.lower():
        try:
            return h.code(json.dumps(json.loads(text), indent=2, ensure_ascii=False))
        except ValueError:
            return h.box("Not valid JSON.", "warn") + h.code(text)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return h.code(text)
    return h.kv_table(pairs)


def detail_views(record: Any) -> dict[str, str]:
    """HTML for each detail tab: headers, raw body, pretty body, reply, curl."""
    raw = record.body
    first = raw[:3]
    bom = h.box("The body starts with a UTF-8 BOM (EF BB BF).", "warn") if first == b"\xef\xbb\xbf" else ""
    reply = record.reply_body or b""
    reply_note = ""
    if reply[:3] == b"\xef\xbb\xbf":
        reply_note = h.box("Your reply starts with a UTF-8 BOM: OSS answers 203 'Response body is not valid json format.'", "fail")
    elif record.reply_status != 200:
        reply_note = h.box(f"Your reply status is {record.reply_status}: OSS answers the client 203 CallbackFailed "
                           f"'Error status : {record.reply_status}.'", "fail")
    elif record.duration_ms > BUDGET_MS:
        reply_note = h.box("Your reply took longer than 5 s: OSS answers the client 203 CallbackFailed.", "fail")
    summary = h.kv_table([("time", record.time), ("request", f"{record.method} {record.target}"),
                          ("client", record.client), ("verdict", verdict(record)),
                          ("duration", f"{record.duration_ms:.1f} ms of 5000 ms")]
                         + ([("error", record.error)] if record.error else []))
    return {
        "Summary": summary + (h.box(h.esc(record.trace.summary), "ok" if record.verified else "fail") if record.trace else ""),
        "Headers": h.kv_table(record.headers),
        "Raw body": bom + f"<span class='osscb-muted'>{len(raw)} bytes · first bytes {raw[:16].hex(' ')}</span>"
                    + h.code(raw.decode("utf-8", "replace")),
        "Pretty": pretty_body(raw, record.header("content-type")),
        "Reply": reply_note + h.kv_table([("status", record.reply_status)] + list(record.reply_headers))
                 + h.code(reply.decode("utf-8", "replace")),
        "curl": "<span class='osscb-muted'>Send it again from a shell (secrets stay masked)</span>" + h.code(record.as_curl()),
    }
