"""The display layer below both front ends: reports, the red error box, outcome, trace, records,
definition and exchange rendering (text for nbval, HTML for JupyterLab), and secret masking.

Pure rendering over the core: no ipywidgets, no I/O. The magics return these reports and the
widgets put the same HTML and text into their views.
"""

from .definition import Definition
from .exchange import Exchange, exchange_from, render_svg
from .masking import add_secret_source, mask
from .outcome import TraceReport, UploadReport, outcome_html, outcome_report, trace_report
from .report import Report, error_html, error_report, error_text, info_report, ok_report

__all__ = [
    "Definition", "Exchange", "Report", "TraceReport", "UploadReport", "add_secret_source", "error_html",
    "error_report", "error_text", "exchange_from", "info_report", "mask", "ok_report", "outcome_html",
    "outcome_report", "render_svg", "trace_report",
]
