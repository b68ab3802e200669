"""Turn a request line and Host header into bucket, key and query: path style (``/bucket/key``,
keys percent-encoded, ``%2F`` included) or virtual-host style (``bucket.localhost:port``,
``bucket.oss-cn-hangzhou.aliyuncs.com``, or ``bucket.<a configured domain>``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, unquote_to_bytes

from ._errors import OssError, invalid_object_name

MAX_KEY_BYTES = 1023
#: ``BUCKET.oss-<region>[-internal].aliyuncs.com`` and OSS's other ``oss-*`` endpoints: SDKs in
#: their default (virtual-host) mode send these Host headers even to an IP endpoint.
_OSS_DOMAIN = re.compile(r"^([a-z0-9][a-z0-9-]*)\.oss-[a-z0-9-]+(?:\.[a-z0-9-]+)*\.aliyuncs\.com$")


@dataclass(frozen=True)
class Route:
    """Where a request goes. ``query`` holds decoded ``(name, value)`` pairs in arrival order;
    ``raw_query`` is the query string as sent."""

    bucket: str | None
    key: str | None
    query: list[tuple[str, str]] = field(default_factory=list)
    raw_query: str = ""
    virtual_host: bool = False
    path: str = "/"

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.query)


def parse_query(raw: str) -> list[tuple[str, str]]:
    """Decode ``a=1&b&c=%2F``. In the query ``+`` means a space, as form encoding has it: oss2
    (through requests) sends ``prefix=a+b`` for ``a b`` and signs ``a b``; a real ``+`` arrives
    as ``%2B``. In the path ``+`` stays ``+``."""
    pairs = []
    for item in raw.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def _decode(text: str) -> str:
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_object_name() from None


def _virtual_bucket(host_header: str, domains: tuple[str, ...]) -> str | None:
    host = host_header.strip().lower()
    if host.startswith("["):
        return None
    host = host.rsplit(":", 1)[0] if ":" in host else host
    oss = _OSS_DOMAIN.match(host)
    if oss:
        return oss.group(1)
    for domain in domains:
        suffix = "." + domain.lower()
        if host.endswith(suffix) and len(host) > len(suffix):
            return host[: -len(suffix)]
    return None


def route(target: str, host_header: str, virtual_host_domains: tuple[str, ...]) -> Route:
    """Split ``target`` (origin form). Raises ``InvalidObjectName`` for undecodable keys."""
    if not target.startswith("/"):
        raise OssError(400, "InvalidURI", "Couldn't parse the specified URI.")
    path, _, raw_query = target.partition("?")
    query = parse_query(raw_query)
    bucket = _virtual_bucket(host_header, virtual_host_domains)
    if bucket is not None:
        rest = path[1:]
        return Route(bucket, _decode(rest) if rest else None, query, raw_query, True, path)
    trimmed = path[1:]
    if not trimmed:
        return Route(None, None, query, raw_query, False, path)
    first, sep, rest = trimmed.partition("/")
    bucket = _decode(first)
    key = _decode(rest) if sep and rest else None
    return Route(bucket, key, query, raw_query, False, path)


def path_style_alternative(r: Route) -> Route | None:
    """The path-style reading of a virtual-host request whose path starts with its own bucket.

    ``Host: demo.oss-cn-hangzhou.aliyuncs.com`` with ``/demo/k`` is key ``demo/k`` in virtual-host
    style, but ali-oss with an IP endpoint and ``sldEnable`` sends exactly that for key ``k``
    (it sets Host to ``BUCKET.oss-<region>.aliyuncs.com`` whenever the endpoint is an IP). Only
    the signature can tell them apart; ``None`` when the request is not ambiguous.
    """
    if not r.virtual_host or r.bucket is None:
        return None
    first, sep, rest = r.path[1:].partition("/")
    if _decode(first) != r.bucket:
        return None
    return Route(r.bucket, _decode(rest) if sep and rest else None, r.query, r.raw_query, False, r.path)


def check_key(key: str) -> None:
    """OSS's naming rule, plus NUL: 1-1023 UTF-8 bytes, not starting with ``/`` or ``\\``.

    Keys never become file names (storage hashes them), so ``..`` is harmless and allowed as OSS
    allows it.
    """
    size = len(key.encode("utf-8"))
    if size == 0 or size > MAX_KEY_BYTES or key[0] in "/\\" or "\x00" in key:
        raise invalid_object_name()
