"""ali-oss's own mocha suite against the emulator (issue #24 item 5).

ali-sdk/ali-oss @ v6.23.0, ``test/node`` (``object.test.js``, ``multipart.test.js``), was run
against ``osscb emulator`` (README: "The SDKs' own suites against the emulator"). Its code is not
copied here: each test below checks, over real HTTP, a behaviour that one of its tests asserts and
that the emulator got wrong, named after that test.
"""

from __future__ import annotations

import socket
from email.utils import formatdate

import httpx
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import unique


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request: pytest.FixtureRequest, bucket: oss2.Bucket, bucket_v4: oss2.Bucket) -> oss2.Bucket:
    return bucket if request.param == "v1" else bucket_v4


@pytest.mark.parametrize(("header", "value", "condition"), [
    ("x-oss-copy-source-if-match", '"foo-bar"', "If-Match"),
    ("x-oss-copy-source-if-unmodified-since", formatdate(0, usegmt=True), "If-Unmodified-Since"),
])
def test_copy_precondition_failure_names_the_plain_condition(any_bucket: oss2.Bucket, header: str, value: str,
                                                             condition: str) -> None:
    """``copy() If-Match header should throw PreconditionFailedError when If-Match not equal source
    object etag`` (and its If-Unmodified-Since twin): ali-oss sends the copy-source header and OSS's
    412 names the condition ``If-Match`` / ``If-Unmodified-Since``, as for a GET."""
    source = unique("src")
    any_bucket.put_object(source, b"abc")
    with pytest.raises(oss2.exceptions.PreconditionFailed) as info:
        any_bucket.copy_object(any_bucket.bucket_name, source, unique("dst"), headers={header: value})
    assert info.value.status == 412
    assert info.value.details["Condition"] == condition


def test_put_from_a_stream_with_content_length_and_chunked(emulator: Emulator, any_bucket: oss2.Bucket) -> None:
    """``put() should add object with readstream``: ali-oss streams the file chunked and also sends
    the ``Content-Length`` the test gives it. OSS stores it (RFC 9112: Transfer-Encoding wins); the
    emulator answered 400 (earlier, before reading the body, which the client saw as ``write EPIPE``)."""
    key = unique("stream")
    data = b"x" * 70_000
    url = any_bucket.sign_url("PUT", key, 60)
    path = url.split(str(emulator.port), 1)[1]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + 8192]), data[i:i + 8192]) for i in range(0, len(data), 8192))
    request = (f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{emulator.port}\r\nContent-Length: {len(data)}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode() + chunks + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert any_bucket.get_object(key).read() == data


def test_a_listing_ignores_an_unknown_parameter_with_a_value(emulator: Emulator, any_bucket: oss2.Bucket) -> None:
    """``object key encoding should encode variant object keys`` lists with ``{prefixz}`` (a typo
    that ali-oss sends as ``?prefixz=...``) and finds its key: OSS ignores a parameter it does not
    know. A bare unknown name is how sub-resources are written, so ``?foo`` stays the emulator's 501."""
    key = unique("prefixz")
    any_bucket.put_object(key, b"")
    resp = any_bucket._do("GET", "demo", "", params={"prefixz": "ali-oss-test-key-", "prefix": key})  # noqa: SLF001
    assert resp.status == 200
    assert f"<Key>{key}</Key>".encode() in resp.read()
    resp = httpx.get(f"{emulator.endpoint}/demo?somesubresource")
    assert resp.status_code == 501 and b"<Code>NotImplemented</Code>" in resp.content
