"""The ``text/plain`` form of every widget: what nbval compares and a terminal shows.

Each function states the widget's meaningful state deterministically; only values that change
between runs (ports, times, request ids, milliseconds) vary, so ``notebooks/sanitize.cfg`` can mask
them. Everything returned is masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..redact import secrets_in_url
from ..verification import Trace
from .definition import Definition
from .exchange import Exchange
from .masking import mask
from .records import record_line


def builder_text(url: str, body_type: str, d: Definition) -> str:
    """Verdict, Base64 (or OSS's 400) and warnings."""
    head = f"CallbackBuilder(url={url!r}, body_type={body_type!r})"
    if d.error is not None:
        return d.mask(f"{head}\n  INVALID\n{d.error_text()}")
    t = d.transports
    lines = [head, "  VALID", f"  callback: {t.callback if t else ''}"]
    if t is not None and t.callback_var:
        lines.append(f"  callback-var: {t.callback_var}")
    lines += [f"  warning: {w}" for w in d.warnings]
    return d.mask("\n".join(lines))


def stepper_text(trace: Trace | None, index: int) -> str:
    """The step shown, then every step with PASS/FAIL and its output, then the verdict."""
    if trace is None:
        return "VerificationStepper(no callback loaded)"
    s = trace.steps[index]
    return mask(f"VerificationStepper(step {index + 1}/{len(trace.steps)}: [{s.status}] {s.title})\n" + trace.render_text())


def timeline_text(exchange: Exchange | None) -> str:
    """Each arrow with its status and milliseconds."""
    return "Timeline(no exchange)" if exchange is None else mask("Timeline\n" + exchange.render_text())


def receiver_panel_text(running: bool, callback_url: str, records: Sequence[Any]) -> str:
    """Running or stopped, the callback URL, and the last records (newest last)."""
    if not running:
        return "ReceiverPanel(receiver stopped)"
    lines = [f"ReceiverPanel(running, callback URL {callback_url}, {len(records)} callback(s))"]
    lines += ["  " + record_line(i, r) for i, r in enumerate(records)][-10:]
    return mask("\n".join(lines))


def upload_panel_text(target: str, operation: str, key: str, outcome: Any, error: BaseException | None) -> str:
    """The form's choices and the last outcome (or error)."""
    head = f"UploadPanel(target={target}, operation={operation}, key={key!r})"
    if outcome is not None:
        return mask(f"{head}\n  {outcome}")
    if error is not None:
        return mask(f"{head}\n  error: {getattr(error, 'message', error)}")
    return head


def probe_panel_text(url: str, mode: str, prefix: str, report: Any, error: BaseException | None,
                     progress: tuple[int, int], stepper: tuple[str, Any] | None) -> str:
    """The form, the run's progress, the summary and every finding, and the check open in the stepper."""
    lines = [f"ProbePanel(url={url!r}, mode={mode}, key prefix {prefix})"]
    done, total = progress
    if error is not None:
        lines.append(f"  error: {getattr(error, 'message', error)}")
    elif report is not None:
        s = report.summary()
        lines.append("  " + ", ".join(f"{s[k]} {k}" for k in ("pass", "fail", "warn", "skip", "info"))
                     + f" (exit {report.exit_code})")
        for c in report.failures() + [c for c in report.checks if c.verdict == "warn"]:
            lines.append(f"  {c.verdict.upper()} {c.severity} {c.id}: {c.observed}")
    elif total:
        lines.append(f"  running: {done}/{total} checks")
    else:
        lines.append("  not run yet")
    if stepper is not None:
        check_id, trace = stepper
        failed = next((s for s in trace.steps if s.ok is False), None) if trace is not None else None
        where = f"fails at {failed.title}" if failed is not None else "verifies: the answer was the mistake"
        lines.append(f"  stepper: the {check_id} request, {where}")
    return mask("\n".join(lines), secrets_in_url(url))
