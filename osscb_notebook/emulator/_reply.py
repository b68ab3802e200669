"""Read an HTTP/1.1 reply under ONE deadline (issue #25 item 6, security review N1).

``http.client`` bounds each ``recv``, not the whole reply: an endless stream of ``100 Continue``, or
headers or a body trickled a byte at a time, kept a callback (and the probe) busy for minutes. Here
every ``recv`` first checks the monotonic deadline and waits at most what is left of it, interim
replies are capped, and header lines and counts are bounded as ``http.client`` bounds them.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

#: ``http.client``'s limits: one header line, and the number of header lines.
MAX_LINE = 65536
MAX_HEADERS = 100
#: ``100 Continue`` replies skipped before the reply counts as unreadable (``http.client`` had no cap).
MAX_INTERIM = 32
_CHUNK = 65536


class ReplyError(Exception):
    """The reply cannot be read as HTTP/1.x: ``kind`` is ``status_line`` (the first line is not
    ``HTTP/x.y NNN``, e.g. ``http/1.1 403``), ``interim`` (``100 Continue`` after ``100 Continue``,
    never a final status) or ``headers`` (too long, too many, or cut off). ``raw``: the line at fault."""

    def __init__(self, kind: str, detail: str, raw: bytes = b"") -> None:
        super().__init__(detail)
        self.kind, self.detail, self.raw = kind, detail, raw


class NoReply(Exception):
    """The connection closed before the first byte of a reply."""


@dataclass
class Head:
    """A final reply's status line and headers (names as sent, values decoded as Latin-1)."""

    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    interim: int = 0

    def get_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [v for k, v in self.headers if k.lower() == lower]

    def get(self, name: str) -> str | None:
        """All values of ``name`` joined with ``", "`` (as ``http.client``'s ``getheader``), or ``None``."""
        values = self.get_all(name)
        return ", ".join(values) if values else None


class DeadlineReader:
    """Buffered reads from ``sock`` that raise ``TimeoutError`` once ``deadline`` (monotonic) passes."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline = sock, deadline
        self.buf = bytearray()
        self.eof = False

    def _fill(self, until: float | None = None) -> bool:
        """Receive more bytes; ``False`` at end of stream. ``until`` may cut the wait shorter."""
        if self.eof:
            return False
        limit = self.deadline if until is None else min(self.deadline, until)
        left = limit - time.monotonic()
        if left <= 0:
            raise TimeoutError("reply deadline passed")
        self.sock.settimeout(left)
        data = self.sock.recv(_CHUNK)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def readline(self, limit: int = MAX_LINE) -> bytes | None:
        """One line with its ending; ``None`` at end of stream before a full line; ``ReplyError`` past ``limit``."""
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                if end + 1 > limit:
                    raise ReplyError("headers", f"a reply line longer than {limit} bytes")
                line = bytes(self.buf[: end + 1])
                del self.buf[: end + 1]
                return line
            if len(self.buf) > limit:
                raise ReplyError("headers", f"a reply line longer than {limit} bytes")
            if not self._fill():
                return None

    def read(self, n: int, until: float | None = None) -> bytes:
        """Up to ``n`` bytes: fewer only at end of stream (``TimeoutError`` at the deadline or ``until``)."""
        while len(self.buf) < n and self._fill(until):
            pass
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def pending(self) -> int:
        return len(self.buf)


def _status(line: bytes) -> tuple[str, int, str]:
    text = line.decode("iso-8859-1").rstrip("\r\n")
    version, _, rest = text.partition(" ")
    code, _, reason = rest.partition(" ")
    # http.client's rules: the version starts with "HTTP/" (case-sensitive), the status is 3 digits
    if not version.startswith("HTTP/") or len(code) != 3 or not code.isascii() or not code.isdigit():
        raise ReplyError("status_line", f"unparseable status line {text[:80]!r}", line[:256])
    return version, int(code), reason.strip()


def _headers(reader: DeadlineReader) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while True:
        line = reader.readline()
        if line is None:
            raise ReplyError("headers", "the connection closed in the middle of the reply headers")
        if line in (b"\r\n", b"\n"):
            return headers
        if len(headers) >= MAX_HEADERS:
            raise ReplyError("headers", f"more than {MAX_HEADERS} reply headers")
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and headers:  # obsolete line folding: part of the previous value
            name, value = headers[-1]
            headers[-1] = (name, value + " " + text.strip())
            continue
        name, sep, value = text.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))


def read_head(reader: DeadlineReader) -> Head:
    """The final reply's head, skipping up to :data:`MAX_INTERIM` ``100 Continue`` replies."""
    interim = 0
    while True:
        line = reader.readline()
        if line is None:
            if interim == 0 and not reader.buf:
                raise NoReply
            raise ReplyError("status_line", "the connection closed in the middle of the status line")
        version, status, reason = _status(line)
        headers = _headers(reader)
        if status != 100:
            return Head(version, status, reason, headers, interim)
        interim += 1
        if interim > MAX_INTERIM:
            raise ReplyError("interim", f"more than {MAX_INTERIM} '100 Continue' replies and no final status",
                             line[:256])


def read_some(reader: DeadlineReader, head: Head, limit: int, until: float) -> bytes | None:
    """Up to ``limit`` bytes of the reply's body (chunked decoded), before ``until``; ``None`` if unreadable."""
    try:
        if "chunked" in (head.get("transfer-encoding") or "").lower():
            out = bytearray()
            while len(out) < limit:
                line = reader.readline(1024)
                if line is None:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                out += reader.read(min(size, limit - len(out)), until)
                if len(out) < limit:
                    reader.read(2, until)  # the chunk's CRLF
            return bytes(out[:limit])
        length = head.get("content-length")
        want = limit
        if length is not None and length.strip().isdigit():
            want = min(limit, int(length.strip()))
        return reader.read(want, until)
    except (OSError, ValueError, ReplyError):
        return None
