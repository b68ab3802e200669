"""The shared wire code on its own: RFC 9112 framing rules and the body reader's edge cases
(the servers' behaviour over real sockets is tested in tests/emulator and tests/receiver)."""

from __future__ import annotations

import io

import pytest

from osscb_notebook._wire import (
    BodyReader,
    BodyTooLarge,
    Framing,
    FramingError,
    Headers,
    framing_of,
    split_target,
)


def test_headers_ignore_case_and_keep_duplicates() -> None:
    h = Headers([("Content-Length", "3"), ("content-length", "3"), ("X-A", "1")])
    assert h.get("CONTENT-LENGTH") == "3" and h.get_all("content-length") == ["3", "3"]
    assert "x-a" in h and "x-b" not in h and h.get("x-b", "d") == "d" and len(h) == 3


@pytest.mark.parametrize(("target", "expected"), [
    ("/a/b?x=1&y", ("/a/b", "x=1&y")), ("/a", ("/a", "")), ("/a?", ("/a", "")), ("/a?b?c", ("/a", "b?c")),
])
def test_split_target(target: str, expected: tuple[str, str]) -> None:
    assert split_target(target) == expected


@pytest.mark.parametrize(("headers", "expected"), [
    ([], Framing(0)),
    ([("Content-Length", "5")], Framing(5)),
    ([("Content-Length", "5"), ("Content-Length", "05")], Framing(5)),
    ([("Content-Length", "5, 5")], Framing(5)),
    ([("Transfer-Encoding", "Chunked")], Framing(None, chunked=True)),
    ([("Content-Length", "9" * 5000)], Framing(10**18)),  # no int() digit-limit error: just too large
])
def test_framing(headers: list[tuple[str, str]], expected: Framing) -> None:
    assert framing_of(headers) == expected


@pytest.mark.parametrize("headers", [
    [("Content-Length", "5"), ("Content-Length", "6")],
    [("Content-Length", "5, 6")],
    [("Content-Length", "+5")], [("Content-Length", "1_0")], [("Content-Length", "٣")], [("Content-Length", "")],
    [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
    [("Transfer-Encoding", "gzip")], [("Transfer-Encoding", "chunked, gzip")], [("Transfer-Encoding", "gzip, chunked")],
])
def test_ambiguous_framing_is_refused(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(FramingError):
        framing_of(headers)


def reader(data: bytes, framing: Framing, **kw: object) -> BodyReader:
    return BodyReader(io.BufferedReader(io.BytesIO(data)), framing, **kw)  # type: ignore[arg-type]


def test_chunked_with_extensions_and_trailers() -> None:
    body = reader(b"3;a=b\r\nabc\r\n1\r\nd\r\n0\r\nX-T: 1\r\n\r\nNEXT", Framing(None, chunked=True))
    assert body.read_all() == b"abcd" and body.finished and not body.broken


@pytest.mark.parametrize(("data", "kind"), [
    (b"3\r\nab", "short"), (b"3\r\nabc\r\n", "short"), (b"3\r\nabc", "short"), (b"", "short"),
    (b"-5\r\nabc\r\n", "chunk"), (b"zz\r\n", "chunk"), (b"3\r\nabcd\r\n0\r\n\r\n", "chunk"),
    (b"3\nabc\n0\n\n", "chunk"), (b"f" * 5000 + b"\r\n", "chunk"),
])
def test_a_bad_chunked_body_is_never_complete(data: bytes, kind: str) -> None:
    body = reader(data, Framing(None, chunked=True))
    with pytest.raises(FramingError) as info:
        body.read_all()
    assert info.value.kind == kind and body.broken and not body.finished


def test_a_short_fixed_body_raises() -> None:
    body = reader(b"abc", Framing(10))
    with pytest.raises(FramingError) as info:
        body.read_all()
    assert info.value.kind == "short" and body.broken


def test_limits() -> None:
    with pytest.raises(BodyTooLarge):
        reader(b"", Framing(100), limit=10)  # refused before reading
    body = reader(b"a\r\n0123456789\r\n1\r\nx\r\n0\r\n\r\n", Framing(None, chunked=True))
    with pytest.raises(BodyTooLarge):
        body.read_all(10)
    assert body.broken
    assert not reader(b"abcdef", Framing(6)).drain(3)  # more left than the drain allows
