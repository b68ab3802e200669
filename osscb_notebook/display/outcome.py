"""Upload outcomes and verification traces as reports: a loud 203, a coloured step list."""

from __future__ import annotations

from typing import Any

from ..verification import Trace
from . import _html as h
from .report import Report


class UploadReport(Report):
    """An upload outcome shown loudly: green 200 with the reply, red 203 CallbackFailed."""


def outcome_html(outcome: Any) -> str:
    """The outcome's box (wrapped): 200 with the relayed reply, or 203 with OSS's message and EC."""
    status = outcome.status
    if status == 200 and outcome.callback_ok:
        html = f'{h.badge("200", h.GREEN)} <b>Stored, callback delivered.</b> Your server replied (relayed by OSS):' + h.code(
            outcome.body.decode("utf-8", "replace"))
        kind = "ok"
    elif status == 203:
        html = (f'{h.badge("203 CallbackFailed", h.RED)} <b>The object IS stored, but the callback FAILED.</b>'
                f'<div>OSS says: <code>{h.esc(outcome.error_message)}</code> <span class="osscb-muted">EC {h.esc(outcome.ec or "n/a")}</span></div>'
                f'<div><b>Why:</b> {h.esc(_why(outcome))}</div>'
                '<div class="osscb-muted">oss2 and SDK V2 do not raise on 203: check status == 200.</div>')
        kind = "fail"
    elif status < 300:
        html = f'{h.badge(str(status), h.GREEN)} {h.esc(outcome.explanation)}'
        kind = "ok"
    else:
        html = f'{h.badge(str(status), h.RED)} {h.esc(outcome.explanation)}'
        kind = "fail"
    meta = (f"<div class='osscb-muted'>{h.esc(outcome.operation)} {h.esc(outcome.key)} · request id "
            f"{h.esc(outcome.request_id or '-')} · {outcome.duration * 1000:.0f} ms</div>")
    return h.wrap(h.box(html + meta, kind))


def _why(outcome: Any) -> str:
    failure = getattr(outcome, "callback_failure", None)
    return failure.explanation if failure is not None else str(outcome.explanation)


def outcome_report(outcome: Any) -> Report:
    return UploadReport(str(outcome), outcome_html(outcome), outcome.status == 200)


class TraceReport(Report):
    """A verification trace: the text trace, and a coloured step list in HTML."""


STEP_COLOR = {True: h.GREEN, False: h.RED, None: h.GREY}


def trace_summary_html(trace: Trace) -> str:
    return h.box(("✔ " if trace.ok else "✘ ") + h.esc(trace.summary), "ok" if trace.ok else "fail")


def trace_report(trace: Trace) -> Report:
    rows = []
    for i, s in enumerate(trace.steps, 1):
        detail = h.esc(s.cause or s.output.splitlines()[0] if (s.cause or s.output) else "")
        rows.append(f"<tr><td>{h.badge(s.status, STEP_COLOR[s.ok])}</td><td>{i}. {h.esc(s.title)}</td><td><code>{detail}</code></td></tr>")
    return TraceReport(trace.render_text(), h.wrap(f'<table class="osscb-table">{"".join(rows)}</table>{trace_summary_html(trace)}'),
                       trace.ok)
