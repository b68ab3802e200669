"""Public keys for callback verification: OSS's official key pinned, an allowlist for the rest,
bounded fetching and a cache. An untrusted key URL is never fetched."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from .._cliargs import check_public_key_pem
from ..callback.signing import load_public_key
from ..errors import KeyFetchError, UntrustedKeyURLError

#: OSS's callback public key (RSA-512), public data; every real OSS callback verifies with it.
OFFICIAL_PUBLIC_KEY_PEM = b"""-----BEGIN PUBLIC KEY-----
MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
-----END PUBLIC KEY-----
"""
OFFICIAL_KEY_URLS = (
    "https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
    "http://gosspublic.alicdn.com/callback_pub_key_v1.pem",
)
#: OSS's official key host: the only prefixes trusted without being asked.
OFFICIAL_PREFIXES = ("https://gosspublic.alicdn.com/", "http://gosspublic.alicdn.com/")

MAX_KEY_BYTES = 16 * 1024
FETCH_TIMEOUT = 3.0
#: After a fetch runs out of time, the same URL fails at once for this long: callbacks queued
#: behind the slow fetch must not each wait another full deadline (OSS gives up after 5 s).
TIMEOUT_MEMORY = 10.0


class KeyFetchTimeout(KeyFetchError):
    """The key server did not deliver the key within the total deadline."""


def normalize_prefix(prefix: str) -> str:
    """A prefix naming only a host (``http://127.0.0.1:9000``) gets a ``/`` so that it cannot also
    match ``http://127.0.0.1:90001`` or ``http://127.0.0.1:9000.evil``."""
    parts = urlsplit(prefix)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"trusted key URL prefix must be an http(s) URL, got {prefix!r}")
    return prefix if parts.path else prefix + "/"


#: A '.' or '..' segment, however it ends: '/', '?', '#', ';', a backslash or the end.
_DOT_SEGMENT = re.compile(rb"(?:^|[/?#;\\])\.\.?(?:[/?#;\\]|$)")
#: An encoded '/', backslash or '%': a key server that decodes them could resolve a path elsewhere.
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|5c|25)", re.IGNORECASE)


def _ambiguous(url: str) -> bool:
    """A URL whose fetch could leave its prefix (issue #25 item 8, the rule of the six exported
    receivers too): a ``.``/``..`` segment once percent-decoded, however it ends (``PREFIX..?x=1``,
    ``PREFIX%2e%2e``), an encoded ``/``, backslash or ``%`` (``PREFIX..%2fevil.pem``), a
    backslash, userinfo or a fragment."""
    if "\\" in url or "#" in url or "@" in url or _ENCODED_SEPARATOR.search(url):
        return True
    return _DOT_SEGMENT.search(unquote_to_bytes(url)) is not None


def _bad_url(url: str) -> str | None:
    """Why ``url`` cannot be fetched as given, or ``None``: control characters, spaces or
    non-ASCII would make the HTTP client raise (or a request line unsafe)."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return "it contains a control character or a space"
    if not url.isascii():
        return "it contains non-ASCII characters"
    return None


class _Deadline:
    """Shuts the fetch's socket down when the total time is up: httpx's timeouts are per read,
    so a server dripping a byte a second could otherwise hold a fetch (and the callbacks
    waiting for that key) for as long as it likes."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                if sock is not None:
                    self._sockets.append(sock)
                expired = self.expired
            if expired and sock is not None:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _http_fetch(url: str, timeout: float, max_bytes: int) -> bytes:
    """GET ``url`` within ``timeout`` seconds in total (connect, headers and body together)."""
    import httpx

    reason = _bad_url(url)
    if reason is not None:
        raise KeyFetchError(f"The key URL {url!r} cannot be fetched: {reason}.",
                            hint="OSS sends a plain http(s) URL: the x-oss-pub-key-url header was altered or forged.")
    deadline = _Deadline(timeout)
    try:
        with deadline, httpx.Client(timeout=timeout, follow_redirects=False) as client, client.stream(
                "GET", url, extensions={"trace": deadline.trace}) as resp:
            if resp.status_code != 200:
                raise KeyFetchError(
                    f"GET {url} answered {resp.status_code}, not 200.", url=url, status_code=resp.status_code,
                    hint="Check that the key server is up and serves the PEM at this path.",
                )
            data = b""
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    raise KeyFetchError(
                        f"The key at {url} is larger than {max_bytes} bytes; refusing it.", url=url, status_code=200,
                        hint="A PEM public key is well under 4 KB: is this URL really a key?",
                    )
            if deadline.expired:
                raise httpx.ReadTimeout("total deadline")
            return data
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        if deadline.expired:
            raise KeyFetchTimeout(
                f"Fetching the public key from {url} took longer than {timeout:g} s in total; gave up.",
                hint="The key server is too slow (OSS itself gives a callback 5 s). Pin the key with public_key=...",
            ) from None
        raise KeyFetchError(
            f"Could not fetch the public key from {url}: {exc.__class__.__name__}: {exc}", url=url,
            hint="Is the key server reachable from here? Pin the key with public_key=... to work offline.",
        ) from None


@dataclass(frozen=True)
class ResolvedKey:
    key: rsa.RSAPublicKey
    pem: bytes
    source: str  # "pinned", "given", "cache" or "fetched"


class KeyResolver:
    """Turns a decoded key URL into a public key, under an allowlist.

    ``trusted_prefixes`` add to OSS's official host. ``public_key`` (PEM) overrides every URL,
    for captured requests signed by a key you hold. Thread-safe; fetched keys are cached forever,
    as OSS advises ("the key content never changes").
    """

    def __init__(
        self,
        trusted_prefixes: Iterable[str] = (),
        *,
        public_key: bytes | None = None,
        timeout: float = FETCH_TIMEOUT,
        max_bytes: int = MAX_KEY_BYTES,
        fetch: Callable[[str, float, int], bytes] = _http_fetch,
    ) -> None:
        self.trusted_prefixes = tuple(OFFICIAL_PREFIXES) + tuple(normalize_prefix(p) for p in trusted_prefixes)
        # b"" is refused, not ignored: an empty key file must not silently fall back to key URLs
        self.given = load_public_key(check_public_key_pem(public_key)) if public_key is not None else None
        self.given_pem = public_key
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._fetch = fetch
        self._cache: dict[str, tuple[rsa.RSAPublicKey, bytes]] = {
            url: (load_public_key(OFFICIAL_PUBLIC_KEY_PEM), OFFICIAL_PUBLIC_KEY_PEM) for url in OFFICIAL_KEY_URLS
        }
        self._lock = threading.Lock()
        self._timed_out: dict[str, tuple[float, str]] = {}  # url -> (monotonic time, message)
        self.fetch_count = 0

    def trust(self, prefix: str) -> None:
        self.trusted_prefixes = self.trusted_prefixes + (normalize_prefix(prefix),)

    def is_trusted(self, url: str) -> bool:
        """Under a prefix that ends with ``/``; a prefix naming a file (``.../key.pem``) trusts that
        URL and what lies below it, never ``.../key.pem-evil``. URLs a fetch could resolve
        elsewhere (dot segments, ``\\``, userinfo, a fragment) are never trusted."""
        if _ambiguous(url):
            return False
        return any(url.startswith(p) if p.endswith("/") else url == p or url.startswith(p + "/")
                   for p in self.trusted_prefixes)

    def resolve(self, url: str) -> ResolvedKey:
        if self.given is not None and self.given_pem is not None:
            return ResolvedKey(self.given, self.given_pem, "given")
        if not self.is_trusted(url):
            raise UntrustedKeyURLError(
                f"The key URL {url!r} is not on the allowlist, so it was not fetched.",
                hint="Trust it only if you run that server: trust_key_url=PREFIX / --trust-key-url PREFIX.",
            )
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None:
            source = "pinned" if url in OFFICIAL_KEY_URLS else "cache"
            return ResolvedKey(cached[0], cached[1], source)
        with self._lock:
            when, message = self._timed_out.get(url, (0.0, ""))
        if when and time.monotonic() - when < TIMEOUT_MEMORY:
            raise KeyFetchTimeout(f"{message} (not retried for {TIMEOUT_MEMORY:g} s)",
                                  hint="The key server is too slow. Pin the key with public_key=... / --public-key.")
        try:
            pem = self._fetch(url, self.timeout, self.max_bytes)
        except KeyFetchTimeout as exc:
            with self._lock:
                self._timed_out[url] = (time.monotonic(), exc.message)
            raise
        try:
            key = load_public_key(pem)
        except ValueError as exc:
            raise KeyFetchError(
                f"{url} did not serve an RSA public key in PEM form ({exc}).", url=url,
                hint="The body must start with -----BEGIN PUBLIC KEY-----.",
            ) from None
        with self._lock:
            self._cache[url] = (key, pem)
            self.fetch_count += 1
        return ResolvedKey(key, pem, "fetched")
