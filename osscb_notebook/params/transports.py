"""The three ways a client carries ``callback``/``callback-var`` to OSS (spec §2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ..errors import CallbackParamError
from . import messages as m
from .codec import encode_callback, encode_callback_var
from .model import CallbackParams, CallbackVars


@dataclass(frozen=True)
class Transports:
    """Every rendering of one callback definition, ready to copy."""

    callback: str
    callback_var: str | None
    headers: dict[str, str]
    query: dict[str, str]
    form_fields: dict[str, str]
    policy_condition: dict[str, str]

    @property
    def query_string(self) -> str:
        return urlencode(self.query)


def render_transports(params: CallbackParams, variables: CallbackVars | None = None) -> Transports:
    """Header, presigned-query and PostObject renderings. In a form each ``x:`` variable is its own
    field: OSS does not take a ``callback-var`` blob there."""
    cb = encode_callback(params)
    cv = encode_callback_var(variables) if variables else None
    headers = {"x-oss-callback": cb}
    query = {"callback": cb}
    form = {"callback": cb}
    if cv is not None and variables is not None:
        headers["x-oss-callback-var"] = cv
        query["callback-var"] = cv
        form.update(variables.to_json())
    return Transports(cb, cv, headers, query, form, {"callback": cb})


def pick_transport(
    header_value: str | None, query_value: str | None, *, var: bool = False
) -> str | None:
    """The one value OSS uses; both header and query present is OSS's documented 400."""
    if header_value is not None and query_value is not None:
        msg = m.BOTH_VAR_HEADER_AND_QUERY if var else m.BOTH_HEADER_AND_QUERY
        raise CallbackParamError(
            msg.message, ec=msg.ec, argument_name="callback-var" if var else "callback",
            argument_value=query_value, hint=msg.hint,
        )
    return header_value if header_value is not None else query_value
