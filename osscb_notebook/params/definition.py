"""One callback definition evaluated the way OSS would: its ``key: value`` parser, validation in
OSS's order, a body preview for a sample object, and the lint rules a beginner needs.

Pure: no UI. The display layer renders a :class:`CallbackDefinition`; the builder widget and
``%%osscb_callback`` both evaluate through here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .._crc64 import crc64
from ..callback import RenderedBody, UploadFacts, render_body, variables_in
from ..errors import CallbackParamError
from . import messages as m
from .model import CallbackParams, CallbackVars, ignored_var_keys
from .transports import Transports, render_transports
from .urls import documented_private, is_private_address

SAMPLE_CONTENT = b"hello from osscb-notebook\n"


def sample_facts(
    key: str = "uploads/photo 1.jpg", content: bytes = SAMPLE_CONTENT, *, bucket: str = "demo",
    mime_type: str = "image/jpeg", operation: str = "PutObject",
) -> UploadFacts:
    """What OSS would know about ``content`` stored as ``key``: real MD5/ETag/CRC-64 of the bytes."""
    digest = hashlib.md5(content).digest()
    return UploadFacts(
        bucket=bucket, object=key, etag=digest.hex().upper(), size=len(content), mime_type=mime_type,
        crc64=crc64(content), content_md5=base64.b64encode(digest).decode(), client_ip="203.0.113.7",
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
class CallbackDefinition:
    """The result of evaluating one definition; ``error`` is OSS's 400 when it would reject it.

    Validation is the ``params`` codec's (``CallbackParams``, ``CallbackVars``, ``render_transports``),
    so the callback-var key rules live there only; :func:`lint` adds what OSS accepts but surprises.
    """

    callback_obj: dict[str, Any]
    vars_obj: dict[str, Any]
    params: CallbackParams | None = None
    variables: CallbackVars | None = None
    transports: Transports | None = None
    error: CallbackParamError | None = None
    preview: RenderedBody | None = None
    facts: UploadFacts | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.transports is not None

    @classmethod
    def evaluate(
        cls, callback_obj: dict[str, Any], vars_obj: dict[str, Any] | None = None, *, facts: UploadFacts | None = None
    ) -> Any:
        """Validate in OSS's order (callback, then callback-var, then lengths) and render a preview."""
        facts = facts or sample_facts()
        d = cls(dict(callback_obj), dict(vars_obj or {}), facts=facts)
        try:
            d.params = CallbackParams.from_json(d.callback_obj)
            # OSS accepts keys without ``x:`` and ignores them (docs/callback-var-keys.md); the kit
            # leaves them out of what it builds and lint says so.
            d.variables = CallbackVars.accepted(d.vars_obj) if d.vars_obj else None
            d.transports = render_transports(d.params, d.variables)
        except CallbackParamError as exc:
            d.error = exc
            return d
        d.preview = render_body(d.params.body, d.params.body_type, facts, d.vars_obj)
        d.warnings = lint(d.params, d.vars_obj, d.preview)
        return d

    @classmethod
    def from_text(cls, text: str, *, facts: UploadFacts | None = None) -> Any:
        """Parse ``text`` (JSON or ``key: value`` lines) and evaluate it; a parse error is the 400."""
        try:
            callback_obj, vars_obj = parse_definition(text)
        except CallbackParamError as exc:
            return cls({}, {}, error=exc)
        return cls.evaluate(callback_obj, vars_obj, facts=facts)


def lint(params: CallbackParams, custom: dict[str, Any], preview: RenderedBody) -> list[str]:
    """Things OSS accepts but that surprise people (spec P2, P7; §1.1 private addresses)."""
    out: list[str] = []
    for name in dict.fromkeys(preview.unknown):
        if name.startswith("x:"):
            out.append(f"${{{name}}} has no value in callback-var: what OSS sends for it is undocumented "
                       "(the kit sends it empty).")
        else:
            out.append(f"${{{name}}} is not an OSS system variable (names are case-sensitive): what OSS sends for "
                       "it is undocumented (the kit sends it empty).")
    for name in ignored_var_keys(custom):
        out.append(f"{name} does not start with x:, so OSS accepts the callback-var and (inferred) ignores this "
                   f"key (${{{name}}} would be a system variable); the kit leaves it out. Write x:{name.lower()} "
                   "to send it.")
    used = set(variables_in(params.body))
    for name in custom:
        if name.startswith("x:") and name not in used:
            out.append(f"{name} is defined but callbackBody does not reference it, so OSS will not send it.")
    for target in params.targets if params.enabled else []:
        if is_private_address(target.host):
            said = (f"real OSS answers 400 '{m.PRIVATE_ADDRESS.message}' (EC {m.PRIVATE_ADDRESS.ec})"
                    if documented_private(target.host) else
                    "the kit treats this as private (OSS documents refusing only loopback and RFC 1918 addresses)")
            out.append(f"{target.host} is a private address: {said}; only the local emulator can call it. "
                       "Use a tunnel for real OSS.")
        if target.scheme == "https" and params.sni is not True:
            out.append(f"{target.url} is HTTPS: set callbackSNI to true, or shared front ends may fail the TLS handshake.")
    if not params.enabled:
        out.append("callbackUrl is empty: OSS treats this as no callback at all.")
    return out
