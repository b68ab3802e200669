"""The plain functions behind the magics: ``%osscb_receiver start`` is ``osscb_receiver("start")``.

Each returns a displayable object (text for nbval, HTML for JupyterLab) and raises
:class:`~osscb_notebook.errors.OsscbError` on failure; the magics turn those into red boxes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..verification import Trace
from ..widgets import _html as h
from ..widgets.definition import Definition
from ..widgets.records_view import history_table, record_line
from .session import Report, _info, _ok, get_session


def osscb_callback(text: str, *, snippets: bool | None = None) -> Definition:
    """Evaluate a callback definition (JSON, or ``key: value`` lines; ``x:`` keys are callback-var).

    The result shows its Base64, the three transports, a body preview and OSS's 400 message, EC and
    hint when OSS would reject it. A valid one becomes the session's definition for uploads.
    """
    session = get_session()
    d = session.define(text)
    d.show_snippets = session.config.show_snippets if snippets is None else snippets
    return d


# ---- emulator -----------------------------------------------------------------------------------
def osscb_emulator(action: str = "start", *, port: int | None = None, bucket: str | None = None) -> Report:
    """Start, stop or describe the local OSS emulator."""
    s = get_session()
    if action == "start":
        em = s.start_emulator(port=port, bucket=bucket)
        return _ok(f"Emulator running at {em.endpoint} (bucket {s.config.bucket}); callback key at {em.public_key_url}")
    if action == "stop":
        return _info("Emulator stopped." if s.stop_emulator() else "No emulator was running.")
    if action == "status":
        if s.emulator is None:
            return _info("Emulator: not running.")
        em = s.emulator
        return _info(f"Emulator: running at {em.endpoint}; {len(em.records)} request(s) handled.")
    raise ValueError(f"unknown action {action!r}: use start, stop or status")


# ---- receiver -----------------------------------------------------------------------------------
def osscb_receiver(
    action: str = "start", *, port: int | None = None, mode: str | None = None, tunnel: str | None = None,
    status: int | None = None, body: str | None = None, delay: float | None = None, bom: bool | None = None,
) -> Report:
    """Start, stop or describe the receiver, or change its reply (``action="reply"``)."""
    s = get_session()
    if action == "start":
        r = s.start_receiver(port=port, mode=mode, tunnel=tunnel)
        _apply_reply(r, status, body, delay, bom)
        warn = f"\nWarning: {s.tunnel.warning}" if s.tunnel is not None and s.tunnel.warning else ""
        if r.mode == "thread":
            warn += ("\nNote: thread mode shares the GIL with your cells; while one computes, replies can "
                     "stall past OSS's 5 s. The default, --mode process, does not.")
        return _ok(f"Receiver running at {r.url} ({r.mode} mode).\nCallback URL: {s.display_callback_url()}{warn}")
    if action == "stop":
        return _info("Receiver stopped." if s.stop_receiver() else "No receiver was running.")
    if action == "reply":
        if s.receiver is None:
            raise _no_receiver()
        _apply_reply(s.receiver, status, body, delay, bom)
        return _ok("Reply settings updated.")
    if action == "status":
        if s.receiver is None:
            return _info("Receiver: not running.")
        st = s.receiver.status()
        return _info(f"Receiver: running at {st['url']} ({st['mode']} mode); {st['requests']} request(s) received."
                     + (f"\nTunnel: {s.tunnel.display_url}" if s.tunnel is not None else ""))
    raise ValueError(f"unknown action {action!r}: use start, stop, status or reply")


def _no_receiver() -> Exception:
    from ..errors import ReceiverError

    return ReceiverError("No receiver is running.", hint="Start one: %osscb_receiver start")


def _apply_reply(receiver: Any, status: int | None, body: str | None, delay: float | None, bom: bool | None) -> None:
    changes: dict[str, Any] = {}
    if status is not None:
        changes["status"] = status
    if body is not None:
        changes["body"] = body
    if delay is not None:
        changes["delay"] = delay
    if bom is not None:
        changes["bom"] = bom
    if changes:
        receiver.set_reply(**changes)


# ---- upload -------------------------------------------------------------------------------------
class UploadReport(Report):
    """An upload outcome shown loudly: green 200 with the reply, red 203 CallbackFailed."""


def outcome_report(outcome: Any) -> Report:
    text = str(outcome)
    status = outcome.status
    if status == 200 and outcome.callback_ok:
        html = f'{h.badge("200", h.GREEN)} <b>Stored, callback delivered.</b> Your server replied (relayed by OSS):' + h.code(
            outcome.body.decode("utf-8", "replace"))
        kind = "ok"
    elif status == 203:
        html = (f'{h.badge("203 CallbackFailed", h.RED)} <b>The object IS stored, but the callback FAILED.</b>'
                f'<div>OSS says: <code>{h.esc(outcome.error_message)}</code> <span class="osscb-muted">EC {h.esc(outcome.ec or "n/a")}</span></div>'
                f'<div>{h.esc(outcome.explanation)}</div>')
        kind = "fail"
    elif status < 300:
        html = f'{h.badge(str(status), h.GREEN)} {h.esc(outcome.explanation)}'
        kind = "ok"
    else:
        html = f'{h.badge(str(status), h.RED)} {h.esc(outcome.explanation)}'
        kind = "fail"
    meta = f"<div class='osscb-muted'>{h.esc(outcome.operation)} {h.esc(outcome.key)} · request id {h.esc(outcome.request_id or '-')} · {outcome.duration * 1000:.0f} ms</div>"
    return UploadReport(text, h.wrap(h.box(html + meta, kind)), status == 200)


def osscb_upload(
    key: str = "hello.txt", *, file: str | None = None, text: str | None = None, size: int | None = None,
    operation: str = "PutObject", backend: str | None = None, callback: bool = True, part_size: int | None = None,
    threads: int | None = None,
) -> Report:
    """Upload to the emulator or real OSS with the session's callback (default: to the receiver)."""
    data: bytes | Path
    if file:
        data = Path(file)
    elif size is not None:
        data = os.urandom(size)
    else:
        data = (text if text is not None else "hello from osscb-notebook\n").encode("utf-8")
    outcome = get_session().upload(key, data, operation=operation, backend=backend, callback=callback, part_size=part_size,
                                    threads=threads)
    return outcome_report(outcome)


# ---- verification and history ---------------------------------------------------------------
class TraceReport(Report):
    """A verification trace: the text trace, and a coloured step list in HTML."""


def trace_report(trace: Trace) -> Report:
    rows = []
    for i, s in enumerate(trace.steps, 1):
        color = {True: h.GREEN, False: h.RED, None: h.GREY}[s.ok]
        detail = h.esc(s.cause or s.output.splitlines()[0] if (s.cause or s.output) else "")
        rows.append(f"<tr><td>{h.badge(s.status, color)}</td><td>{i}. {h.esc(s.title)}</td><td><code>{detail}</code></td></tr>")
    summary = h.box(("✔ " if trace.ok else "✘ ") + h.esc(trace.summary), "ok" if trace.ok else "fail")
    return TraceReport(trace.render_text(), h.wrap(f'<table class="osscb-table">{"".join(rows)}</table>{summary}'), trace.ok)


def osscb_verify(index: int | None = None, *, file: str | None = None) -> Report:
    """Verify the last callback received (or #index, or a raw request saved in ``file``)."""
    raw = Path(file).read_bytes() if file else None
    return trace_report(get_session().verify(index=index, raw=raw))


def osscb_history(n: int = 10) -> Report:
    """The last ``n`` callbacks the receiver got."""
    records = get_session().history()
    start = max(len(records) - n, 0)
    shown = records[start:]
    text = "\n".join(record_line(i, r) for i, r in enumerate(shown, start)) or "No callbacks yet."
    return Report(text, h.wrap(history_table(shown, start)))


def osscb_status() -> Report:
    """One line each for the backend, emulator, receiver, tunnel and the current definition."""
    s = get_session()
    c = s.config
    lines = [f"backend: {c.backend}", f"tunnel: {c.tunnel}"]
    lines.append(f"emulator: {s.emulator.endpoint if s.emulator is not None else 'not running'}")
    lines.append(f"receiver: {s.receiver.url if s.receiver is not None else 'not running'}")
    if s.tunnel is not None:
        lines.append(f"public URL: {s.tunnel.display_url}")
    lines.append(f"callback: {'defined' if s.definition is not None else 'default (to the receiver)'}")
    if s.last_outcome is not None:
        lines.append(f"last upload: {s.last_outcome.operation} {s.last_outcome.key} -> {s.last_outcome.status}")
    return _info("\n".join(lines))


def osscb_ui(name: str = "builder") -> Any:
    """Open a widget wired to the session: builder, receiver, stepper, upload or timeline."""
    from .. import widgets

    s = get_session()
    if name == "builder":
        b = widgets.CallbackBuilder()
        if s.definition is not None and s.definition.params is not None:
            b.load(s.definition.params, s.definition.variables)
        return b
    if name == "stepper":
        st = widgets.VerificationStepper(trust_key_urls=[s.emulator.public_key_url] if s.emulator is not None else [])
        if s.history():
            st.load(s.history()[-1])
        return st
    if name == "receiver":
        return widgets.ReceiverPanel(session=s)
    if name == "upload":
        return widgets.UploadPanel(session=s)
    if name == "timeline":
        t = widgets.Timeline()
        if s.last_outcome is not None:
            records = s.history()
            t.show_outcome(s.last_outcome, records[-1] if records else None, key=s.last_outcome.key,
                           total_ms=s.last_outcome.duration * 1000)
        return t
    raise ValueError(f"unknown widget {name!r}: use builder, receiver, stepper, upload or timeline")
