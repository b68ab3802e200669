"""The probe's report card: text for terminals and ``text/plain``, HTML for JupyterLab (both themes),
failures first by severity. Secrets (a ``?token=`` in the probed URL, registered ones) are masked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _html as h
from .masking import mask

if TYPE_CHECKING:
    from ..probe.report import CheckResult, ProbeReport

COLORS = {"pass": h.GREEN, "fail": h.RED, "warn": h.AMBER, "skip": h.GREY, "info": h.BLUE}
_VERDICT_RANK = {"fail": 0, "warn": 1, "info": 2, "pass": 3, "skip": 4}
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
#: Observed text in the one-line table is cut here (the findings above it show it whole).
LINE_WIDTH = 96


def ordered(checks: list[CheckResult]) -> list[CheckResult]:
    """Failures first (critical first), then warnings, information, passes and skips."""
    return sorted(checks, key=lambda c: (_VERDICT_RANK[c.verdict], _SEVERITY_RANK[c.severity]))


def trust_lines(prefix: str) -> list[str]:
    """How to start the kit's exported receivers trusting ``prefix``."""
    from ..probe.catalogue import TRUST_ENV

    return [
        f"every exported receiver: {TRUST_ENV}={prefix} python3 oss_callback_receiver.py",
        f"the Python, Java and Ruby exports also:  python3 oss_callback_receiver.py --trust-key-url {prefix}",
    ]


def run_notes(report: ProbeReport) -> list[str]:
    """What limits the whole run (issue #28): a server the key server cannot be reached from, the deadline."""
    notes = []
    if not report.on_this_machine and not report.key_url_base:
        notes.append("Your server is not on this machine: it cannot fetch keys from 127.0.0.1 here, so the key-URL "
                     "checks are inconclusive (warn); pass --key-url-base.")
    elif report.key_self_check:
        notes.append(f"The probe could not fetch its own key through {report.key_url_base} "
                     f"({report.key_self_check}): check --key-url-base and --key-port.")
    if report.deadline_passed:
        notes.append("The run's overall deadline passed: the checks it cut off are warn, and the exit status is 1.")
    return notes


def _headline(report: ProbeReport) -> str:
    s = report.summary()
    counts = ", ".join(f"{s[k]} {k}" for k in ("pass", "fail", "warn", "skip", "info"))
    return f"{counts} (exit {report.exit_code})"


def _cut(text: str, width: int = LINE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def probe_text(report: ProbeReport) -> str:
    """The report card as text: header, how to trust the prefix, findings in detail, one line per check."""
    lines = [f"osscb probe {report.url}: {report.mode} mode, {len(report.checks)} checks in {report.elapsed:.1f} s",
             f"Key-URL prefix to trust for --trusted: {report.trusted_prefix}",
             *("  " + line for line in trust_lines(report.trusted_prefix)), *run_notes(report), ""]
    findings = [c for c in ordered(report.checks) if c.verdict in ("fail", "warn")]
    if findings:
        lines.append("Findings (most severe first):")
        for c in findings:
            lines += [f"  {c.verdict.upper()} {c.severity} {c.id}", f"    expected: {c.expected}",
                      f"    observed: {c.observed}", f"    fix: {c.fix}"]
        lines.append("")
    width = max(len(c.id) for c in report.checks) if report.checks else 10
    lines.append(f"  {'verdict':<7} {'severity':<8} {'check':<{width}} observed")
    for c in report.checks:
        lines.append(f"  {c.verdict:<7} {c.severity:<8} {c.id:<{width}} {_cut(c.observed)}")
    lines += ["", f"Summary: {_headline(report)}"]
    return mask("\n".join(lines), report.secrets())


def _row(c: CheckResult) -> str:
    detail = (f"<div><b>observed:</b> {h.esc(c.observed)}</div>"
              f"<div class='osscb-muted'><b>expected:</b> {h.esc(c.expected)}</div>")
    if c.verdict in ("fail", "warn", "info"):
        detail += f"<div><b>fix:</b> {h.esc(c.fix)}</div>"
    return (f'<tr class="osscb-row"><td>{h.badge(c.verdict, COLORS[c.verdict])}</td>'
            f'<td class="k">{h.esc(c.severity)}</td><td><code style="white-space:nowrap">{h.esc(c.id)}</code></td><td>{detail}</td></tr>')


def probe_html(report: ProbeReport) -> str:
    """The report card as HTML: a verdict box, the prefix to trust, then one row per check, failures first."""
    kind = "fail" if report.exit_code else "ok"
    head = (f"<div class='osscb-title'>osscb probe {h.esc(report.url)}</div>"
            f"{h.box(f'<b>{h.esc(report.mode)} mode</b>: {h.esc(_headline(report))}', kind)}")
    trust = (f"<div>Key-URL prefix to trust for <code>--trusted</code>: <code>{h.esc(report.trusted_prefix)}</code>"
             f"</div>{h.code(chr(10).join(trust_lines(report.trusted_prefix)))}"
             + "".join(f"<div><b>{h.esc(note)}</b></div>" for note in run_notes(report)))
    table = ('<table class="osscb-table"><tr><th>verdict</th><th>severity</th><th>check</th><th>details</th></tr>'
             + "".join(_row(c) for c in ordered(report.checks)) + "</table>")
    return mask(h.wrap(head + trust + table), report.secrets())
