"""String-to-sign, RSA-MD5 sign/verify and the request OSS sends (spec §3, golden vector G1)."""

from __future__ import annotations

import base64

import pytest

from osscb_notebook.callback import (
    build_callback_request,
    content_md5,
    generate_private_key,
    sign,
    split_target,
    string_to_sign,
    verify,
)
from osscb_notebook.callback.signing import load_public_key
from osscb_notebook.params import parse_callback_url
from osscb_notebook.verification import OFFICIAL_PUBLIC_KEY_PEM

G1_SIGNATURE = "kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA=="


@pytest.fixture(scope="module")
def key():  # type: ignore[no-untyped-def]
    return generate_private_key()


def test_string_to_sign_keeps_question_mark_and_raw_query() -> None:
    assert string_to_sign("/index.php", "id=1&index=2", b"bucket=yonghu-test") == b"/index.php?id=1&index=2\nbucket=yonghu-test"


def test_string_to_sign_without_query_has_no_question_mark() -> None:
    assert string_to_sign("/cb", "", b"a=1") == b"/cb\na=1"


def test_path_is_percent_decoded_but_plus_and_query_stay_raw() -> None:
    assert string_to_sign("/a%20b+c/%E4%B8%AD", "k=%2F+", b"") == "/a b+c/中?k=%2F+\n".encode()


def test_golden_vector_g1_verifies_with_official_key() -> None:
    public = load_public_key(OFFICIAL_PUBLIC_KEY_PEM)
    message = string_to_sign(*split_target("/index.php?id=1&index=2"), b"bucket=yonghu-test")
    assert verify(public, message, base64.b64decode(G1_SIGNATURE))
    assert not verify(public, message.replace(b"?", b""), base64.b64decode(G1_SIGNATURE))
    assert not verify(public, message + b"x", base64.b64decode(G1_SIGNATURE))


def test_sign_then_verify_and_tamper(key) -> None:  # type: ignore[no-untyped-def]
    message = string_to_sign("/cb", "a=1", b"body")
    sig = base64.b64decode(sign(key, message))
    assert verify(key.public_key(), message, sig)
    assert not verify(key.public_key(), message + b"!", sig)
    assert not verify(generate_private_key(1024).public_key(), message, sig)


def test_content_md5_is_base64_of_raw_md5() -> None:
    assert content_md5(b"") == "1B2M2Y8AsgTpgAmY7PhCfg=="


def test_callback_request_has_oss_headers_and_verifies(key) -> None:  # type: ignore[no-untyped-def]
    target = parse_callback_url("http://127.0.0.1:8080/cb%20x?id=1")
    req = build_callback_request(
        target, b"bucket=b", body_type="application/x-www-form-urlencoded", private_key=key,
        public_key_url="http://127.0.0.1:9000/_osscb/pub.pem", bucket="b", request_id="A" * 24,
        requester="1234", host="app.example.com", date=0,
    )
    assert req.target == "/cb%20x?id=1"
    assert req.header("host") == "app.example.com"
    assert req.header("user-agent") == "aliyun-oss-callback"
    assert req.header("x-oss-tag") == "CALLBACK"
    assert req.header("x-oss-signature-version") == "1.0"
    assert req.header("content-md5") == content_md5(b"bucket=b")
    assert req.header("date") == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert base64.b64decode(req.header("x-oss-pub-key-url") or "") == b"http://127.0.0.1:9000/_osscb/pub.pem"
    sig = base64.b64decode(req.header("authorization") or "")
    assert verify(key.public_key(), b"/cb x?id=1\nbucket=b", sig)
    raw = req.to_raw()
    assert raw.startswith(b"POST /cb%20x?id=1 HTTP/1.1\r\n") and raw.endswith(b"\r\n\r\nbucket=b")
