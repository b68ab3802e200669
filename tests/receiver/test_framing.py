"""Request framing at the receiver, over raw loopback sockets: a malformed, short or stalled body is
answered 400 (or 408) quickly, keeps no traceback, and is never verified or recorded as complete."""

from __future__ import annotations

import time

import pytest

from osscb_notebook.callback import CallbackRequest
from tests.support import SKIP, Signer, exchange

QUICK = 5.0  # OSS gives a callback 5 s in all


def head(req: CallbackRequest, framing: str) -> bytes:
    lines = [f"POST {req.target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in req.headers if k.lower() not in SKIP]
    return ("\r\n".join(lines) + "\r\n" + framing + "\r\n").encode()


def chunked(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def assert_refused_and_not_verified(r, status: int) -> None:  # noqa: ANN001
    record = r.wait_for(1)[0]
    assert record.reply_status == status and record.body == b"" and record.trace is None and not record.verified
    assert r.errors == []  # no traceback kept


@pytest.mark.parametrize("body", [b"-5\r\nabc\r\n0\r\n\r\n", b"zz\r\n", b"3\r\nabcdef\r\n0\r\n\r\n"])
def test_malformed_chunked_body_is_400_at_once(make_receiver, signer: Signer, body: bytes) -> None:
    r = make_receiver(mode="thread")
    req = signer.request(r.url + "cb")
    t0 = time.monotonic()
    resp, closed = exchange(r.port, head(req, "Transfer-Encoding: chunked\r\n") + body, timeout=QUICK)
    assert time.monotonic() - t0 < QUICK
    assert resp is not None and resp.status == 400 and closed, resp
    assert_refused_and_not_verified(r, 400)


def test_short_body_with_the_client_waiting_is_408_quickly(make_receiver, signer: Signer) -> None:
    r = make_receiver(mode="thread")
    req = signer.request(r.url + "cb")
    t0 = time.monotonic()
    resp, _ = exchange(r.port, head(req, f"Content-Length: {len(req.body)}\r\n") + req.body[:-3], timeout=QUICK + 5)
    assert time.monotonic() - t0 < QUICK
    assert resp is not None and resp.status == 408, resp
    assert_refused_and_not_verified(r, 408)


@pytest.mark.parametrize("chunks", [False, True])
def test_short_body_with_the_write_side_closed_is_400_not_200(make_receiver, signer: Signer, chunks: bool) -> None:
    r = make_receiver(mode="thread")
    req = signer.request(r.url + "cb")
    if chunks:
        data = head(req, "Transfer-Encoding: chunked\r\n") + chunked(req.body)[:-7]  # no last chunk
    else:
        data = head(req, f"Content-Length: {len(req.body)}\r\n") + req.body[:-3]
    resp, _ = exchange(r.port, data, shut_write=True, timeout=QUICK)
    assert resp is not None and resp.status == 400, resp
    assert_refused_and_not_verified(r, 400)


@pytest.mark.parametrize("framing", [
    "Content-Length: 5\r\nContent-Length: 6\r\n",
    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: gzip\r\n",
])
def test_ambiguous_framing_is_400(make_receiver, signer: Signer, framing: str) -> None:
    r = make_receiver(mode="thread")
    req = signer.request(r.url + "cb")
    resp, closed = exchange(r.port, head(req, framing) + b"hello", timeout=QUICK)
    assert resp is not None and resp.status == 400 and closed, resp
    assert_refused_and_not_verified(r, 400)


def test_a_well_formed_chunked_callback_verifies(make_receiver, signer: Signer) -> None:
    r = make_receiver(mode="thread")
    req = signer.request(r.url + "cb")
    resp, _ = exchange(r.port, head(req, "Transfer-Encoding: chunked\r\n") + chunked(req.body), timeout=QUICK)
    assert resp is not None and resp.status == 200, resp
    record = r.wait_for(1)[0]
    assert record.verified and record.body == req.body


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_a_body_that_is_never_verified_is_not_waited_for(make_receiver, method: str) -> None:
    r = make_receiver(mode="thread")
    t0 = time.monotonic()
    resp, _ = exchange(r.port, f"{method} /cb HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n".encode(),
                       timeout=QUICK)  # the body is never sent
    assert time.monotonic() - t0 < 2.0  # not the 3 s body deadline
    assert resp is not None and resp.status == 501, resp
