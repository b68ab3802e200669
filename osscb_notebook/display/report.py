"""What a magic or a plain function returns: text for nbval and terminals, HTML for JupyterLab.

Exceptions are rendered here and nowhere else (:func:`error_text`, :func:`error_html`,
:func:`error_report`); every report is masked on creation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _html as h
from .masking import mask


@dataclass(frozen=True)
class Report:
    """A result shown as a cell output: plain text for nbval/terminals, HTML for JupyterLab."""

    text: str
    html: str = ""
    ok: bool = True

    def __post_init__(self) -> None:
        # Last line of defence: no report shows a registered secret (the open tunnel's token),
        # whatever produced it (an error message quoting a URL, a status line).
        object.__setattr__(self, "text", mask(self.text))
        object.__setattr__(self, "html", mask(self.html))

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)

    def _repr_html_(self) -> str:
        return self.html or h.wrap(h.code(self.text))

    def __repr__(self) -> str:
        return self.text


def ok_report(text: str, html_body: str | None = None) -> Report:
    return Report(text, h.wrap(h.box(html_body if html_body is not None else h.esc(text), "ok")), True)


def info_report(text: str) -> Report:
    return Report(text, h.wrap(h.box(h.esc(text).replace("\n", "<br>"), "info")), True)


def _parts(exc: BaseException) -> tuple[str, str | None, str]:
    message = getattr(exc, "oss_message", None) or getattr(exc, "message", None) or str(exc)
    return str(message), getattr(exc, "ec", None), str(getattr(exc, "hint", "") or "")


def error_text(exc: BaseException) -> str:
    """``Error: message (EC ...)`` and a ``hint:`` line: one clear statement, no traceback."""
    message, ec, hint = _parts(exc)
    return mask(f"Error: {message}" + (f" (EC {ec})" if ec else "") + (f"\n  hint: {hint}" if hint else ""))


def error_html(exc: BaseException) -> str:
    """The red box for ``exc`` (unwrapped: callers :func:`~._html.wrap` it with the rest)."""
    message, ec, hint = _parts(exc)
    html = f"<b>{h.esc(type(exc).__name__)}</b>: {h.esc(message)}" + (f" <span class='osscb-muted'>EC {h.esc(ec)}</span>" if ec else "")
    if hint:
        html += f"<div><b>Hint:</b> {h.esc(hint)}</div>"
    return mask(h.box(html, "fail"))


def error_report(exc: BaseException) -> Report:
    """An error as a red box: message and hint, no traceback."""
    return Report(error_text(exc), h.wrap(error_html(exc)), False)
