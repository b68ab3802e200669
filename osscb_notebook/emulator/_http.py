"""Request and response values passed between the HTTP server and the operations, and the body
reader (:mod:`osscb_notebook._wire`'s) with its errors given as OSS error responses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import _wire
from .._wire import CHUNK
from ._errors import OssError

__all__ = ["CHUNK", "MAX_OBJECT_SIZE", "BodyReader", "Request", "Response", "oss_error"]

#: OSS's largest PutObject body and UploadPart part: 5 GiB.
MAX_OBJECT_SIZE = 5 * 1024**3
_TOO_LARGE = "Your proposed upload exceeds the maximum allowed size."


def oss_error(exc: _wire.WireError) -> OssError:
    """OSS's answer to a body that cannot be read as framed."""
    if isinstance(exc, _wire.BodyTooLarge):
        return OssError(400, "EntityTooLarge", _TOO_LARGE)
    if isinstance(exc, _wire.BodyTimeout):
        return OssError(400, "RequestTimeout", "Your socket connection to the server was not read from or "
                        "written to within the timeout period.")
    code = {"short": "IncompleteBody", "content-length": "InvalidArgument"}.get(exc.kind, "InvalidRequest")
    return OssError(400, code, exc.message)


class BodyReader(_wire.BodyReader):
    """The shared reader; a body that cannot be read raises the :class:`OssError` OSS gives."""

    def set_limit(self, limit: int) -> None:
        try:
            super().set_limit(limit)
        except _wire.WireError as exc:
            raise oss_error(exc) from None

    def read(self, n: int = CHUNK) -> bytes:
        try:
            return super().read(n)
        except _wire.WireError as exc:
            raise oss_error(exc) from None


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
        return _wire.header(self.headers, name)


@dataclass
class Response:
    """A response. ``body`` is bytes or an iterable of byte chunks of total ``length``."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""
    length: int | None = None

    def header(self, name: str) -> str | None:
        return _wire.header(self.headers, name)

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))

    @property
    def content_length(self) -> int:
        if self.length is not None:  # a HEAD answer, or a streamed body
            return self.length
        assert isinstance(self.body, bytes)
        return len(self.body)
