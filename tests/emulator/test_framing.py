"""Request framing at the emulator, over raw loopback sockets with *signed* requests (so they get
past authentication to body parsing): malformed or short bodies answer 400 at once and close the
connection, framing headers follow RFC 9112, OSS's 5 GiB cap, and bodies nobody reads are not
waited for."""

from __future__ import annotations

import time

import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import unique
from tests.support import exchange, raw_http

QUICK = 5.0  # seconds: every answer here must come well inside this


def signed_target(bucket: oss2.Bucket, method: str, key: str, **params: str) -> str:
    """A request target presigned with the emulator's default credentials through oss2."""
    url = bucket.sign_url(method, key, 300, params=params or None)
    return "/demo/" + url.split("/demo/", 1)[1]


def put(target: str, framing: str, body: bytes) -> bytes:
    return f"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n".encode() + body


def test_signed_malformed_chunked_body_is_400_at_once_and_closes(emulator: Emulator, bucket: oss2.Bucket) -> None:
    key = unique("zz")
    t0 = time.monotonic()
    resp, closed = exchange(emulator.port, put(signed_target(bucket, "PUT", key), "Transfer-Encoding: chunked\r\n",
                                               b"zz\r\n"), timeout=QUICK)
    assert time.monotonic() - t0 < QUICK
    assert resp is not None and resp.status == 400 and b"<Code>InvalidRequest</Code>" in resp.body, resp
    assert resp.headers["connection"] == "close" and closed
    assert not bucket.object_exists(key)


@pytest.mark.parametrize("chunked", [
    b"-5\r\nabc\r\n0\r\n\r\n",               # a negative chunk size
    b"3\r\nabcdef\r\n0\r\n\r\n",              # a chunk longer than its size
    b"3 \x00\r\nabc\r\n0\r\n\r\n",            # junk in the size line
    b"0x3\r\nabc\r\n0\r\n\r\n",
    b"3\nabc\n0\n\n",                          # bare LF line ends
])
def test_signed_malformed_chunks_are_400(emulator: Emulator, bucket: oss2.Bucket, chunked: bytes) -> None:
    key = unique("chunk")
    resp, closed = exchange(emulator.port, put(signed_target(bucket, "PUT", key), "Transfer-Encoding: chunked\r\n",
                                               chunked), timeout=QUICK)
    assert resp is not None and resp.status == 400 and b"<Code>" in resp.body, resp
    assert closed
    assert not bucket.object_exists(key)


@pytest.mark.parametrize(("framing", "body"), [
    ("Content-Length: 10\r\n", b"abc"),
    ("Transfer-Encoding: chunked\r\n", b"a\r\nabc"),
    ("Transfer-Encoding: chunked\r\n", b"3\r\nabc\r\n"),  # no last chunk
])
def test_a_short_signed_body_is_never_stored(emulator: Emulator, bucket: oss2.Bucket, framing: str, body: bytes) -> None:
    key = unique("short")
    resp, _ = exchange(emulator.port, put(signed_target(bucket, "PUT", key), framing, body), shut_write=True,
                       timeout=QUICK)
    assert resp is not None and resp.status == 400 and b"<Code>IncompleteBody</Code>" in resp.body, resp
    assert not bucket.object_exists(key)


def test_well_formed_signed_chunked_body_is_stored(emulator: Emulator, bucket: oss2.Bucket) -> None:
    key = unique("chunked")
    body = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    resp = raw_http(emulator.port, put(signed_target(bucket, "PUT", key), "Transfer-Encoding: chunked\r\n", body),
                    timeout=QUICK)
    assert resp is not None and resp.status == 200, resp
    assert bucket.get_object(key).read() == b"abcde"


def test_duplicate_content_lengths_that_disagree_are_400(emulator: Emulator, bucket: oss2.Bucket) -> None:
    key = unique("dup")
    resp, closed = exchange(emulator.port, put(signed_target(bucket, "PUT", key),
                                               "Content-Length: 3\r\nContent-Length: 5\r\n", b"abcde"), timeout=QUICK)
    assert resp is not None and resp.status == 400 and b"<Code>InvalidArgument</Code>" in resp.body, resp
    assert closed
    assert not bucket.object_exists(key)


def test_duplicate_content_lengths_that_agree_are_one(emulator: Emulator, bucket: oss2.Bucket) -> None:
    key = unique("same")
    resp = raw_http(emulator.port, put(signed_target(bucket, "PUT", key), "Content-Length: 3\r\nContent-Length: 3\r\n",
                                       b"abc"), timeout=QUICK)
    assert resp is not None and resp.status == 200, resp
    assert bucket.get_object(key).read() == b"abc"


def test_content_length_with_transfer_encoding_chunked_reads_chunked_and_closes(emulator: Emulator,
                                                                                bucket: oss2.Bucket) -> None:
    """RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length, then the connection closes.
    OSS takes such a request (ali-oss's live ``put() should add object with readstream`` sends a
    stream chunked with the file's Content-Length; it used to end here in a 400 / ``write EPIPE``)."""
    key = unique("both")
    resp, closed = exchange(emulator.port, put(signed_target(bucket, "PUT", key),
                                               "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
                                               b"5\r\nabcde\r\n0\r\n\r\n"), timeout=QUICK)
    assert resp is not None and resp.status == 200 and resp.headers["connection"] == "close", resp
    assert closed
    assert bucket.get_object(key).read() == b"abcde"


def test_content_length_with_another_transfer_coding_is_still_400(emulator: Emulator, bucket: oss2.Bucket) -> None:
    key = unique("both")
    resp, closed = exchange(emulator.port, put(signed_target(bucket, "PUT", key),
                                               "Content-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n",
                                               b"3\r\nabc\r\n0\r\n\r\n"), timeout=QUICK)
    assert resp is not None and resp.status == 400 and resp.headers["connection"] == "close", resp
    assert closed
    assert not bucket.object_exists(key)


@pytest.mark.parametrize("operation", ["PutObject", "UploadPart"])
def test_a_declared_body_over_5_gib_is_entity_too_large_before_reading(emulator: Emulator, bucket: oss2.Bucket,
                                                                       operation: str) -> None:
    key = unique("huge")
    params = {}
    if operation == "UploadPart":
        params = {"partNumber": "1", "uploadId": bucket.init_multipart_upload(key).upload_id}
    t0 = time.monotonic()
    resp = raw_http(emulator.port, put(signed_target(bucket, "PUT", key, **params),
                                       f"Content-Length: {5 * 1024**3 + 1}\r\n", b"abc"), timeout=QUICK)
    assert time.monotonic() - t0 < QUICK
    assert resp is not None and resp.status == 400 and b"<Code>EntityTooLarge</Code>" in resp.body, resp
    assert not bucket.object_exists(key)


@pytest.mark.parametrize(("method", "extra", "status"), [
    ("GET", "Range: bytes=0-3\r\n", 206),
    ("GET", "", 200),
    ("HEAD", "", 200),
    ("DELETE", "", 204),
])
def test_a_declared_body_an_operation_does_not_read_is_not_waited_for(emulator: Emulator, bucket: oss2.Bucket,
                                                                      method: str, extra: str, status: int) -> None:
    key = unique("nobody")
    bucket.put_object(key, b"0123456789")
    raw = f"{method} {signed_target(bucket, method, key)} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Length: 5\r\n\r\n"
    t0 = time.monotonic()
    resp = raw_http(emulator.port, raw.encode(), timeout=QUICK)  # the body is never sent
    assert time.monotonic() - t0 < QUICK
    assert resp is not None and resp.status == status, resp
    if method == "GET" and extra:
        assert resp.body == b"0123"
