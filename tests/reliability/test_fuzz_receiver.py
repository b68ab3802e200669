"""Hostile requests to the receiver over real HTTP: never a 500, never a hang, nothing fetched
from an untrusted key URL, no traceback kept on the server side."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import SKIP, CountingServer, exchange, raw_http

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

header_value = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
    st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()),
)


@st.composite
def requests(draw: st.DrawFn, key_url_b64: str) -> bytes:
    method = draw(st.sampled_from(["POST", "GET", "PUT", "DELETE", "OPTIONS", "HEAD"]))
    target = draw(st.sampled_from(["/", "/cb", "/cb?token=abc", "/%ZZ", "/a%00b", "/" + "x" * 3000, "/cb?" + "&" * 50]))
    headers = draw(st.lists(st.tuples(
        st.sampled_from(["authorization", "x-oss-pub-key-url", "Content-MD5", "Content-Type", "X-Forwarded-Prefix",
                         "Transfer-Encoding"]), header_value), max_size=5))
    if draw(st.booleans()):
        headers.append(("x-oss-pub-key-url", key_url_b64))
    body = draw(st.binary(max_size=200))
    # exact or unusable lengths only, so the server never has a reason to wait
    length = draw(st.sampled_from([str(len(body)), "", "-1", "-5", "abc", "0x10", "1e3", None]))
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers)
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    return head.encode() + b"\r\n" + body


def test_hostile_requests_to_the_receiver(make_receiver, counting_server: CountingServer) -> None:
    receiver = make_receiver()
    key_url_b64 = base64.b64encode((counting_server.prefix + "k.pem").encode()).decode()

    @FUZZ
    @given(requests(key_url_b64))
    def check(raw: bytes) -> None:
        resp = raw_http(receiver.port, raw, timeout=5)  # TimeoutError = a hang = a failure
        if resp is not None:  # 501 is the receiver's deliberate answer to non-POST methods
            assert resp.status < 500 or (resp.status == 501 and not raw.startswith(b"POST")), \
                (resp.status, raw[:200], resp.body[:200])

    check()
    assert counting_server.hits == []
    assert receiver.errors == []  # no traceback kept on the server side


@pytest.mark.parametrize("length", ["-1", "-5", "1_0", "+3", "٣"])
def test_negative_content_length_is_a_400_not_a_hang(make_receiver, length: str) -> None:
    """``Content-Length: -1`` must not become ``rfile.read(-1)`` (read until the client closes)."""
    receiver = make_receiver()
    resp = raw_http(receiver.port, f"POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nabc".encode(), timeout=5)
    assert resp is not None and resp.status == 400


@st.composite
def signed_framings(draw: st.DrawFn, body: bytes) -> tuple[str, str, bytes]:
    """One signed callback body framed a random way: ``(kind, framing header, bytes on the wire)``."""
    kind = draw(st.sampled_from(["fixed", "chunked", "bad-size", "no-last-chunk"]))
    if kind == "fixed":
        return kind, f"Content-Length: {len(body)}\r\n", body
    cuts = sorted(draw(st.lists(st.integers(1, len(body) - 1), max_size=6, unique=True)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    data = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    if kind == "bad-size":
        garbage = draw(st.sampled_from([b"-5", b"zz", b"0x10", b" ", b"f" * 40, b"\xc2\xb2"]))
        data = garbage + b"\r\n" + data
    elif kind == "no-last-chunk":
        data = data[: -len(b"0\r\n\r\n")]
    return kind, "Transfer-Encoding: chunked\r\n", data


def test_signed_callbacks_with_fuzzed_framing(make_receiver, signer) -> None:  # noqa: ANN001
    """Signed requests reach body parsing: a well-framed one verifies (200), a broken one is a quick
    400 that is never verified, and nothing is a 500 or a hang."""
    receiver = make_receiver(mode="thread")
    req = signer.request(receiver.url + "cb")
    head = f"POST {req.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in req.headers if k.lower() not in SKIP)

    @FUZZ
    @given(signed_framings(req.body))
    def check(framed: tuple[str, str, bytes]) -> None:
        kind, framing, data = framed
        n = len(receiver.history)
        resp, _ = exchange(receiver.port, (head + framing + "\r\n").encode() + data, shut_write=True, timeout=5)
        assert resp is not None, kind
        record = receiver.wait_for(n + 1)[-1]
        if kind in ("fixed", "chunked"):
            assert resp.status == 200 and record.verified, (kind, resp.status, data[:80])
        else:
            assert resp.status == 400 and not record.verified and record.body == b"", (kind, resp.status, data[:80])

    check()
    assert receiver.errors == []  # no traceback kept on the server side
