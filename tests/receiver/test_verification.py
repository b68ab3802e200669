"""Every callback is verified; forged, tampered and unknown-key requests are refused; both modes
answer and record the same way."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.support import Signer, post_raw, send

MODES = ["thread", "process"]


@pytest.mark.parametrize("mode", MODES)
def test_signed_callback_is_verified_and_answered_like_the_official_sample(make_receiver, signer, mode):
    r = make_receiver(mode=mode)
    req = signer.request(r.url + "callback/%E4%B8%AD.php?id=1&index=2")
    resp = send(req)
    assert resp.status_code == 200
    assert resp.content == b'{"Status":"OK"}'
    assert resp.headers["content-length"] == "15"
    assert resp.headers["content-type"] == "application/json"
    (rec,) = r.wait_for(1)
    assert rec.verified and rec.trace.ok
    assert rec.method == "POST" and rec.target == "/callback/%E4%B8%AD.php?id=1&index=2"
    assert rec.query == "id=1&index=2"
    assert rec.body == req.body
    assert rec.header("x-oss-pub-key-url") == req.header("x-oss-pub-key-url")
    assert rec.reply_status == 200 and rec.reply_body == b'{"Status":"OK"}'
    assert rec.duration_ms >= 0
    assert rec.trace.step("string_to_sign").output.startswith("/callback/中.php?id=1&index=2\\n")


@pytest.mark.parametrize("mode", MODES)
def test_record_format_is_the_same_in_both_modes(make_receiver, signer, mode):
    r = make_receiver(mode=mode)
    send(signer.request(r.url + "cb"))
    (rec,) = r.wait_for(1)
    doc = rec.to_dict()
    assert set(doc) == {"id", "time", "received_at", "client", "method", "target", "path", "query", "headers",
                        "body_b64", "body_text", "body_size", "verified", "trace", "reply", "duration_ms", "error", "note"}
    assert base64.b64decode(doc["body_b64"]) == rec.body
    assert doc["trace"]["ok"] is True and doc["reply"]["status"] == 200
    json.dumps(doc)  # serialisable as is


@pytest.mark.parametrize("mode", MODES)
def test_non_post_gets_501(make_receiver, mode):
    r = make_receiver(mode=mode)
    resp = httpx.get(r.url + "cb")
    assert resp.status_code == 501
    (rec,) = r.wait_for(1)
    assert rec.method == "GET" and rec.trace is None and rec.reply_status == 501


def test_tampered_body_is_rejected_with_400_json(make_receiver, signer):
    r = make_receiver()
    resp = send(signer.request(r.url + "cb"), body=b"bucket=demo&object=evil.txt&size=5")
    assert resp.status_code == 400
    doc = resp.json()
    assert doc["Status"] == "verify not ok" and doc["failed_step"] == "rsa_verify"
    assert resp.headers["content-length"] == str(len(resp.content))
    (rec,) = r.wait_for(1)
    assert not rec.verified and rec.trace.failed_step.name == "rsa_verify"


def test_tampered_path_is_rejected(make_receiver, signer):
    r = make_receiver()
    req = signer.request(r.url + "cb?amount=1")
    resp = send(req, r.url + "cb?amount=1000")
    assert resp.status_code == 400
    assert not r.wait_for(1)[0].verified


def test_forged_signature_with_a_trusted_key_url_is_rejected(make_receiver, key_server, evil_key_server):
    r = make_receiver()
    # The forger signs with their own key but names the trusted key URL.
    forger = Signer(evil_key_server.private_key, key_server.key_url)
    resp = send(forger.request(r.url + "cb"))
    assert resp.status_code == 400
    assert r.wait_for(1)[0].trace.failed_step.name == "rsa_verify"
    assert evil_key_server.hits == []


@pytest.mark.parametrize("mode", MODES)
def test_untrusted_key_url_is_rejected_without_being_fetched(make_receiver, evil_key_server, mode):
    r = make_receiver(mode=mode)
    forger = Signer(evil_key_server.private_key, evil_key_server.key_url)
    resp = send(forger.request(r.url + "cb"))
    assert resp.status_code == 400
    assert resp.json()["failed_step"] == "allowlist"
    (rec,) = r.wait_for(1)
    assert rec.trace.step("allowlist").output == "untrusted: not fetched"
    assert evil_key_server.hits == []


def test_unknown_key_on_a_trusted_host_is_rejected(make_receiver, keypair, key_server):
    r = make_receiver()
    signer = Signer(keypair[0], key_server.prefix + "missing.pem")
    resp = send(signer.request(r.url + "cb"))
    assert resp.status_code == 400
    assert resp.json()["failed_step"] == "public_key"


def test_missing_signature_headers_are_rejected(make_receiver):
    r = make_receiver()
    resp = httpx.post(r.url + "cb", content=b"bucket=demo")
    assert resp.status_code == 400
    assert resp.json()["failed_step"] == "key_url"


def test_the_key_is_fetched_once_and_cached(make_receiver, signer, key_server):
    r = make_receiver(trust_key_urls=[key_server.prefix])
    before = key_server.hits.count("/keys/callback.pem")
    for _ in range(5):
        assert send(signer.request(r.url + "cb")).status_code == 200
    assert key_server.hits.count("/keys/callback.pem") - before <= 1


def test_pinned_public_key_needs_no_key_server(make_receiver, keypair, evil_key_server):
    from osscb_notebook.callback import public_key_pem

    r = make_receiver(trust_key_urls=[], public_key=public_key_pem(keypair[0]))
    signer = Signer(keypair[0], "https://example.invalid/key.pem")
    assert send(signer.request(r.url + "cb")).status_code == 200


def test_official_oss_key_is_pinned_and_verifies_golden_vector_g1(make_receiver):
    """G1 (spec §6): a real OSS signature over /index.php?id=1&index=2 verifies with no fetch."""
    r = make_receiver(trust_key_urls=[])
    headers = {
        "authorization": "kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==",
        "x-oss-pub-key-url": base64.b64encode(b"http://gosspublic.alicdn.com/callback_pub_key_v1.pem").decode(),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    resp = httpx.post(r.url + "index.php?id=1&index=2", headers=headers, content=b"bucket=yonghu-test")
    assert resp.status_code == 200
    assert r.wait_for(1)[0].trace.step("public_key").output.startswith("RSA-512 key (pinned)")


@pytest.mark.parametrize("mode", MODES)
def test_history_holds_every_answered_request_without_waiting(make_receiver, signer, mode):
    """Once the client has its answer, the record is in the history: no sleep, no wait_for."""
    r = make_receiver(mode=mode)
    for i in range(20):
        assert send(signer.request(r.url + f"cb?i={i}")).status_code == 200
        assert r.last.query == f"i={i}" and len(r.history) == i + 1


@pytest.mark.parametrize("mode", MODES)
def test_a_leading_double_slash_is_kept_as_signed(make_receiver, signer, mode):
    # http.server would fold "//cb" into "/cb"; OSS signed "//cb", so the receiver must not.
    r = make_receiver(mode=mode)
    req = signer.request(r.url + "/cb//x?a=1")
    assert req.target == "//cb//x?a=1"
    assert post_raw(r.port, req) == 200
    (rec,) = r.wait_for(1)
    assert rec.target == "//cb//x?a=1" and rec.verified
