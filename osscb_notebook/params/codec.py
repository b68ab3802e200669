"""Base64 JSON encoding of ``callback`` / ``callback-var``, decoded and checked in OSS's order:
length, then Base64, then JSON, then the fields (spec §1.7, §4.4)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from ..errors import CallbackParamError
from . import messages as m
from .model import CallbackParams, CallbackVars

MAX_PARAM_LENGTH = 5 * 1024


def b64_json(obj: Mapping[str, Any]) -> str:
    """Base64 of compact UTF-8 JSON, keys in the order given; no size check."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _decode(value: str, *, name: str, too_long: m.OssMessage, not_b64: m.OssMessage, not_json: m.OssMessage) -> tuple[Any, str]:
    def fail(msg: m.OssMessage, shown: str) -> CallbackParamError:
        return CallbackParamError(msg.message, ec=msg.ec, argument_name=name, argument_value=shown, hint=msg.hint)

    value = value.strip()
    if len(value) > MAX_PARAM_LENGTH:
        raise fail(too_long, value[:64] + "...")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise fail(not_b64, value) from None
    try:
        text = raw.decode("utf-8")
        obj = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise fail(not_json, raw.decode("utf-8", "replace")) from None
    return obj, text


def decode_callback(value: str) -> CallbackParams:
    """Decode and validate a Base64 ``callback`` value; raises :class:`CallbackParamError`."""
    obj, text = _decode(
        value, name="callback", too_long=m.CALLBACK_TOO_LONG, not_b64=m.CALLBACK_NOT_BASE64,
        not_json=m.CALLBACK_NOT_JSON,
    )
    if not isinstance(obj, dict):
        raise CallbackParamError(
            m.CALLBACK_NOT_JSON.message, ec=m.CALLBACK_NOT_JSON.ec, argument_value=text, hint=m.CALLBACK_NOT_JSON.hint
        )
    return CallbackParams.from_json(obj, raw=text)


def decode_callback_var(value: str) -> CallbackVars:
    """Decode a Base64 ``callback-var`` value as OSS does: keys without ``x:`` are accepted and
    dropped (see :meth:`CallbackVars.accepted`); raises :class:`CallbackParamError`."""
    obj, text = _decode(
        value, name="callback-var", too_long=m.VAR_TOO_LONG, not_b64=m.VAR_NOT_BASE64, not_json=m.VAR_NOT_JSON,
    )
    return CallbackVars.accepted(obj, raw=text)


def encode_callback(params: CallbackParams | Mapping[str, Any]) -> str:
    """Validate and encode ``callback``; over 5 KB raises OSS's length error."""
    if not isinstance(params, CallbackParams):
        params = CallbackParams.from_json(params)
    value = b64_json(params.to_json())
    if len(value) > MAX_PARAM_LENGTH:
        msg = m.CALLBACK_TOO_LONG
        raise CallbackParamError(msg.message, ec=msg.ec, argument_value=value[:64] + "...", hint=msg.hint)
    return value


def encode_callback_var(variables: CallbackVars | Mapping[str, str]) -> str:
    """Validate and encode ``callback-var``; over 5 KB raises OSS's length error."""
    if not isinstance(variables, CallbackVars):
        variables = CallbackVars(dict(variables))
    value = b64_json(variables.to_json())
    if len(value) > MAX_PARAM_LENGTH:
        msg = m.VAR_TOO_LONG
        raise CallbackParamError(
            msg.message, ec=msg.ec, argument_name="callback-var", argument_value=value[:64] + "...", hint=msg.hint
        )
    return value
