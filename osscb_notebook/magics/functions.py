"""The plain functions behind the magics: ``%osscb_receiver start`` is ``osscb_receiver("start")``.

Each returns a displayable report from :mod:`osscb_notebook.display` (text for nbval, HTML for
JupyterLab) and raises :class:`~osscb_notebook.errors.OsscbError` on failure; the magics turn
those into red boxes. Nothing here imports ipywidgets (``osscb_ui`` loads the widgets on demand).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from ..display import _html as h
from ..display import info_report, ok_report, outcome_report, trace_report
from ..display.definition import Definition
from ..display.outcome import TraceReport, UploadReport
from ..display.records import history_table, record_line
from ..display.report import Report
from ..errors import OsscbError, ReceiverError, UploadError
from ..session import get_session

__all__ = [
    "MAX_UPLOAD_SIZE", "TraceReport", "UploadReport", "osscb_callback", "osscb_emulator", "osscb_history",
    "osscb_probe", "osscb_receiver", "osscb_status", "osscb_ui", "osscb_upload", "osscb_verify", "outcome_report",
    "trace_report",
]

#: OSS's largest single PutObject (5 GiB); ``--size`` beyond it is refused before any byte is made.
MAX_UPLOAD_SIZE = 5 * 1024**3


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
def _check_port(port: int | None) -> None:
    if port is not None and not 0 <= port <= 65535:
        raise OsscbError(f"Port {port} is out of range.", hint="Give a port from 0 to 65535 (0 picks a free one).")


def osscb_emulator(action: str = "start", *, port: int | None = None, bucket: str | None = None) -> Report:
    """Start, stop or describe the local OSS emulator."""
    s = get_session()
    if action == "start":
        _check_port(port)
        em = s.start_emulator(port=port, bucket=bucket)
        return ok_report(f"Emulator running at {em.endpoint} (bucket {bucket or s.config.bucket}); callback key at {em.public_key_url}")
    if action == "stop":
        return info_report("Emulator stopped." if s.stop_emulator() else "No emulator was running.")
    if action == "status":
        if s.emulator is None:
            return info_report("Emulator: not running.")
        em = s.emulator
        return info_report(f"Emulator: running at {em.endpoint}; {len(em.records)} request(s) handled.")
    raise ValueError(f"unknown action {action!r}: use start, stop or status")


# ---- receiver -----------------------------------------------------------------------------------
def osscb_receiver(
    action: str = "start", *, port: int | None = None, mode: str | None = None, tunnel: str | None = None,
    status: int | None = None, body: str | None = None, delay: float | None = None, bom: bool | None = None,
    tunnel_options: dict[str, Any] | None = None,
) -> Report:
    """Start, stop or describe the receiver, or change its reply (``action="reply"``).

    ``tunnel_options`` are the provider's options (ssh needs ``{"host": ...}``); default
    ``Osscb.tunnel_options``."""
    s = get_session()
    if action == "start":
        _check_port(port)
        _check_delay(delay)
        r = s.start_receiver(port=port, mode=mode, tunnel=tunnel, tunnel_options=tunnel_options)
        _apply_reply(status, body, delay, bom)
        warn = f"\nWarning: {s.tunnel.warning}" if s.tunnel is not None and s.tunnel.warning else ""
        if r.mode == "thread":
            warn += ("\nNote: thread mode shares the GIL with your cells; while one computes, replies can "
                     "stall past OSS's 5 s. The default, --mode process, does not.")
        return ok_report(f"Receiver running at {r.url} ({r.mode} mode).\nCallback URL: {s.display_callback_url()}{warn}")
    if action == "stop":
        return info_report("Receiver stopped." if s.stop_receiver() else "No receiver was running.")
    if action == "reply":
        if s.receiver is None:
            raise ReceiverError("No receiver is running.", hint="Start one: %osscb_receiver start")
        _check_delay(delay)
        _apply_reply(status, body, delay, bom)
        return ok_report("Reply settings updated.")
    if action == "status":
        if s.receiver is None:
            return info_report("Receiver: not running.")
        st = s.receiver.status()
        return info_report(f"Receiver: running at {st['url']} ({st['mode']} mode); {st['requests']} request(s) received."
                           + (f"\nTunnel: {s.tunnel.display_url}" if s.tunnel is not None else ""))
    raise ValueError(f"unknown action {action!r}: use start, stop, status or reply")


def _check_delay(delay: float | None) -> None:
    # A front-end check that keeps inf/nan out of argument handling; the range itself is
    # ReplySettings' rule (it raises its own typed error).
    if delay is not None and not math.isfinite(delay):
        raise ReceiverError(f"The reply delay must be a finite number of seconds, not {delay}.",
                            hint="OSS gives up after 5 s: try --delay 6 to see the 203.")


def _apply_reply(status: int | None, body: str | None, delay: float | None, bom: bool | None) -> None:
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
        get_session().set_reply(**changes)


# ---- upload -------------------------------------------------------------------------------------
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
        if not 0 <= size <= MAX_UPLOAD_SIZE:
            raise UploadError(f"--size {size} is out of range.",
                              hint=f"Give 0 to {MAX_UPLOAD_SIZE} bytes (5 GiB, OSS's largest PutObject).")
        data = os.urandom(size)
    else:
        data = (text if text is not None else "hello from osscb-notebook\n").encode("utf-8")
    outcome = get_session().upload(key, data, operation=operation, backend=backend, callback=callback, part_size=part_size,
                                   threads=threads)
    return outcome_report(outcome)


# ---- verification and history ---------------------------------------------------------------
def osscb_verify(index: int | None = None, *, file: str | None = None) -> Report:
    """Verify the last callback received (or #index, or a raw request saved in ``file``)."""
    raw = Path(file).read_bytes() if file else None
    return trace_report(get_session().verify(index=index, raw=raw))


def osscb_history(n: int = 10) -> Report:
    """The last ``n`` callbacks the receiver got."""
    if n < 0:
        raise OsscbError(f"-n {n}: cannot show a negative number of callbacks.", hint="Give -n 0 or more (default 10).")
    records = get_session().history()
    start = max(len(records) - n, 0)
    shown = records[start:]
    if shown:
        text = "\n".join(record_line(i, r) for i, r in enumerate(shown, start))
    else:
        text = f"{len(records)} callback(s); none shown with -n 0." if records else "No callbacks yet."
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
    return info_report("\n".join(lines))


def osscb_ui(name: str = "builder") -> Any:
    """Open a widget wired to the session: builder, receiver, stepper, upload or timeline."""
    from ..session.widgets import open_widget

    return open_widget(name, get_session())


# ---- probe ----------------------------------------------------------------------------------------
def osscb_probe(url: str, *, trusted: bool = False, key_port: int | None = None, key_url_base: str | None = None,
                timeout: float | None = None, as_json: bool = False) -> Any:
    """Play OSS against the callback server at ``url`` and return its report card (a
    :class:`~osscb_notebook.probe.ProbeReport`: text/plain and HTML), or its JSON as a report."""
    import json

    from ..probe import DEFAULT_KEY_PORT, run_probe

    report = run_probe(url, trusted=trusted, key_port=DEFAULT_KEY_PORT if key_port is None else key_port,
                       key_url_base=key_url_base, timeout=10.0 if timeout is None else timeout)
    if as_json:
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
        return Report(text, h.wrap(h.code(text)), report.ok)
    return report
