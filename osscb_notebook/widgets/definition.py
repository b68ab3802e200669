"""One callback definition, evaluated the way OSS would: validation, Base64, transports, a body
preview for a sample object and the warnings a beginner needs.

Shared by the builder widget and ``%%osscb_callback``; everything here is core calls plus text.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..callback import RenderedBody, UploadFacts, render_body, variables_in
from ..errors import CallbackParamError
from ..params import CallbackParams, CallbackVars, Transports, render_transports
from ..params import messages as m
from ..params.urls import is_private_address
from . import _html as h
from .snippets import all_snippets

SAMPLE_CONTENT = b"hello from osscb-notebook\n"


def sample_facts(
    key: str = "uploads/photo 1.jpg", content: bytes = SAMPLE_CONTENT, *, bucket: str = "demo",
    mime_type: str = "image/jpeg", operation: str = "PutObject",
) -> UploadFacts:
    """What OSS would know about ``content`` stored as ``key``: real MD5/ETag/CRC-64 of the bytes."""
    import oss2.utils

    crc = oss2.utils.Crc64(0)
    crc.update(content)
    digest = hashlib.md5(content).digest()
    return UploadFacts(
        bucket=bucket, object=key, etag=digest.hex().upper(), size=len(content), mime_type=mime_type,
        crc64=crc.crc, content_md5=base64.b64encode(digest).decode(), client_ip="203.0.113.7",
        req_id="5C3D9175B6FC201293AD0000", operation=operation,
    )


def _scalar(text: str) -> Any:
    """A ``key: value`` value: JSON when it is a JSON string, bool, null, object or list; else the raw
    text. Numbers stay text, so ``callbackBody: 42`` is the string "42"."""
    text = text.strip()
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return text if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def parse_definition(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a definition into the ``callback`` object and the ``callback-var`` object.

    Accepts JSON (one object) or ``key: value`` lines. Keys starting with ``x:`` (any case, so that
    OSS's lowercase rule can be reported) go to callback-var; a JSON object may also nest them as
    ``{"callback": {...}, "callback-var": {...}}``. ``#`` starts a comment line.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except ValueError as exc:
            raise CallbackParamError(
                m.CALLBACK_NOT_JSON.message, ec=m.CALLBACK_NOT_JSON.ec, argument_value=stripped,
                hint=f"{m.CALLBACK_NOT_JSON.hint} (JSON error: {exc})",
            ) from None
        if isinstance(obj, dict) and "callback" in obj and isinstance(obj["callback"], dict):
            return dict(obj["callback"]), dict(obj.get("callback-var") or {})
        if not isinstance(obj, dict):
            raise CallbackParamError(m.CALLBACK_NOT_JSON.message, ec=m.CALLBACK_NOT_JSON.ec, argument_value=stripped)
        return _split(obj.items())
    pairs: list[tuple[str, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, value = _split_line(line)
        if key is None:
            raise CallbackParamError(
                m.CALLBACK_NOT_JSON.message, ec=m.CALLBACK_NOT_JSON.ec, argument_value=line,
                hint=f"Line {n} is not 'key: value'. Write e.g. callbackUrl: http://host/cb, or give one JSON object.",
            )
        pairs.append((key, _scalar(value)))
    return _split(pairs)


def _split_line(line: str) -> tuple[str | None, str]:
    # The key ends at the first ':' followed by a space or the end: "x:uid: 7" -> ("x:uid", "7"),
    # "callbackUrl: http://h:8/cb" -> ("callbackUrl", "http://h:8/cb").
    for i, ch in enumerate(line):
        if ch == ":" and (i + 1 == len(line) or line[i + 1] in " \t"):
            key = line[:i].strip()
            return (key or None), line[i + 1 :]
    return None, ""


def _split(items: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    callback: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    for key, value in items:
        (variables if str(key).lower().startswith("x:") else callback)[key] = value
    return callback, variables


@dataclass(repr=False)
class Definition:
    """The result of evaluating one definition; ``error`` is OSS's 400 when it would reject it."""

    callback_obj: dict[str, Any]
    vars_obj: dict[str, Any]
    params: CallbackParams | None = None
    variables: CallbackVars | None = None
    transports: Transports | None = None
    error: CallbackParamError | None = None
    preview: RenderedBody | None = None
    facts: UploadFacts | None = None
    warnings: list[str] = field(default_factory=list)
    show_snippets: bool = False  # include oss2 / SDK V2 code in the displayed output
    #: strings never to show (a Jupyter token in a tunnel URL); Base64 values carrying one are hidden
    secrets: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and self.transports is not None

    @classmethod
    def evaluate(
        cls, callback_obj: dict[str, Any], vars_obj: dict[str, Any] | None = None, *, facts: UploadFacts | None = None
    ) -> Definition:
        """Validate in OSS's order (callback, then callback-var, then lengths) and render a preview."""
        d = cls(dict(callback_obj), dict(vars_obj or {}), facts=facts or sample_facts())
        try:
            d.params = CallbackParams.from_json(d.callback_obj)
            d.variables = CallbackVars(d.vars_obj) if d.vars_obj else None
            d.transports = render_transports(d.params, d.variables)
        except CallbackParamError as exc:
            d.error = exc
            return d
        d.preview = render_body(d.params.body, d.params.body_type, d.facts or sample_facts(), d.vars_obj)
        d.warnings = _warnings(d.params, d.vars_obj, d.preview)
        return d

    @classmethod
    def from_text(cls, text: str, *, facts: UploadFacts | None = None) -> Definition:
        try:
            callback_obj, vars_obj = parse_definition(text)
        except CallbackParamError as exc:
            return cls({}, {}, error=exc)
        return cls.evaluate(callback_obj, vars_obj, facts=facts)

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

    # ---- rendering -------------------------------------------------------------------------
    def error_text(self) -> str:
        e = self.error
        if e is None:
            return ""
        ec = f" (EC {e.ec})" if e.ec else ""
        return f"400 InvalidArgument: {e.oss_message}{ec}\n  argument: {e.argument_name}\n  hint: {e.hint}"

    def mask(self, text: str) -> str:
        """``text`` with secrets redacted and any Base64 value that encodes one replaced."""
        secrets = [x for x in self.secrets if x]
        if not secrets:
            return text
        from urllib.parse import quote

        t = self.transports
        for value in ((t.callback, t.callback_var) if t is not None else ()):
            if value and any(x in base64.b64decode(value).decode("utf-8", "replace") for x in secrets):
                hidden = "<hidden: carries a secret token>"
                text = text.replace(quote(value, safe=""), hidden).replace(value, hidden)
        for x in secrets:
            text = text.replace(x, "***")
        return text

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

    def warnings_html(self) -> str:
        return "".join(h.box("⚠ " + h.esc(w), "warn") for w in self.warnings)

    def render_html(self, *, snippets: bool = False) -> str:
        return self.mask(self._render_html(snippets=snippets))

    def _render_html(self, *, snippets: bool = False) -> str:
        if self.error is not None:
            return h.wrap(self.error_html())
        assert self.transports is not None and self.preview is not None
        t = self.transports
        parts = [h.box(f'{h.badge("VALID", h.GREEN)} OSS would accept this callback.', "ok"), self.warnings_html()]
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


def _warnings(params: CallbackParams, custom: dict[str, Any], preview: RenderedBody) -> list[str]:
    """Things OSS accepts but that surprise people (spec P2, P7; §1.1 private addresses)."""
    out: list[str] = []
    for name in dict.fromkeys(preview.unknown):
        if name.startswith("x:"):
            out.append(f"${{{name}}} has no value in callback-var: OSS sends it empty.")
        else:
            out.append(f"${{{name}}} is not an OSS system variable (names are case-sensitive): OSS sends it empty.")
    used = set(variables_in(params.body))
    for name in custom:
        if name not in used:
            out.append(f"{name} is defined but callbackBody does not reference it, so OSS will not send it.")
    for target in params.targets if params.enabled else []:
        if is_private_address(target.host):
            out.append(
                f"{target.host} is a private address: real OSS answers 400 '{m.PRIVATE_ADDRESS.message}' "
                f"(EC {m.PRIVATE_ADDRESS.ec}); only the local emulator can call it. Use a tunnel for real OSS."
            )
        if target.scheme == "https" and params.sni is not True:
            out.append(f"{target.url} is HTTPS: set callbackSNI to true, or shared front ends may fail the TLS handshake.")
    if not params.enabled:
        out.append("callbackUrl is empty: OSS treats this as no callback at all.")
    return out
