"""The verification trace: every step, the allowlist, key fetching, and the failure diagnosis."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from osscb_notebook.callback import build_callback_request, content_md5, sign, string_to_sign
from osscb_notebook.errors import KeyFetchError, RawRequestError, UntrustedKeyURLError
from osscb_notebook.params import parse_callback_url
from osscb_notebook.verification import (
    STEP_ORDER,
    CapturedRequest,
    KeyResolver,
    parse_raw_request,
    verify_request,
)
from osscb_notebook.verification.keys import normalize_prefix

G1 = (Path(__file__).parent.parent / "data" / "g1.http").read_bytes()


def signed(key_server, target: str = "/cb?id=1", body: bytes = b"bucket=b") -> CapturedRequest:  # type: ignore[no-untyped-def]
    req = build_callback_request(
        parse_callback_url("http://127.0.0.1:1" + target), body, body_type="application/x-www-form-urlencoded",
        private_key=key_server.key, public_key_url=key_server.url(), bucket="b", request_id="A" * 24, requester="1",
    )
    return parse_raw_request(req.to_raw())


def test_g1_trace_passes_every_step_in_order() -> None:
    trace = verify_request(parse_raw_request(G1))
    assert trace.ok
    assert [s.name for s in trace.steps] == list(STEP_ORDER)
    assert all(s.ok for s in trace.steps)
    assert trace.step("key_url").output == "http://gosspublic.alicdn.com/callback_pub_key_v1.pem"
    assert trace.step("string_to_sign").output == "/index.php?id=1&index=2\\nbucket=yonghu-test"
    assert trace.step("md5").output == "hex 5b74fc97cc385b45c6c8b7782d5a2140\nbase64 W3T8l8w4W0XGyLd4LVohQA=="
    assert "(pinned)" in trace.step("public_key").output


def test_g1_with_one_body_byte_changed_fails_at_rsa() -> None:
    trace = verify_request(parse_raw_request(G1.replace(b"yonghu-test", b"yonghu-tesT")))
    assert not trace.ok
    assert trace.failed_step is not None and trace.failed_step.name == "rsa_verify"
    assert "FAILED at 'RSA verify" in trace.summary


def test_emulator_style_request_verifies_with_trusted_prefix(key_server) -> None:  # type: ignore[no-untyped-def]
    resolver = KeyResolver([key_server.prefix])
    for _ in range(3):
        assert verify_request(signed(key_server), resolver).ok
    assert key_server.hits == ["/pub.pem"]  # fetched once, then cached
    assert resolver.fetch_count == 1


def test_untrusted_key_url_is_never_fetched(key_server) -> None:  # type: ignore[no-untyped-def]
    trace = verify_request(signed(key_server), KeyResolver())
    assert not trace.ok
    assert trace.failed_step is not None and trace.failed_step.name == "allowlist"
    assert "not fetched" in trace.failed_step.output
    assert [s.ok for s in trace.steps[2:]] == [None] * 5
    assert key_server.hits == []
    with pytest.raises(UntrustedKeyURLError):
        KeyResolver().resolve(key_server.url())
    assert key_server.hits == []


def test_prefix_without_path_cannot_be_stretched() -> None:
    resolver = KeyResolver(["http://127.0.0.1:9000"])
    assert resolver.is_trusted("http://127.0.0.1:9000/k.pem")
    assert not resolver.is_trusted("http://127.0.0.1:90001/k.pem")
    assert not resolver.is_trusted("http://127.0.0.1:9000.evil.com/k.pem")
    assert not resolver.is_trusted("https://gosspublic.alicdn.com.evil.com/k.pem")
    with pytest.raises(ValueError):
        normalize_prefix("ftp://x")


def test_key_server_errors_are_clear(key_server) -> None:  # type: ignore[no-untyped-def]
    key_server.routes["/big.pem"] = (200, b"x" * 20000)
    key_server.routes["/junk.pem"] = (200, b"hello")
    resolver = KeyResolver([key_server.prefix])
    with pytest.raises(KeyFetchError, match="404"):
        resolver.resolve(key_server.url("missing.pem"))
    with pytest.raises(KeyFetchError, match="larger than"):
        resolver.resolve(key_server.url("big.pem"))
    with pytest.raises(KeyFetchError, match="PEM"):
        resolver.resolve(key_server.url("junk.pem"))
    assert key_server.hits == ["/missing.pem", "/big.pem", "/junk.pem"]


def test_unreachable_trusted_key_server_fails_at_key_step(key_server) -> None:  # type: ignore[no-untyped-def]
    req = signed(key_server)
    key_server.httpd.shutdown()
    key_server.httpd.server_close()
    trace = verify_request(req, KeyResolver([key_server.prefix], timeout=1))
    assert trace.failed_step is not None and trace.failed_step.name == "public_key"
    assert "Could not fetch" in trace.failed_step.cause


def test_given_public_key_overrides_url(key_server) -> None:  # type: ignore[no-untyped-def]
    from osscb_notebook.callback import public_key_pem

    trace = verify_request(signed(key_server), KeyResolver(public_key=public_key_pem(key_server.key)))
    assert trace.ok and "given" in trace.step("public_key").output
    assert key_server.hits == []


@pytest.mark.parametrize(
    ("header", "value", "step"),
    [("x-oss-pub-key-url", None, "key_url"), ("x-oss-pub-key-url", "%%%", "key_url"),
     ("authorization", None, "signature"), ("authorization", "not base64!", "signature")],
)
def test_missing_or_broken_headers(key_server, header: str, value: str | None, step: str) -> None:  # type: ignore[no-untyped-def]
    req = signed(key_server)
    headers = [(k, v) for k, v in req.headers if k.lower() != header]
    if value is not None:
        headers.append((header, value))
    trace = verify_request(CapturedRequest(req.method, req.target, headers, req.body), KeyResolver([key_server.prefix]))
    assert trace.failed_step is not None and trace.failed_step.name == step
    assert trace.failed_step.cause


def _forge(key_server, message: bytes, target: str, body: bytes, md5_of: bytes | None = None) -> CapturedRequest:  # type: ignore[no-untyped-def]
    headers = [
        ("x-oss-pub-key-url", base64.b64encode(key_server.url().encode()).decode()),
        ("authorization", sign(key_server.key, message)),
        ("Content-MD5", content_md5(body if md5_of is None else md5_of)),
    ]
    return CapturedRequest("POST", target, headers, body)


@pytest.mark.parametrize(
    ("message", "target", "needle"),
    [
        (b"/a%20b?x=1\nbody", "/a%20b?x=1", "raw (not URL-decoded) path"),
        (b"/cbx=1\nbody", "/cb?x=1", "without the '?'"),
        (b"/cb\nbody", "/cb?x=1", "without the query"),
        (b"/a b\nbody", "/a+b", "'+' read as a space"),
        (b"/cb\r\nbody", "/cb", "CRLF"),
    ],
)
def test_diagnosis_names_the_mistake(key_server, message: bytes, target: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    trace = verify_request(_forge(key_server, message, target, b"body"), KeyResolver([key_server.prefix]))
    assert not trace.ok
    assert needle in trace.step("rsa_verify").cause


def test_diagnosis_spots_a_reserialised_json_body(key_server) -> None:  # type: ignore[no-untyped-def]
    original = json.dumps({"bucket": "b", "size": 3}).encode()  # as OSS sent it, with spaces
    reserialised = json.dumps({"bucket": "b", "size": 3}, separators=(",", ":")).encode()
    req = _forge(key_server, string_to_sign("/cb", "", original), "/cb", reserialised, md5_of=original)
    trace = verify_request(req, KeyResolver([key_server.prefix]))
    assert "re-serialised" in trace.step("rsa_verify").cause


def test_diagnosis_for_wrong_key(key_server) -> None:  # type: ignore[no-untyped-def]
    from osscb_notebook.callback import generate_private_key

    other = generate_private_key(1024)
    req = _forge(key_server, b"/cb\nbody", "/cb", b"body")
    headers = [(k, v if k != "authorization" else sign(other, b"/cb\nbody")) for k, v in req.headers]
    trace = verify_request(CapturedRequest("POST", "/cb", headers, b"body"), KeyResolver([key_server.prefix]))
    assert "key or the path is wrong" in trace.step("rsa_verify").cause


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world", b"POST nopath HTTP/1.1\r\n\r\n", b"POST /x HTTP/1.1\r\nbad header line\r\n\r\n",
     b"POST /x HTTP/1.1\r\nContent-Length: 99\r\n\r\nshort", b"POST /x HTTP/1.1\r\nContent-Length: x\r\n\r\n"],
)
def test_unusable_captures_raise_raw_request_error(data: bytes) -> None:
    with pytest.raises(RawRequestError):
        parse_raw_request(data)


def test_capture_parsing_lf_and_trailing_newline() -> None:
    lf = G1.replace(b"\r\n", b"\n") + b"\n"
    req = parse_raw_request(lf)
    assert req.body == b"bucket=yonghu-test" and req.path == "/index.php" and req.query == "id=1&index=2"
    assert verify_request(req).ok


def test_trace_renders_text_and_dict() -> None:
    trace = verify_request(parse_raw_request(G1))
    text = trace.render_text()
    assert "[PASS] 7. RSA verify" in text and "\\n" in text
    d = trace.to_dict()
    assert d["ok"] is True and len(d["steps"]) == 7 and d["steps"][0]["status"] == "PASS"


def test_capture_without_content_length_ignores_the_files_final_newline() -> None:
    no_length = b"\r\n".join(line for line in G1.split(b"\r\n") if not line.lower().startswith(b"content-length")) + b"\n"
    req = parse_raw_request(no_length)
    assert req.body == b"bucket=yonghu-test" and req.notes
    trace = verify_request(req)
    assert trace.ok and "final line break" in trace.step("string_to_sign").inputs["note"]
