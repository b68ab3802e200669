"""The callback builder: every ``callback`` field, a variable palette, custom-variable rows, live
Base64, live validation with OSS's own messages, a body preview and copy-ready snippets."""

from __future__ import annotations

import json
from typing import Any

import ipywidgets as W
from traitlets import Bool, Unicode

from ..callback import SYSTEM_VARIABLES
from ..display.definition import Definition
from ..display.text import builder_text
from ..params import FORM, JSON, CallbackParams, CallbackVars
from ..params.definition import sample_facts
from . import _html as h
from ._text import TextRepr

_NOT_SET = "(not set)"
#: callbackSNI's choices: the labels read true/false, the values are the JSON booleans OSS wants
_SNI = ((_NOT_SET, _NOT_SET), ("true", True), ("false", False))
_SIGNATURE_VERSIONS = {"(not set)": None, "1.0": "1.0", "2.0": "2.0"}
_TABS = ("Base64", "Preview", "Header", "Query", "Form", "oss2", "SDK V2")
_DEFAULT_BODY = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&uid=${x:uid}"


def _full(**kw: Any) -> W.Layout:
    return W.Layout(width="100%", **kw)


class _VarRow(W.HBox):
    """One custom variable: key, value and a remove button."""

    def __init__(self, key: str, value: str) -> None:
        self.key = W.Text(key, placeholder="x:name", layout=W.Layout(width="30%"))
        self.value = W.Text(value, placeholder="value", layout=W.Layout(flex="1"))
        self.remove = W.Button(icon="times", tooltip="remove this variable", layout=W.Layout(width="36px"))
        super().__init__([self.key, self.value, self.remove], layout=_full())


class CallbackBuilder(TextRepr, W.VBox):
    """Build a ``callback`` / ``callback-var`` pair and see what OSS would make of it.

    Read the result from :attr:`definition` (a :class:`~osscb_notebook.display.definition.Definition`), :attr:`params`,
    :attr:`variables`, or the observable traits :attr:`callback_b64`, :attr:`callback_var_b64`,
    :attr:`valid` and :attr:`error_message`.
    """

    callback_b64 = Unicode("", help="Base64 of callback; empty while invalid.")
    callback_var_b64 = Unicode("", help="Base64 of callback-var; empty when there are no variables.")
    valid = Bool(False, help="True when OSS would accept the definition.")
    error_message = Unicode("", help="OSS's 400 message, EC and hint when invalid.")

    def __init__(
        self, url: str = "http://127.0.0.1:9000/callback", body: str = _DEFAULT_BODY, body_type: str = FORM,
        variables: dict[str, str] | None = None, *, sample_key: str = "uploads/photo 1.jpg",
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.secrets = tuple(secrets)  # e.g. a tunnel's Jupyter token: masked in every view
        self.url = W.Text(url, description="callbackUrl", placeholder="http(s)://host[:port]/path[?query]; up to 5, ';'-separated", layout=_full())
        self.host = W.Text("", description="callbackHost", placeholder="(optional) Host header; defaults to the URL's host", layout=_full())
        self.body_type = W.ToggleButtons(options=[("form-urlencoded", FORM), ("JSON", JSON)], value=body_type, style={"button_width": "130px"})
        self.body = W.Textarea(body, description="callbackBody", rows=3, layout=_full())
        self.sni = W.Dropdown(options=_SNI, value=_NOT_SET, description="callbackSNI", layout=W.Layout(width="260px"))
        self.signature_version = W.Dropdown(options=list(_SIGNATURE_VERSIONS), value="(not set)", description="signatureVersion", style={"description_width": "initial"}, layout=W.Layout(width="260px"))
        self.additional_headers = W.Textarea("", description="extra headers", tooltip="additionalHeaders", placeholder="(optional) one 'name: value' per line", rows=2, layout=_full())
        self.sample_key = W.Text(sample_key, description="sample key", layout=_full())
        self.sample_mime = W.Text("image/jpeg", description="sample type", layout=_full())
        for w in (self.url, self.host, self.body, self.sni, self.signature_version, self.additional_headers, self.sample_key, self.sample_mime):
            w.style.description_width = "110px"

        self.palette_system = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self.palette_custom = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self.palette_system.children = tuple(self._palette_button(name) for name in SYSTEM_VARIABLES)
        self.var_rows = W.VBox()
        self.add_var = W.Button(description="Add variable", icon="plus", layout=W.Layout(width="140px"))
        self.add_var.on_click(lambda _b: self.add_variable())

        self.status = W.HTML()
        self.snippet_views = {name: W.HTML() for name in _TABS}
        self.tabs = W.Tab(children=[self.snippet_views[n] for n in _TABS], titles=_TABS, layout=_full())

        form = W.VBox([
            self.url, self.host, h.labeled("callbackBodyType", self.body_type, "114px"), self.body,
            W.HTML("<span class='osscb-muted' style='font-size:12px'>Insert a variable into callbackBody:</span>"),
            self.palette_system, self.palette_custom,
            W.HBox([self.sni, self.signature_version]), self.additional_headers,
            W.HTML(h.wrap("<b>Custom variables</b> <span class='osscb-muted'>(callback-var; keys start with x: and are lowercase)</span>")),
            self.var_rows, self.add_var,
            W.HTML(h.wrap("<b>Sample object</b> <span class='osscb-muted'>(for the body preview)</span>")),
            self.sample_key, self.sample_mime,
        ], layout=W.Layout(width="50%", padding="0 12px 0 0"))
        right = W.VBox([self.status, self.tabs], layout=W.Layout(width="50%"))
        super().__init__([W.HTML(h.wrap("<div class='osscb-title'>Callback builder</div>")), W.HBox([form, right], layout=_full())])
        self.add_class("osscb-builder")

        self.definition: Definition = Definition({}, {})
        self._rows: list[_VarRow] = []
        for key, value in (variables if variables is not None else {"x:uid": "42"}).items():
            self.add_variable(key, value, refresh=False)
        for w in (self.url, self.host, self.body_type, self.body, self.sni, self.signature_version,
                  self.additional_headers, self.sample_key, self.sample_mime):
            w.observe(self._on_change, names="value")
        self.refresh()

    # ---- palette and variable rows -------------------------------------------------------------
    def _palette_button(self, name: str) -> W.Button:
        button = W.Button(description=f"${{{name}}}", tooltip=f"insert ${{{name}}} into callbackBody",
                          layout=W.Layout(width="auto", height="24px", margin="1px"))
        button.add_class("osscb-var")
        button.on_click(lambda _b, n=name: self.insert_variable(n))
        return button

    def insert_variable(self, name: str) -> None:
        """Add ``${name}`` to the body as a new field: ``&field=${name}`` in a form body, a
        ``"field":${name}`` member in a JSON body (unquoted: OSS quotes strings itself)."""
        field = name.split(":", 1)[-1].split(".")[-1] if name.startswith(("x:", "imageInfo.")) else name
        body = self.body.value.rstrip()
        if self.body_type.value == JSON:
            if body.endswith("}"):
                inner = body[:-1].rstrip()
                sep = "" if inner.endswith("{") else ","
                self.body.value = f'{inner}{sep}"{field}":${{{name}}}}}'
            else:
                self.body.value = f'{{"{field}":${{{name}}}}}' if not body else f"{body}${{{name}}}"
        else:
            self.body.value = f"{body}&{field}=${{{name}}}" if body else f"{field}=${{{name}}}"

    def add_variable(self, key: str = "x:", value: str = "", *, refresh: bool = True) -> _VarRow:
        row = _VarRow(key, value)
        row.key.observe(self._on_change, names="value")
        row.value.observe(self._on_change, names="value")
        row.remove.on_click(lambda _b, r=row: self.remove_variable(r))
        self._rows.append(row)
        self.var_rows.children = tuple(self._rows)
        if refresh:
            self.refresh()
        return row

    def remove_variable(self, row: _VarRow) -> None:
        self._rows = [r for r in self._rows if r is not row]
        self.var_rows.children = tuple(self._rows)
        self.refresh()

    # ---- state ---------------------------------------------------------------------------------
    def callback_object(self) -> dict[str, Any]:
        """The ``callback`` JSON as the fields define it (before validation)."""
        obj: dict[str, Any] = {"callbackUrl": self.url.value}
        if self.host.value.strip():
            obj["callbackHost"] = self.host.value.strip()
        obj["callbackBody"] = self.body.value
        obj["callbackBodyType"] = self.body_type.value
        if isinstance(self.sni.value, bool):
            obj["callbackSNI"] = self.sni.value
        if _SIGNATURE_VERSIONS[self.signature_version.value] is not None:
            obj["signatureVersion"] = _SIGNATURE_VERSIONS[self.signature_version.value]
        headers: dict[str, Any] = {}
        for line in self.additional_headers.value.splitlines():
            if line.strip():
                name, sep, value = line.partition(":")
                # a line without ':' becomes a non-string value, which OSS's rule rejects
                headers[name.strip()] = value.strip() if sep else None
        if headers:
            obj["additionalHeaders"] = headers
        return obj

    def vars_object(self) -> dict[str, str]:
        return {r.key.value.strip(): r.value.value for r in self._rows if r.key.value.strip()}

    def load(self, callback: dict[str, Any] | CallbackParams, variables: dict[str, str] | CallbackVars | None = None) -> None:
        """Fill the fields from a callback object (or params) and variables."""
        obj = callback.to_json() if isinstance(callback, CallbackParams) else dict(callback)
        var = variables.to_json() if isinstance(variables, CallbackVars) else dict(variables or {})
        with self.hold_trait_notifications():
            self.url.value = str(obj.get("callbackUrl", ""))
            self.host.value = str(obj.get("callbackHost") or "")
            self.body.value = str(obj.get("callbackBody", ""))
            self.body_type.value = JSON if str(obj.get("callbackBodyType", FORM)).lower() == JSON else FORM
            sni = obj.get("callbackSNI")
            self.sni.value = sni if isinstance(sni, bool) else _NOT_SET
            self.signature_version.value = obj.get("signatureVersion") if obj.get("signatureVersion") in ("1.0", "2.0") else "(not set)"
            self.additional_headers.value = "\n".join(f"{k}: {v}" for k, v in (obj.get("additionalHeaders") or {}).items())
            self._rows = []
            for k, v in var.items():
                self.add_variable(k, v, refresh=False)
            self.var_rows.children = tuple(self._rows)
        self.refresh()

    @property
    def params(self) -> CallbackParams | None:
        return self.definition.params if self.definition.ok else None

    @property
    def variables(self) -> CallbackVars | None:
        return self.definition.variables if self.definition.ok else None

    def _on_change(self, _change: dict[str, Any]) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Re-evaluate everything; called on every field change."""
        facts = sample_facts(self.sample_key.value or "example.txt", mime_type=self.sample_mime.value or "application/octet-stream")
        d = Definition.evaluate(self.callback_object(), self.vars_object(), facts=facts)
        d.secrets = self.secrets
        self.definition = d
        keys = [k for k in self.vars_object() if k.startswith("x:") and len(k) > 2]
        names = [b.description for b in self.palette_custom.children]
        if names != [f"${{{k}}}" for k in keys]:
            self.palette_custom.children = tuple(self._palette_button(k) for k in keys)
        self.valid = d.ok
        self.callback_b64 = d.transports.callback if d.transports else ""
        self.callback_var_b64 = (d.transports.callback_var or "") if d.transports else ""
        self.error_message = d.error_text()
        self._render(d)

    def _render(self, d: Definition) -> None:
        views = self.snippet_views
        if d.error is not None:
            self.status.value = h.wrap(d.error_html())
            for name in _TABS:
                views[name].value = h.wrap("<span class='osscb-muted'>Fix the error above to see this.</span>")
            return
        assert d.transports is not None and d.preview is not None and d.params is not None
        self.status.value = h.wrap(d.valid_html() + d.warnings_html())
        t = d.transports
        rows = [("callback", t.callback)] + ([("callback-var", t.callback_var)] if t.callback_var else [])
        views["Base64"].value = h.wrap(h.kv_table(rows) + "<b>Decoded callback</b>" + h.code(json.dumps(d.params.to_json(), indent=2, ensure_ascii=False)))
        preview = d.preview.text
        pretty = ""
        if d.params.body_type == JSON:
            try:
                pretty = "<b>Pretty</b>" + h.code(json.dumps(json.loads(preview), indent=2, ensure_ascii=False))
            except ValueError:
                pretty = h.box("This body is not valid JSON once rendered: check quotes around variables (OSS quotes strings itself).", "warn")
        else:
            from urllib.parse import parse_qsl

            pretty = "<b>Decoded fields</b>" + h.kv_table(parse_qsl(preview, keep_blank_values=True))
        facts = d.facts
        assert facts is not None
        views["Preview"].value = h.wrap(
            f"<span class='osscb-muted'>Content-Type: {h.esc(d.params.body_type)} · object {h.esc(facts.object)} · "
            f"{facts.size} bytes</span>" + h.code(preview) + pretty
        )
        snippets = d.snippets()
        views["Header"].value = h.wrap("<span class='osscb-muted'>PutObject / CompleteMultipartUpload headers</span>" + h.code(snippets["header"]))
        views["Query"].value = h.wrap("<span class='osscb-muted'>Append to a presigned URL (signed sub-resources)</span>" + h.code(snippets["query"]))
        views["Form"].value = h.wrap("<span class='osscb-muted'>Form fields: each x: variable is its own field</span>" + h.code(snippets["form"]))
        views["oss2"].value = h.wrap(h.code(snippets["oss2"]))
        views["SDK V2"].value = h.wrap(h.code(snippets["sdk_v2"]))
        if self.secrets:
            for view in (*views.values(), self.status):
                view.value = d.mask(view.value)

    def text_summary(self) -> str:
        return builder_text(self.url.value, self.body_type.value, self.definition)
