"""The tunnel interface: a public callback URL for a local port, and a clean close."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..redact import redact

_OPEN: list[Tunnel] = []
_OPEN_LOCK = threading.Lock()


@dataclass(eq=False)
class Tunnel:
    """An open tunnel. ``public_url`` is the base callbackUrl (it may carry a token: never print
    it; ``repr``/``str``/``display_url`` mask it). ``callback_url(path)`` builds a full URL."""

    provider: str
    public_url: str
    local_port: int
    warning: str = ""
    details: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    _closer: Callable[[], None] | None = field(default=None, repr=False)
    _alive: Callable[[], bool] | None = field(default=None, repr=False)
    closed: bool = False

    def __post_init__(self) -> None:
        with _OPEN_LOCK:
            _OPEN.append(self)

    def callback_url(self, path: str = "/", query: Mapping[str, str] | str | None = None) -> str:
        """``public_url`` with ``path`` appended and ``query`` added after any query it carries."""
        parts = urlsplit(self.public_url)
        base = parts.path.rstrip("/")
        full_path = base + "/" + path.lstrip("/")
        extra = query if isinstance(query, str) else urlencode(query or {})
        q = "&".join(x for x in (parts.query, extra) if x)
        return urlunsplit((parts.scheme, parts.netloc, full_path, q, ""))

    @property
    def alive(self) -> bool:
        """False once closed, or when the process behind it (ssh, ngrok) has exited."""
        return not self.closed and (self._alive is None or self._alive())

    @property
    def display_url(self) -> str:
        return redact(self.public_url, self.secrets)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with _OPEN_LOCK:
            if self in _OPEN:
                _OPEN.remove(self)
        if self._closer is not None:
            self._closer()

    def __enter__(self) -> Tunnel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self.alive else "closed"
        return f"<Tunnel {self.provider} {self.display_url} -> 127.0.0.1:{self.local_port} {state}>"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        from html import escape

        warn = f"<br><b>Warning:</b> {escape(self.warning)}" if self.warning else ""
        return f"<code>{escape(repr(self))}</code>{warn}"


def open_tunnels() -> list[Tunnel]:
    with _OPEN_LOCK:
        return list(_OPEN)


def close_all_tunnels() -> int:
    tunnels = open_tunnels()
    for t in tunnels:
        t.close()
    return len(tunnels)


atexit.register(close_all_tunnels)
