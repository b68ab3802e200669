"""Configurable replies for teaching: status, body, type, delay, BOM, no Content-Length, oversize, per path."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from osscb_notebook.receiver import OSS_MAX_REPLY_BODY, ReplySettings
from tests.support import send


def raw_response(url: str, req) -> bytes:  # noqa: ANN001
    """The reply bytes exactly as on the wire (httpx would undo the chunking)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    head = f"POST /cb HTTP/1.1\r\nHost: {host}:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in req.headers if k.lower() not in ("host", "connection"))
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head.encode() + b"Connection: close\r\n\r\n" + req.body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_status_body_and_content_type(make_receiver, signer):
    r = make_receiver(reply=ReplySettings(status=502, body="<html>oops</html>", content_type="text/html"))
    resp = send(signer.request(r.url + "cb"))
    assert resp.status_code == 502
    assert resp.text == "<html>oops</html>"
    assert resp.headers["content-type"] == "text/html"
    assert r.wait_for(1)[0].verified  # still verified and recorded


def test_explicit_200_answers_even_unverified_requests(make_receiver):
    r = make_receiver(reply=ReplySettings(status=200))
    resp = httpx.post(r.url + "cb", content=b"x=1")
    assert resp.status_code == 200 and resp.content == b'{"Status":"OK"}'


def test_bom_prefix(make_receiver, signer):
    r = make_receiver(reply=ReplySettings(bom=True))
    resp = send(signer.request(r.url + "cb"))
    assert resp.content == b'\xef\xbb\xbf{"Status":"OK"}'
    assert resp.headers["content-length"] == str(3 + 15)


def test_no_content_length_is_chunked(make_receiver, signer):
    r = make_receiver(reply=ReplySettings(content_length=False))
    raw = raw_response(r.url, signer.request(r.url + "cb"))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-length" not in head.lower()
    assert b"transfer-encoding: chunked" in head.lower()
    assert body == b'f\r\n{"Status":"OK"}\r\n0\r\n\r\n'


def test_oversize_body_is_valid_json_past_one_megabyte(make_receiver, signer):
    r = make_receiver(reply=ReplySettings(oversize=True))
    resp = send(signer.request(r.url + "cb"))
    assert resp.status_code == 200
    assert len(resp.content) == OSS_MAX_REPLY_BODY + 1
    assert resp.json()["Status"] == "OK"
    rec = r.wait_for(1)[0]
    assert rec.reply_size == OSS_MAX_REPLY_BODY + 1 and len(rec.reply_body) < rec.reply_size


def test_delay_is_applied_and_counted_in_duration(make_receiver, signer):
    r = make_receiver(reply=ReplySettings(delay=0.3))
    send(signer.request(r.url + "cb"))
    assert r.wait_for(1)[0].duration_ms >= 300


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_per_path_replies_and_reset(make_receiver, signer, mode):
    r = make_receiver(mode=mode)
    r.set_reply(ReplySettings(status=500, body={"Status": "down"}), path="/slow")
    r.set_reply(path="/bom", bom=True)
    assert send(signer.request(r.url + "slow")).status_code == 500
    assert send(signer.request(r.url + "bom")).content.startswith(b"\xef\xbb\xbf")
    assert send(signer.request(r.url + "other")).status_code == 200
    r.set_reply(None, path="/slow")
    assert send(signer.request(r.url + "slow")).status_code == 200
    r.set_reply(ReplySettings(status=418))
    assert send(signer.request(r.url + "other")).status_code == 418


def test_path_reply_also_matches_behind_a_proxy_prefix(make_receiver, signer):
    r = make_receiver()
    r.set_reply(ReplySettings(status=503), path="/cb")
    assert send(signer.request(r.url + "proxy/absolute/8000/cb")).status_code == 503


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError):
        ReplySettings(status=42)
    with pytest.raises(ValueError):
        ReplySettings(delay=-1)


def test_delay_past_the_oss_deadline_still_answers(make_receiver, signer):
    """A delay teaches the 5 s timeout: the receiver answers late, the client decides."""
    r = make_receiver(reply=ReplySettings(delay=0.2))
    t = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        send(signer.request(r.url + "cb"), timeout=0.05)
    assert r.wait_for(1)[0].reply_status == 200
    assert time.monotonic() - t < 5
    time.sleep(0.4)  # let the late write hit the closed connection
    assert r.errors == []  # a client that gave up is not a server error
    r.check()


def test_a_forced_error_status_does_not_blame_a_verified_signature(make_receiver, signer):
    r = make_receiver(reply=ReplySettings(status=500))
    resp = send(signer.request(r.url + "cb"))
    assert resp.status_code == 500
    assert resp.json() == {"Status": "forced error", "verified": True, "status": 500}
    assert r.wait_for(1)[0].verified
