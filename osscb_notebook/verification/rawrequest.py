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
        request_line = lines[0].decode("latin-1").strip()
    except IndexError:  # pragma: no cover - split always returns one item
        raise RawRequestError("No request line.") from None
    parts = request_line.split()
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
