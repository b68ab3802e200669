"""A streaming ``multipart/form-data`` reader for PostObject: small fields are read into memory,
the ``file`` part is handed over as a stream and never held whole."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from ._errors import OssError
from ._http import CHUNK, BodyReader

MAX_HEADER_BYTES = 16 * 1024
MAX_FIELD_BYTES = 64 * 1024
#: OSS refuses more than 8 MB of field values before the file (EC 0006-00000112).
MAX_FIELDS_TOTAL_BYTES = 8 * 1024 * 1024
#: OSS publishes no count limit; a form has a few dozen fields, so 1000 only stops abuse [I].
MAX_FIELDS = 1000


def _malformed(detail: str) -> OssError:
    return OssError(400, "MalformedPOSTRequest",
                    f"The body of your POST request is not well-formed multipart/form-data. {detail}".strip())


def boundary_of(content_type: str) -> bytes:
    msg = Message()
    msg["content-type"] = content_type
    if msg.get_content_type() != "multipart/form-data":
        raise _malformed("Content-Type must be multipart/form-data.")
    boundary = msg.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise _malformed("The boundary is missing.")
    return boundary.encode("latin-1")


@dataclass
class PartHeaders:
    name: str
    filename: str | None
    content_type: str | None


def _parse_part_headers(raw: bytes) -> PartHeaders:
    msg = Message()
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            msg[name.strip()] = value.strip()
    disposition = msg.get("content-disposition", "")
    if not disposition:
        raise _malformed("A part has no Content-Disposition.")
    # email's parser handles quoting; keep the raw filename (browsers send it unescaped).
    name_match = re.search(r'\bname="([^"]*)"|\bname=([^;\s]+)', disposition)
    file_match = re.search(r'\bfilename="([^"]*)"|\bfilename=([^;\s]+)', disposition)
    if not name_match:
        raise _malformed("A part has no name.")
    name = name_match.group(1) if name_match.group(1) is not None else name_match.group(2)
    filename = None
    if file_match:
        filename = file_match.group(1) if file_match.group(1) is not None else file_match.group(2)
    return PartHeaders(name, filename, msg.get("content-type"))


class FormReader:
    """Iterate parts with :meth:`parts`; read each with :meth:`read_value` or :meth:`stream`."""

    def __init__(self, body: BodyReader, boundary: bytes) -> None:
        self._body = body
        self._delim = b"\r\n--" + boundary
        self._buf = b"\r\n"  # so the first delimiter looks like every other one
        self._eof = False
        self._in_part = False
        self._fields = 0
        self._field_bytes = 0

    def _fill(self) -> bool:
        if self._eof:
            return False
        data = self._body.read(CHUNK)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def parts(self) -> Iterator[PartHeaders]:
        # preamble up to the first delimiter
        while (i := self._buf.find(self._delim)) < 0:
            self._buf = self._buf[-len(self._delim):]
            if not self._fill():
                raise _malformed("No boundary found.")
        self._buf = self._buf[i + len(self._delim):]
        while True:
            while len(self._buf) < 2 and self._fill():
                pass
            if self._buf.startswith(b"--"):
                return
            if not self._buf.startswith(b"\r\n"):
                raise _malformed("Bad boundary line.")
            self._buf = self._buf[2:]
            while (end := self._buf.find(b"\r\n\r\n")) < 0:
                if len(self._buf) > MAX_HEADER_BYTES or not self._fill():
                    raise _malformed("Part headers are too long or cut off.")
            headers = _parse_part_headers(self._buf[:end])
            self._buf = self._buf[end + 4:]
            self._in_part = True
            yield headers
            if self._in_part:  # caller skipped the value
                for _ in self.stream():
                    pass

    def stream(self) -> Iterator[bytes]:
        """The current part's bytes, chunk by chunk, up to the next delimiter."""
        keep = len(self._delim) - 1
        while True:
            i = self._buf.find(self._delim)
            if i >= 0:
                data, self._buf = self._buf[:i], self._buf[i + len(self._delim):]
                self._in_part = False
                if data:
                    yield data
                return
            if len(self._buf) > keep:
                data, self._buf = self._buf[:-keep], self._buf[-keep:]
                yield data
            if not self._fill():
                raise _malformed("The body ended inside a part.")

    def read_value(self, limit: int = MAX_FIELD_BYTES) -> str:
        """The current field's value; refuses a field past ``limit``, and fields past OSS's
        8 MB in total or past :data:`MAX_FIELDS` in number (unauthenticated input is bounded)."""
        self._fields += 1
        if self._fields > MAX_FIELDS:
            raise OssError(400, "InvalidArgument", f"Too many form fields: at most {MAX_FIELDS} come before the file.")
        out = bytearray()
        for data in self.stream():
            out += data
            if len(out) > limit:
                raise OssError(400, "InvalidArgument", "A form field is too long.")
            if self._field_bytes + len(out) > MAX_FIELDS_TOTAL_BYTES:
                raise OssError(400, "InvalidArgument",
                               "The form fields before the file field are larger than 8 MB in total.",
                               ec="0006-00000112")
        self._field_bytes += len(out)
        return out.decode("utf-8", "replace")
