"""The ``callback`` and ``callback-var`` parameters as typed values, validated as OSS does."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CallbackParamError
from . import messages as m
from .urls import CallbackTarget, parse_callback_url, split_callback_urls

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
BODY_TYPES = (FORM, JSON)

_RESERVED_HEADERS = {
    "content-type", "content-length", "host", "authorization", "user-agent",
    "content-md5", "expect", "upgrade", "keep-alive",
}
_HEADER_NAME = re.compile(r"^[0-9a-z-]+$")
# A "${" that is never closed, or a "${}" with nothing inside, is a malformed variable.
_BAD_VARIABLE = re.compile(r"\$\{(?![^{}]+\})")


def _fail(msg: m.OssMessage, value: str, name: str = "callback") -> CallbackParamError:
    return CallbackParamError(msg.message, ec=msg.ec, argument_name=name, argument_value=value, hint=msg.hint)


@dataclass(frozen=True)
class CallbackParams:
    """The decoded ``callback`` JSON.

    ``url`` is the raw ``callbackUrl`` (``;``-separated). ``extra`` keeps fields the kit passes
    through unchanged (``callbackPolicy``, ``signatureVersion``, ``additionalHeaders``).
    """

    url: str
    body: str
    body_type: str = FORM
    host: str | None = None
    sni: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def targets(self) -> list[CallbackTarget]:
        """The URLs OSS tries, in order."""
        return [parse_callback_url(u) for u in split_callback_urls(self.url)]

    @property
    def enabled(self) -> bool:
        """An empty ``callbackUrl`` means no callback at all (spec §1.1)."""
        return bool(self.url.strip())

    def to_json(self) -> dict[str, Any]:
        """The JSON object with OSS's field names, in the order the docs use."""
        out: dict[str, Any] = {"callbackUrl": self.url}
        if self.host is not None:
            out["callbackHost"] = self.host
        out["callbackBody"] = self.body
        out["callbackBodyType"] = self.body_type
        if self.sni is not None:
            out["callbackSNI"] = self.sni
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], *, raw: str | None = None) -> CallbackParams:
        """Validate a decoded ``callback`` object and build the model; errors carry OSS's message."""
        text = raw if raw is not None else json.dumps(obj, ensure_ascii=False)
        if not isinstance(obj, Mapping):
            raise _fail(m.CALLBACK_NOT_JSON, text)
        url = obj.get("callbackUrl")
        if not isinstance(url, str):
            raise _fail(m.URL_INVALID, text)
        if url.strip():
            for target in split_callback_urls(url):
                parse_callback_url(target)
        host = obj.get("callbackHost")
        if host is not None and (not isinstance(host, str) or any(c.isspace() for c in host)):
            raise _fail(m.HOST_INVALID, text)
        body = obj.get("callbackBody", "")
        if not isinstance(body, str):
            raise _fail(m.BODY_INVALID, text)
        if body == "":
            raise _fail(m.BODY_EMPTY, text)
        if _BAD_VARIABLE.search(body):
            raise _fail(m.BODY_INVALID, text)
        body_type = obj.get("callbackBodyType", FORM)
        if not isinstance(body_type, str):
            raise _fail(m.BODY_TYPE_INVALID, text)
        if body_type.strip().lower() not in BODY_TYPES:
            raise _fail(m.BODY_TYPE_UNSUPPORTED, text)
        sni = obj.get("callbackSNI")
        if sni is not None and not isinstance(sni, bool):
            raise _fail(m.SNI_INVALID, text)
        version = obj.get("signatureVersion")
        if version == "2.0":
            raise _fail(m.SIGNATURE_VERSION_UNSUPPORTED, text)
        if version is not None and version != "1.0":
            raise _fail(m.SIGNATURE_VERSION_INVALID, text)
        headers = obj.get("additionalHeaders")
        if headers is not None and not _valid_additional_headers(headers):
            raise _fail(m.ADDITIONAL_HEADERS_INVALID, text)
        known = {"callbackUrl", "callbackHost", "callbackBody", "callbackBodyType", "callbackSNI"}
        extra = {k: v for k, v in obj.items() if k not in known}
        return cls(
            url=url, body=body, body_type=body_type.strip().lower(), host=host, sni=sni, extra=extra
        )


def is_custom_var_key(key: str) -> bool:
    """A custom variable's key: ``x:`` and a name, all lowercase (OSS's documented rule)."""
    return key.startswith("x:") and len(key) > 2 and key == key.lower()


def ignored_var_keys(obj: Mapping[str, object]) -> list[str]:
    """The keys of a ``callback-var`` object that OSS accepts but ignores (no ``x:`` prefix)."""
    return [k for k in obj if not k.startswith("x:")]


def _valid_additional_headers(headers: object) -> bool:
    if not isinstance(headers, Mapping) or len(headers) > 10:
        return False
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return False
        if not _HEADER_NAME.match(name) or name.startswith("x-oss-") or name in _RESERVED_HEADERS:
            return False
    return True


@dataclass(frozen=True)
class CallbackVars:
    """The ``callback-var`` object the kit builds: custom variables whose keys start with ``x:`` and
    are lowercase. What OSS *accepts* is wider, see :meth:`accepted` and docs/callback-var-keys.md."""

    values: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        CallbackVars.check(self.values)

    @staticmethod
    def check(obj: object, raw: str | None = None) -> None:
        """Raise OSS's ``callback-var`` error unless ``obj`` is a lowercase ``x:``-keyed string map."""
        text = raw if raw is not None else json.dumps(obj, ensure_ascii=False, default=str)
        if not isinstance(obj, Mapping):
            raise _fail(m.VAR_NOT_JSON, text, "callback-var")
        for key, value in obj.items():
            if not isinstance(key, str) or not is_custom_var_key(key) or not isinstance(value, str):
                raise _fail(m.VAR_NOT_JSON, text, "callback-var")

    @staticmethod
    def accepted(obj: object, raw: str | None = None) -> CallbackVars:
        """What OSS does with a decoded ``callback-var``: a JSON object of string values is accepted;
        keys that do not start with ``x:`` are ignored (they can never be referenced, since
        ``${name}`` is a system variable); an ``x:`` key must be a valid custom variable name."""
        text = raw if raw is not None else json.dumps(obj, ensure_ascii=False, default=str)
        if not isinstance(obj, Mapping) or not all(isinstance(v, str) for v in obj.values()):
            raise _fail(m.VAR_NOT_JSON, text, "callback-var")
        custom = {k: v for k, v in obj.items() if k.startswith("x:")}
        CallbackVars.check(custom, raw=text)
        return CallbackVars(custom)

    def to_json(self) -> dict[str, str]:
        return dict(self.values)

    def __bool__(self) -> bool:
        return bool(self.values)
