"""History: bounded, JSON Lines log, replay to any URL, copy as curl, secrets masked."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest

from osscb_notebook.receiver import load_log
from tests.support import send


def test_history_is_bounded_but_the_log_keeps_everything(make_receiver, signer, tmp_path):
    log = tmp_path / "cb.jsonl"
    r = make_receiver(history_size=3, log_path=log)
    for i in range(5):
        send(signer.request(r.url + f"cb{i}"))
    r.wait_for(5)
    assert [x.path for x in r.history] == ["/cb2", "/cb3", "/cb4"]
    lines = log.read_text().splitlines()
    assert len(lines) == 5
    first = json.loads(lines[0])
    assert first["path"] == "/cb0" and first["verified"] is True and first["body_text"].startswith("bucket=demo")
    loaded = load_log(log)
    assert [x.path for x in loaded] == [f"/cb{i}" for i in range(5)]
    assert loaded[0].body == r.history[0].body or loaded[0].body.startswith(b"bucket=demo")
    assert loaded[0].trace is not None and loaded[0].trace.ok


def test_replay_to_another_receiver_verifies_there(make_receiver, signer):
    a, b = make_receiver(), make_receiver()
    send(signer.request(a.url + "cb?order=7"))
    (rec,) = a.wait_for(1)
    result = a.replay(rec, b.url)
    assert result.status == 200 and result.text == '{"Status":"OK"}'
    (copy,) = b.wait_for(1)
    assert copy.verified and copy.target == "/cb?order=7" and copy.body == rec.body
    # Replaying to a URL as-is (another path) fails verification there, as it should.
    assert a.replay(rec, b.url + "elsewhere", keep_target=False).status == 400


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_copy_as_curl_runs_and_verifies(make_receiver, signer):
    r = make_receiver()
    send(signer.request(r.url + "cb?x=%2F1", body='{"name":"中文 file.txt","size":5}'.encode(),
                        body_type="application/json"))
    (rec,) = r.wait_for(1)
    cmd = rec.as_curl()
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=30, check=True)
    assert out.stdout == b'{"Status":"OK"}'
    again = r.wait_for(2)[-1]
    assert again.verified and again.body == rec.body


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_copy_as_curl_keeps_binary_bodies_exact(make_receiver):
    r = make_receiver()
    body = bytes(range(256))
    httpx.post(r.url + "bin", content=body)
    (rec,) = r.wait_for(1)
    subprocess.run(["bash", "-c", rec.as_curl()], capture_output=True, timeout=30, check=True)
    assert r.wait_for(2)[-1].body == body


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_token_in_the_query_is_masked_everywhere_but_still_verified(make_receiver, signer, tmp_path, mode):
    token = "s3cr3t-jupyter-token-0123456789"
    log = tmp_path / "cb.jsonl"
    r = make_receiver(mode=mode, log_path=log)
    resp = send(signer.request(r.url + f"proxy/absolute/9/cb?token={token}&id=1"))
    assert resp.status_code == 200
    (rec,) = r.wait_for(1)
    assert rec.verified
    shown = [repr(rec), str(rec), json.dumps(rec.to_dict()), rec.as_curl(), rec.trace.render_text(),
             log.read_text(), repr(r), str(r.status())]
    for text in shown:
        assert token not in text
    assert "token=***" in rec.target
    # The unmasked target stays in memory only, so a replay still verifies.
    assert token in rec.as_curl(reveal=True)
    assert r.replay(rec).status == 200


def test_more_secret_query_params_can_be_masked(make_receiver, signer):
    r = make_receiver(secret_params=("token", "sig"))
    resp = send(signer.request(r.url + "cb?sig=abcdef0123456789&id=1"))
    assert resp.status_code == 200
    (rec,) = r.wait_for(1)
    assert rec.verified and "sig=***" in rec.target and "abcdef0123456789" not in repr(rec)
