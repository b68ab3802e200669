"""HTTP/1.1 plumbing shared by the emulator, the receiver and the test support: a case-insensitive
``Headers`` list, request-target splitting, message framing (RFC 9112 section 6), one body reader
that never takes a short or malformed body for a complete one, and a quiet threading server."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any, Protocol

logger = logging.getLogger(__name__)

#: OSS reads at most this much of a callback server's reply; the receiver's default body cap too.
REPLY_CAP = 1024 * 1024
#: Pending connections the kernel queues; the stdlib's 5 drops a classroom's burst of requests.
LISTEN_BACKLOG = 1024
#: The path suffix the receiver answers without verifying, for tunnel reachability checks.
PING_SUFFIX = "/_osscb_ping"
CHUNK = 64 * 1024
#: Content-Length values with more digits than this are "too large" for every limit we have.
_MAX_DIGITS = 18
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_MAX_LINE = 4096  # a chunk-size line or a trailer line
_MAX_TRAILERS = 64


class Headers:
    """Header fields in arrival order (duplicates kept); look-ups ignore case."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        name = name.lower()
        return next((v for k, v in self._items if k.lower() == name), default)

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self._items if k.lower() == name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of ``name`` in a list of pairs, ignoring case."""
    return Headers(headers).get(name)


def split_target(target: str) -> tuple[str, str]:
    """``(path, query)`` of a request target, as sent (no decoding); query without the ``?``."""
    path, _, query = target.partition("?")
    return path, query


# ------------------------------------------------------------------------------------ errors

class WireError(Exception):
    """A request whose body cannot be read as framed. ``status`` is the HTTP answer; ``kind``
    tells servers which of their own error codes to use. The connection must be closed after it."""

    status = 400
    kind = "framing"

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind


class FramingError(WireError):
    """Unusable framing headers, a malformed chunked body, or a body shorter than announced."""


class BodyTooLarge(WireError):
    status = 413
    kind = "too-large"


class BodyTimeout(WireError):
    """The client stopped sending in the middle of its body."""

    status = 408
    kind = "timeout"


# ----------------------------------------------------------------------------------- framing

@dataclass(frozen=True)
class Framing:
    """How a request body is delimited: ``length`` bytes, or chunked (``length`` is None)."""

    length: int | None
    chunked: bool = False

    @property
    def empty(self) -> bool:
        return not self.chunked and self.length == 0


def _parse_length(values: list[str]) -> int:
    numbers = set()
    for value in values:
        for item in value.split(","):  # "5, 5" is a list of equal values (RFC 9110 section 8.6)
            item = item.strip(" \t")
            # only ASCII digits: int() would also take "1_0", "+5" or other scripts' digits
            if not (item.isascii() and item.isdigit()):
                raise FramingError(f"The Content-Length header {value!r} is not a non-negative integer.",
                                   kind="content-length")
            digits = item.lstrip("0") or "0"
            numbers.add(int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS)
    if len(numbers) != 1:
        raise FramingError("The request has Content-Length headers that disagree.", kind="content-length")
    return numbers.pop()


def framing_of(headers: Iterable[tuple[str, str]]) -> Framing:
    """The body framing RFC 9112 section 6.3 gives a request, or :class:`FramingError`:
    Content-Length with Transfer-Encoding, a transfer coding other than a lone ``chunked``,
    a Content-Length that is not ASCII digits, or Content-Lengths that disagree."""
    h = Headers(headers)
    lengths = h.get_all("content-length")
    codings = [c.strip(" \t").lower() for v in h.get_all("transfer-encoding") for c in v.split(",") if c.strip(" \t")]
    if h.get_all("transfer-encoding"):
        if lengths:
            raise FramingError("The request has both Content-Length and Transfer-Encoding.", kind="transfer-encoding")
        if codings != ["chunked"]:
            raise FramingError(f"Unsupported Transfer-Encoding {', '.join(h.get_all('transfer-encoding'))!r}; "
                               "only 'chunked' is accepted.", kind="transfer-encoding")
        return Framing(None, chunked=True)
    if lengths:
        return Framing(_parse_length(lengths))
    return Framing(0)


# ------------------------------------------------------------------------------- body reader

class Stream(Protocol):
    """What the body reader needs of a connection's read side (``rfile``)."""

    def read(self, n: int = ..., /) -> bytes: ...

    def readline(self, limit: int = ..., /) -> bytes: ...


class BodyReader:
    """Reads a request body as framed, without holding it in memory; ``read()`` gives ``b""`` at
    the end. A body that ends early, a malformed chunk, a stall past ``idle_timeout`` seconds
    (or past ``deadline``, a ``time.monotonic()`` value) or more than ``limit`` bytes raise a
    :class:`WireError` and mark the reader ``broken``: nothing after it on the connection can be
    trusted, so the server must answer and close."""

    def __init__(self, stream: Stream, framing: Framing, *, limit: int | None = None,
                 sock: socket.socket | None = None, idle_timeout: float | None = None,
                 deadline: float | None = None) -> None:
        self._stream = stream
        self.framing = framing
        self._remaining = framing.length
        self._chunk_left = 0
        self._done = framing.empty
        self._sock = sock
        self.idle_timeout = idle_timeout
        self.deadline = deadline
        self.limit = limit
        self.bytes_read = 0
        self.broken = False
        if limit is not None:
            self.set_limit(limit)

    @property
    def finished(self) -> bool:
        return self._done

    @property
    def declared_length(self) -> int | None:
        return self.framing.length

    @property
    def started(self) -> bool:
        return self.bytes_read > 0 or self._done or self._chunk_left > 0

    def set_limit(self, limit: int) -> None:
        """Refuse bodies over ``limit`` bytes: at once if the declared length is over it."""
        self.limit = limit
        if self.framing.length is not None and self.framing.length > limit:
            raise BodyTooLarge(f"The declared body of {self.framing.length} bytes is over the {limit}-byte limit.")

    def read(self, n: int = CHUNK) -> bytes:
        if self._done or n <= 0:
            return b""
        if self.broken:
            raise FramingError("The request body could not be read.")
        try:
            data = self._read_chunked(n) if self.framing.chunked else self._read_fixed(n)
        except WireError:
            self.broken = True
            raise
        except TimeoutError:
            self.broken = True
            raise BodyTimeout("The client stopped sending its request body.") from None
        except OSError:
            self.broken = True
            raise FramingError("The connection closed in the middle of the request body.", kind="short") from None
        self.bytes_read += len(data)
        if self.limit is not None and self.bytes_read > self.limit:
            self.broken = True
            raise BodyTooLarge(f"The body is over the {self.limit}-byte limit.")
        return data

    def _wait_budget(self) -> None:
        if self._sock is None or (self.idle_timeout is None and self.deadline is None):
            return
        timeout = self.idle_timeout
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise BodyTimeout("The client did not send its request body in time.")
            timeout = left if timeout is None else min(timeout, left)
        self._sock.settimeout(timeout)

    def _raw_read(self, n: int) -> bytes:
        self._wait_budget()
        return self._stream.read(n)

    def _raw_line(self) -> bytes:
        self._wait_budget()
        return self._stream.readline(_MAX_LINE + 1)

    def _read_fixed(self, n: int) -> bytes:
        assert self._remaining is not None
        data = self._raw_read(min(n, self._remaining))
        if not data:
            raise FramingError(f"The request body ended {self._remaining} bytes short of its Content-Length.",
                               kind="short")
        self._remaining -= len(data)
        if self._remaining == 0:
            self._done = True
        return data

    def _line(self) -> bytes:
        line = self._raw_line()
        if not line:
            raise FramingError("The chunked request body ended early.", kind="short")
        if not line.endswith(b"\r\n"):
            if len(line) > _MAX_LINE:
                raise FramingError("Malformed chunked request body: a line is too long.", kind="chunk")
            if not line.endswith(b"\n"):
                raise FramingError("The chunked request body ended early.", kind="short")
            raise FramingError("Malformed chunked request body: a line does not end with CRLF.", kind="chunk")
        return line[:-2]

    def _read_chunked(self, n: int) -> bytes:
        if self._chunk_left == 0:
            size_text = self._line().split(b";", 1)[0].strip(b" \t")
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise FramingError(f"Malformed chunked request body: chunk size {size_text[:40]!r}.", kind="chunk")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(_MAX_TRAILERS):
                    if not self._line():
                        self._done = True
                        return b""
                raise FramingError("Malformed chunked request body: too many trailer fields.", kind="chunk")
            self._chunk_left = size
        data = self._raw_read(min(n, self._chunk_left))
        if not data:
            raise FramingError("The chunked request body ended early.", kind="short")
        self._chunk_left -= len(data)
        if self._chunk_left == 0:
            end = self._raw_read(2)
            if end != b"\r\n":
                if len(end) < 2 and b"\r\n".startswith(end):
                    raise FramingError("The chunked request body ended early.", kind="short")
                raise FramingError("Malformed chunked request body: a chunk is longer than its size.", kind="chunk")
        return data

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        while data := self.read(size):
            yield data

    def read_all(self, limit: int | None = None) -> bytes:
        """The whole body; more than ``limit`` bytes raises :class:`BodyTooLarge`."""
        if limit is not None and (self.limit is None or limit < self.limit):
            self.set_limit(limit)
        return b"".join(self.chunks())

    def drain(self, limit: int) -> bool:
        """Discard what is left; False if more than ``limit`` bytes remain or the body is broken
        (close the connection then)."""
        seen = 0
        try:
            while not self._done:
                seen += len(self.read())
                if seen > limit:
                    return False
        except WireError:
            return False
        return True


# ------------------------------------------------------------------------------------ server

class QuietHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that never prints: one daemon thread per connection, a deep
    listen backlog, and connection errors handed to :meth:`report_error` (logged at debug)."""

    daemon_threads = True  # a client holding a keep-alive connection must not block stop()
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        # the stdlib prints the traceback to stderr, which lands in whatever cell runs next
        self.report_error(client_address)

    def report_error(self, client_address: Any) -> None:
        logger.debug("connection error from %s", client_address, exc_info=True)
