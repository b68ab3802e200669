"""Parse the ``callbackUrl`` field: up to five ``;``-separated URLs, scheme optional (spec §1.1)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import CallbackParamError
from . import messages as m

MAX_URLS = 5


@dataclass(frozen=True)
class CallbackTarget:
    """One URL OSS will POST to, split the way OSS sends it."""

    raw: str
    scheme: str
    host: str
    port: int
    path: str
    query: str

    @property
    def target(self) -> str:
        """The request target exactly as OSS sends it (raw path, ``?`` and raw query if any)."""
        return self.path + (f"?{self.query}" if self.query else "")

    @property
    def netloc(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.target}"


def _invalid(value: str) -> CallbackParamError:
    return CallbackParamError(m.URL_INVALID.message, ec=m.URL_INVALID.ec, argument_value=value, hint=m.URL_INVALID.hint)


def split_callback_urls(value: str) -> list[str]:
    """Split on ``;``; empty segments (a trailing ``;``) do not count."""
    parts = [p.strip() for p in value.split(";")]
    urls = [p for p in parts if p]
    if len(urls) > MAX_URLS:
        raise CallbackParamError(
            m.TOO_MANY_URLS.message, ec=m.TOO_MANY_URLS.ec, argument_value=value, hint=m.TOO_MANY_URLS.hint
        )
    return urls


def parse_callback_url(raw: str) -> CallbackTarget:
    """Parse one URL; a missing scheme means ``http`` (the docs' examples omit it)."""
    text = raw.strip()
    if not text or any(c.isspace() for c in text):
        raise _invalid(raw)
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced '[' ("Invalid IPv6 URL")
        raise _invalid(raw) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or "@" in parts.netloc or "[" in parts.netloc:
        raise _invalid(raw)
    host = parts.hostname or ""
    if not host or ":" in host:
        raise _invalid(raw)
    try:
        port = parts.port
    except ValueError:
        raise _invalid(raw) from None
    if port is None:
        # "host:" with nothing after the colon is no port at all.
        if parts.netloc.endswith(":"):
            raise _invalid(raw)
        port = 443 if scheme == "https" else 80
    if port <= 0:
        raise _invalid(raw)
    # urlsplit lowercases hostname; OSS sends Host as written, so keep the original spelling.
    original_host = parts.netloc.rsplit(":", 1)[0] if parts.port is not None else parts.netloc
    return CallbackTarget(
        raw=raw, scheme=scheme, host=original_host, port=port, path=parts.path or "/", query=parts.query
    )


#: The ranges OSS documents refusing (loopback and RFC 1918); the other non-public ranges that
#: ``is_private_address`` flags are the kit's extrapolation of "private".
_DOCUMENTED_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _localhost(host: str) -> bool:
    return host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost")


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def documented_private(host: str) -> bool:
    """True when OSS's documentation covers refusing ``host``: ``localhost``, loopback or RFC 1918."""
    ip = _literal(host)
    return _localhost(host) or ip is not None and (
        ip.version == 4 and any(ip in net for net in _DOCUMENTED_PRIVATE) or ip == ipaddress.ip_address("::1"))


def is_private_address(host: str) -> bool:
    """True for loopback, RFC 1918, link-local and unspecified literals, and ``localhost``.

    Names other than ``localhost`` need DNS to judge; callers that may do I/O resolve them first.
    """
    ip = _literal(host)
    return _localhost(host) or ip is not None and (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved)
