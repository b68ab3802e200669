"""Request and response values passed between the HTTP server and the operations, and a body
reader that streams ``Content-Length`` or ``Transfer-Encoding: chunked`` bodies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from io import BufferedIOBase
from typing import BinaryIO

from ._errors import OssError

CHUNK = 64 * 1024


class BodyReader:
    """Reads a request body without holding it in memory. ``read()`` returns ``b""`` at the end."""

    def __init__(self, stream: BinaryIO | BufferedIOBase, *, length: int | None, chunked: bool) -> None:
        self._stream = stream
        self._remaining = length if not chunked else None
        self._chunked = chunked
        self._chunk_left = 0
        self._done = (length == 0) if not chunked else False
        self.bytes_read = 0

    @property
    def finished(self) -> bool:
        return self._done

    def read(self, n: int = CHUNK) -> bytes:
        if self._done:
            return b""
        data = self._read_chunked(n) if self._chunked else self._read_fixed(n)
        self.bytes_read += len(data)
        return data

    def _read_fixed(self, n: int) -> bytes:
        assert self._remaining is not None
        data = self._stream.read(min(n, self._remaining))
        if not data:
            raise OssError(400, "IncompleteBody", "The request body is shorter than its Content-Length.")
        self._remaining -= len(data)
        if self._remaining == 0:
            self._done = True
        return data

    def _read_chunked(self, n: int) -> bytes:
        if self._chunk_left == 0:
            line = self._stream.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise OssError(400, "InvalidRequest", "Malformed chunked request body.") from None
            if size == 0:
                while self._stream.readline(8192).strip():  # trailers
                    pass
                self._done = True
                return b""
            self._chunk_left = size
        data = self._stream.read(min(n, self._chunk_left))
        if not data:
            raise OssError(400, "IncompleteBody", "The chunked request body ended early.")
        self._chunk_left -= len(data)
        if self._chunk_left == 0:
            self._stream.readline(16)  # the CRLF after each chunk
        return data

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        while True:
            data = self.read(size)
            if not data:
                return
            yield data

    def read_all(self, limit: int) -> bytes:
        """The whole body, for small XML bodies; more than ``limit`` bytes is an error."""
        out = bytearray()
        for data in self.chunks():
            out += data
            if len(out) > limit:
                raise OssError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        return bytes(out)

    def drain(self, limit: int) -> bool:
        """Discard what is left; False if more than ``limit`` bytes remain (close the connection)."""
        seen = 0
        while not self._done:
            data = self.read()
            seen += len(data)
            if seen > limit:
                return False
        return True


@dataclass
class Request:
    """One request as the operations see it. ``headers`` keep arrival order; look-ups ignore case."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: BodyReader
    client_ip: str
    request_id: str
    host: str = ""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


@dataclass
class Response:
    """A response. ``body`` is bytes or an iterable of byte chunks of total ``length``."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""
    length: int | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))

    @property
    def content_length(self) -> int:
        if self.length is not None:  # a HEAD answer, or a streamed body
            return self.length
        assert isinstance(self.body, bytes)
        return len(self.body)
