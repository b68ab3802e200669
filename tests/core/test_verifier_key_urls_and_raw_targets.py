"""Issue #25 items 8 and 11 for the kit's own verifier: key URLs that a key host could resolve
outside the trusted prefix are refused unfetched, however the dot segment ends; the string to sign
keeps the raw bytes of a latin-1 or UTF-8 request target; duplicated signature headers are refused."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from osscb_notebook.errors import UntrustedKeyURLError
from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request
from osscb_notebook.verification.verifier import signed_message, target_bytes
from tests.support import new_key

TRICKS = [
    "..?x=1", "%2e%2e?x=1", "..%2fevil.pem", "..#x", "..", "./k.pem", "%2E%2e/evil.pem", "..;/evil.pem",
    "..%5cevil.pem", "%252e%252e/evil.pem", "sub/%2F/k.pem", "sub/..?/k.pem", ".?", "a/.#b",
]


@pytest.mark.parametrize("tail", TRICKS)
def test_a_trick_under_the_trusted_prefix_is_untrusted_and_never_fetched(tail: str, key_server) -> None:  # type: ignore[no-untyped-def]
    resolver = KeyResolver([key_server.prefix])
    url = key_server.prefix + tail
    assert not resolver.is_trusted(url)
    with pytest.raises(UntrustedKeyURLError):
        resolver.resolve(url)
    assert key_server.hits == []


@pytest.mark.parametrize("tail", ["callback.pem", "a..b.pem", "v1.2/key.pem", "k.pem?v=..x", "..k.pem", "k..", "%41.pem"])
def test_names_with_dots_inside_stay_trusted(tail: str, key_server) -> None:  # type: ignore[no-untyped-def]
    assert KeyResolver([key_server.prefix]).is_trusted(key_server.prefix + tail)


def _capture(target: bytes, key, key_url: str, *, body: bytes = b"bucket=demo",  # type: ignore[no-untyped-def]
             signed_target: bytes | None = None, extra: bytes = b"") -> bytes:
    """A raw capture whose signature covers ``signed_target`` (default: ``target``), both as bytes."""
    from urllib.parse import unquote_to_bytes

    path, _, query = (signed_target or target).partition(b"?")
    message = unquote_to_bytes(path) + (b"?" + query if query else b"") + b"\n" + body
    signature = key.sign(message, padding.PKCS1v15(), hashes.MD5())
    return (b"POST " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + b"authorization: " + base64.b64encode(signature) + b"\r\n"
            + b"x-oss-pub-key-url: " + base64.b64encode(key_url.encode()) + b"\r\n" + extra
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


@pytest.mark.parametrize("target", [
    "/中文/上传.jpg?name=文件".encode(),              # raw UTF-8 in the request line
    b"/caf\xe9/r\xe9sum\xe9.txt?q=\xe9",            # raw latin-1
    "/mix%20é/x".encode(),                          # an escape next to raw UTF-8
])
def test_a_raw_non_ascii_target_verifies_over_its_own_bytes(target: bytes) -> None:
    key, pem = new_key()
    resolver = KeyResolver(public_key=pem)
    trace = verify_request(parse_raw_request(_capture(target, key, "http://127.0.0.1:9/k.pem")), resolver)
    assert trace.ok, trace


def test_a_tampered_raw_utf8_target_is_not_misdiagnosed_as_an_undecoded_path() -> None:
    key, pem = new_key()
    signed = "/中文/a.jpg".encode()
    capture = _capture("/中文/b.jpg".encode(), key, "http://127.0.0.1:9/k.pem", signed_target=signed)
    trace = verify_request(parse_raw_request(capture), KeyResolver(public_key=pem))
    assert not trace.ok and trace.failed_step is not None and trace.failed_step.name == "rsa_verify"
    assert "decode the path" not in (trace.failed_step.cause or "")


def test_target_bytes_and_the_signed_message() -> None:
    assert target_bytes("/caf\xe9") == b"/caf\xe9"
    assert target_bytes("/中") == "/中".encode()
    assert signed_message("/a%20b+c", "x=%20", b"body") == b"/a b+c?x=%20\nbody"
    assert signed_message("/\xe4\xb8\xad", "", b"") == "/中".encode() + b"\n"


@pytest.mark.parametrize("header", [b"authorization", b"x-oss-pub-key-url"])
def test_a_duplicated_signature_header_is_refused(header: bytes) -> None:
    key, pem = new_key()
    capture = _capture(b"/cb", key, "http://127.0.0.1:9/k.pem")
    line = next(line for line in capture.split(b"\r\n") if line.startswith(header + b":"))
    trace = verify_request(parse_raw_request(capture.replace(line, line + b"\r\n" + line)), KeyResolver(public_key=pem))
    assert not trace.ok and "more than once" in (trace.failed_step.cause or "")  # type: ignore[union-attr]
