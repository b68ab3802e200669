"""Parse one captured HTTP request: request line, headers, blank line, body (CRLF or LF)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import RawRequestError

_METHODS = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH"}


class RequestView:
    """Look-ups shared by every recorded request: case-insensitive headers, raw path and query."""

    target: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_count(self, name: str) -> int:
        """How many times header ``name`` was sent (any case)."""
        name = name.lower()
        return sum(1 for k, _ in self.headers if k.lower() == name)

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]


@dataclass(frozen=True)
class CapturedRequest(RequestView):
    """A request as the application server saw it. Header names keep their case; look-ups ignore it."""

    method: str
    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    notes: tuple[str, ...] = ()


def parse_raw_request(data: bytes) -> CapturedRequest:
    """Parse a capture. The body is ``Content-Length`` bytes when the header is present (so an
    editor's trailing newline does no harm), else everything after the blank line less one final
    line break, which a saved file gains (OSS bodies do not end with one); a note records it."""
    if not data.strip():
        raise RawRequestError("The capture is empty.", hint="Save the whole request: request line, headers, blank line, body.")
    crlf = data.find(b"\r\n\r\n")
    lf = data.find(b"\n\n")
    if crlf != -1 and (lf == -1 or crlf <= lf):
        head, body = data[:crlf], data[crlf + 4 :]
    elif lf != -1:
        head, body = data[:lf], data[lf + 2 :]
    else:
        head, body = data, b""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    try:
        request_line = lines[0].decode("latin-1").strip(" \t\r")
    except IndexError:  # pragma: no cover - split always returns one item
        raise RawRequestError("No request line.") from None
    # split on spaces only: str.split() would also split a raw UTF-8 target at the bytes that are
    # whitespace in latin-1 (0x85, 0xa0), and the target must keep every byte (issue #25 item 11)
    parts = [part for part in request_line.split(" ") if part]
    if len(parts) not in (2, 3) or parts[0].upper() not in _METHODS or not parts[1].startswith("/"):
        raise RawRequestError(
            f"The first line is not an HTTP request line: {request_line[:80]!r}.",
            hint="It should look like 'POST /callback?x=1 HTTP/1.1'.",
        )
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.decode("latin-1")
        if not line.strip():
            continue
        if line[0] in " \t" and headers:  # obsolete folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise RawRequestError(f"Not a header line: {line[:80]!r}.", hint="Headers are 'Name: value', one per line.")
        headers.append((name.strip(), value.strip()))
    request = CapturedRequest(parts[0].upper(), parts[1], headers, body)
    coding = (request.header("transfer-encoding") or "").strip().lower()
    if coding:
        if coding != "chunked":
            raise RawRequestError(f"Transfer-Encoding {coding!r} is not supported; only chunked.",
                                  hint="Capture the body as it reached the application (decoded).")
        note = "Transfer-Encoding: chunked: the body was de-chunked before verifying (OSS signs the data, not the framing)"
        return CapturedRequest(request.method, request.target, headers, dechunk(body), (note,))
    length = request.header("content-length")
    if length is not None:
        try:
            n = int(length)
        except ValueError:
            raise RawRequestError(f"Content-Length is not a number: {length!r}.") from None
        if n < 0 or n > len(body):
            raise RawRequestError(
                f"Content-Length says {n} bytes but the capture holds {len(body)} after the headers.",
                hint="The capture looks truncated: save the complete body.",
            )
        return CapturedRequest(request.method, request.target, headers, body[:n])
    for eol in (b"\r\n", b"\n"):
        if body.endswith(eol):
            note = "no Content-Length: the file's final line break was taken as end of file, not body"
            return CapturedRequest(request.method, request.target, headers, body[: -len(eol)], (note,))
    return request


def _line(data: bytes, pos: int) -> tuple[bytes, int]:
    """The line at ``pos`` (CRLF or, after an editor's conversion, LF) and where the next begins."""
    end = data.find(b"\n", pos)
    if end == -1:
        raise RawRequestError("The chunked body ends in the middle of a chunk-size line.",
                              hint="The capture looks truncated: save the complete body, up to the final 0 chunk.")
    return data[pos:end].rstrip(b"\r"), end + 1


def dechunk(body: bytes) -> bytes:
    """Undo ``Transfer-Encoding: chunked``: hex size line, that many bytes, a line break; up to
    the ``0`` chunk (trailers ignored). Raises :class:`RawRequestError` for a broken framing."""
    out = bytearray()
    pos = 0
    while True:
        line, pos = _line(body, pos)
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 16 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            raise RawRequestError(f"Not a chunk-size line in the chunked body: {line[:40]!r}.",
                                  hint="Save the body exactly as received, or the de-chunked body without "
                                       "the Transfer-Encoding header.")
        size = int(size_text, 16)
        if size == 0:
            return bytes(out)
        if pos + size > len(body):
            raise RawRequestError(f"A chunk says {size} bytes but the capture holds {len(body) - pos} more.",
                                  hint="The capture looks truncated: save the complete body.")
        out += body[pos:pos + size]
        pos += size
        rest, pos = _line(body, pos)
        if rest:
            raise RawRequestError("A chunk is longer than its size line says.",
                                  hint="Save the body exactly as received.")
