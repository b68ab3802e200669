"""Render ``callbackBody`` for one stored object, as OSS substitutes variables (spec §1.3, §2).

Form bodies get RFC 3986 percent-encoded values (``/`` -> ``%2F``, space -> ``%20``). JSON bodies
get strings as quoted JSON strings and ``size``, ``crc64`` and the image sizes as bare numbers.
Only the literal ``${...}`` form is substituted; names are case-sensitive.

Unknown variables (a misspelt system variable, or ``${x:name}`` missing from callback-var) become
empty (``""`` in JSON bodies) and are listed in :attr:`RenderedBody.unknown`, so tools can warn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from ..params.model import JSON

VARIABLE = re.compile(r"\$\{([^{}]+)\}")

SYSTEM_VARIABLES = (
    "bucket", "object", "etag", "size", "mimeType", "imageInfo.height", "imageInfo.width",
    "imageInfo.format", "crc64", "contentMd5", "vpcId", "clientIp", "reqId", "operation",
)
NUMERIC_VARIABLES = frozenset({"size", "crc64", "imageInfo.height", "imageInfo.width"})


@dataclass(frozen=True)
class UploadFacts:
    """What OSS knows about a stored object when it renders the body."""

    bucket: str
    object: str
    etag: str
    size: int
    mime_type: str = "application/octet-stream"
    crc64: int | None = None
    content_md5: str = ""
    image_height: int | None = None
    image_width: int | None = None
    image_format: str = ""
    vpc_id: str = ""
    client_ip: str = "127.0.0.1"
    req_id: str = ""
    operation: str = "PutObject"

    def system_values(self) -> dict[str, str | int | None]:
        """System variable name -> value (``None`` where OSS leaves it empty)."""
        return {
            "bucket": self.bucket,
            "object": self.object,
            "etag": self.etag.strip('"').upper(),
            "size": self.size,
            "mimeType": self.mime_type,
            "imageInfo.height": self.image_height,
            "imageInfo.width": self.image_width,
            "imageInfo.format": self.image_format or None,
            "crc64": self.crc64,
            "contentMd5": self.content_md5 or None,
            "vpcId": self.vpc_id or None,
            "clientIp": self.client_ip,
            "reqId": self.req_id,
            "operation": self.operation,
        }


@dataclass(frozen=True)
class RenderedBody:
    body: bytes
    unknown: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def _json_value(name: str, value: str | int | None) -> str:
    if name == "vpcId" and value is None:
        return "null"  # observed in real JSON callbacks (spec §1.3)
    if value is None:
        return '""'
    if name in NUMERIC_VARIABLES:
        return str(int(value))
    return json.dumps(str(value), ensure_ascii=False)


def _form_value(value: str | int | None) -> str:
    return "" if value is None else quote(str(value), safe="")


def render_body(
    template: str, body_type: str, facts: UploadFacts, custom: Mapping[str, str] | None = None
) -> RenderedBody:
    """Substitute every ``${...}`` in ``template``; returns the exact bytes OSS would send."""
    system = facts.system_values()
    custom = custom or {}
    as_json = body_type.lower() == JSON
    unknown: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("x:"):
            value: str | int | None = custom.get(name)
            known = name in custom
        else:
            value = system.get(name)
            known = name in system
        if not known:
            unknown.append(name)
            return '""' if as_json else ""
        if as_json:
            # custom variables are always strings, even when they look numeric
            return json.dumps(str(value), ensure_ascii=False) if name.startswith("x:") else _json_value(name, value)
        return _form_value(value)

    return RenderedBody(VARIABLE.sub(substitute, template).encode("utf-8"), tuple(unknown))


def variables_in(template: str) -> list[str]:
    """The variable names a template references, in order."""
    return VARIABLE.findall(template)
