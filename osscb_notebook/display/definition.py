"""How a callback definition looks: the verdict, Base64, transports, body preview, warnings and
snippets, as text (nbval) and HTML, with secrets masked. The model is the core's
:class:`~osscb_notebook.params.definition.CallbackDefinition`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..params.definition import CallbackDefinition, parse_definition, sample_facts
from ..params.transports import Transports
from . import _html as h
from .masking import mask
from .snippets import all_snippets

__all__ = ["Definition", "parse_definition", "sample_facts"]


@dataclass(repr=False)
class Definition(CallbackDefinition):
    """A :class:`CallbackDefinition` that displays itself (``%%osscb_callback`` returns one)."""

    show_snippets: bool = False  # include oss2 / SDK V2 code in the displayed output
    #: strings never to show (a Jupyter token in a tunnel URL); Base64 values carrying one are hidden
    secrets: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return self.render_text(snippets=self.show_snippets)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.render_text(snippets=self.show_snippets))

    def _repr_html_(self) -> str:
        return self.render_html(snippets=self.show_snippets)

    def snippets(self) -> dict[str, str]:
        if not self.ok or self.params is None or self.transports is None:
            return {}
        return all_snippets(self.params, self.variables, self.transports)

    def mask(self, text: str) -> str:
        """``text`` with secrets redacted and any Base64 value that encodes one replaced."""
        t = self.transports
        return mask(text, self.secrets, encoded=(t.callback, t.callback_var) if t is not None else ())

    # ---- text ------------------------------------------------------------------------------
    def verdict(self) -> str:
        return "VALID" if self.ok else "INVALID"

    def error_text(self) -> str:
        e = self.error
        if e is None:
            return ""
        ec = f" (EC {e.ec})" if e.ec else ""
        return f"400 InvalidArgument: {e.oss_message}{ec}\n  argument: {e.argument_name}\n  hint: {e.hint}"

    def render_text(self, *, snippets: bool = False) -> str:
        return self.mask(self._render_text(snippets=snippets))

    def _render_text(self, *, snippets: bool = False) -> str:
        if self.error is not None:
            return "OSS would reject this callback.\n" + self.error_text()
        assert self.transports is not None and self.preview is not None
        t = self.transports
        lines = ["Valid callback definition.", f"callback (Base64): {t.callback}"]
        if t.callback_var:
            lines.append(f"callback-var (Base64): {t.callback_var}")
        lines += ["", "Header transport:", _indent(_headers(t)), "", "Presigned URL query:", _indent("?" + t.query_string),
                  "", "PostObject form fields:", _indent("\n".join(f"{k} = {v}" for k, v in t.form_fields.items())),
                  "", f"Body for a sample object ({self.facts.object if self.facts else ''}):", _indent(self.preview.text)]
        lines += [f"warning: {w}" for w in self.warnings]
        if snippets:
            for kind, text in self.snippets().items():
                lines += ["", f"--- {kind} ---", text.rstrip()]
        return "\n".join(lines)

    # ---- HTML ------------------------------------------------------------------------------
    def error_html(self) -> str:
        e = self.error
        if e is None:
            return ""
        ec = f' <span class="osscb-muted">EC {h.esc(e.ec)}</span>' if e.ec else ""
        return h.box(
            f'{h.badge("400 InvalidArgument", h.RED)} <b>{h.esc(e.oss_message)}</b>{ec}'
            f'<div class="osscb-muted">argument: {h.esc(e.argument_name)}</div><div><b>Hint:</b> {h.esc(e.hint)}</div>',
            "fail",
        )

    def valid_html(self) -> str:
        return h.box(f'{h.badge("VALID", h.GREEN)} OSS would accept this callback.', "ok")

    def warnings_html(self) -> str:
        return "".join(h.box("⚠ " + h.esc(w), "warn") for w in self.warnings)

    def render_html(self, *, snippets: bool = False) -> str:
        return self.mask(self._render_html(snippets=snippets))

    def _render_html(self, *, snippets: bool = False) -> str:
        if self.error is not None:
            return h.wrap(self.error_html())
        assert self.transports is not None and self.preview is not None
        t = self.transports
        parts = [self.valid_html(), self.warnings_html()]
        rows = [("callback", t.callback)] + ([("callback-var", t.callback_var)] if t.callback_var else [])
        parts.append("<b>Base64</b>" + h.kv_table(rows))
        parts.append("<b>Header</b>" + h.code(_headers(t)))
        parts.append("<b>Presigned URL query</b>" + h.code("?" + t.query_string))
        parts.append("<b>PostObject form fields</b>" + h.kv_table(t.form_fields))
        obj = self.facts.object if self.facts else ""
        parts.append(f"<b>Body for a sample object</b> <span class='osscb-muted'>({h.esc(obj)})</span>" + h.code(self.preview.text))
        if snippets:
            for kind, text in self.snippets().items():
                if kind in ("oss2", "sdk_v2"):
                    parts.append(f"<details><summary><b>{'oss2' if kind == 'oss2' else 'Python SDK V2'}</b></summary>{h.code(text)}</details>")
        return h.wrap("".join(parts))


def _headers(t: Transports) -> str:
    return "\n".join(f"{k}: {v}" for k, v in t.headers.items())


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
