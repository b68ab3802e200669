"""The scoped callback endpoint (osscb_notebook.serverext) in a real Jupyter Server on loopback."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from osscb_notebook.errors import TunnelError, TunnelUnavailableError
from osscb_notebook.receiver import start_receiver
from osscb_notebook.serverext import registry
from osscb_notebook.tunnels import JupyterContext, detect_jupyter, open_tunnel
from tests.support import free_port, send
from tests.tunnels.conftest import start_scoped_server

TRICKY_PATH = "/oss/%E5%9B%9E%E8%B0%83%20cb/a+c.php"




@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_callback_through_the_scoped_endpoint_verifies_and_carries_no_token(scoped_server, make_receiver, signer,
                                                                             tmp_path, mode):
    log = tmp_path / "cb.jsonl"
    r = make_receiver(mode=mode, log_path=log)
    tunnel = open_tunnel("jupyter", r, context=scoped_server.context())
    capability = tunnel.secrets[0]
    assert registry.looks_like_capability(capability) and len(capability) * 6 >= 128
    with tunnel:
        url = tunnel.callback_url(TRICKY_PATH, "id=1&index=2")
        assert url == f"{scoped_server.url}osscb/callback/{capability}{TRICKY_PATH}?id=1&index=2"
        assert scoped_server.token not in url and "token" not in url and not tunnel.warning
        resp = send(signer.request(url, body=b'{"bucket":"demo","size":5}', body_type="application/json"))
        assert resp.status_code == 200 and resp.content == b'{"Status":"OK"}'
        (rec,) = r.wait_for(1)
        assert rec.verified  # signed over the path OSS requested, prefix included
        assert rec.raw_target == f"/osscb/callback/{capability}{TRICKY_PATH}?id=1&index=2"
        assert rec.target == f"/osscb/callback/***{TRICKY_PATH}?id=1&index=2"
        for text in (repr(tunnel), tunnel.display_url, tunnel._repr_html_(), repr(rec), json.dumps(rec.to_dict()),
                     rec.as_curl(), rec.trace.render_text(), log.read_text(), scoped_server.log.read_text()):
            assert capability not in text
        assert "/osscb/callback/***/" in tunnel.display_url


def test_the_receiver_sees_the_request_and_oss_sees_the_reply_unchanged(scoped_server, make_receiver):
    r = make_receiver()
    r.set_reply(status=203, body=b"custom reply", content_type="text/x-odd")
    with open_tunnel("jupyter", r, context=scoped_server.context()) as tunnel:
        url = tunnel.callback_url("/cb", "a=%2F&b=+")
        headers = {"Authorization": "abc", "x-oss-pub-key-url": "aHR0cDovL3g=", "Content-Type": "application/x-y"}
        via = httpx.post(url, content=b"k=v&x=1", headers=headers)
        direct = httpx.post(r.url.rstrip("/") + httpx.URL(url).raw_path.decode(), content=b"k=v&x=1", headers=headers)
    first, second = r.wait_for(2)
    assert first.method == "POST" and first.raw_target == second.raw_target
    assert first.body == second.body == b"k=v&x=1"
    assert first.header("authorization") == "abc" and first.header("content-type") == "application/x-y"
    assert (via.status_code, via.content) == (direct.status_code, direct.content) == (203, b"custom reply")
    drop = {"date", "connection"}  # hop-by-hop: each connection has its own
    added = {"content-security-policy": "sandbox", "x-content-type-options": "nosniff"}  # for the Jupyter origin
    assert {k: v for k, v in via.headers.items() if k not in drop} == {
        **{k: v for k, v in direct.headers.items() if k not in drop}, **added}


def test_a_chunked_reply_stays_chunked(scoped_server, make_receiver):
    """OSS rejects a reply without Content-Length: the relay must not add one."""
    r = make_receiver()
    r.set_reply(content_length=False)
    with open_tunnel("jupyter", r, context=scoped_server.context()) as tunnel:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x")
    assert "content-length" not in resp.headers and resp.headers.get("transfer-encoding") == "chunked"


def test_unknown_and_revoked_capabilities_reach_nothing(scoped_server, make_receiver):
    r = make_receiver()
    made_up = registry.new_capability()
    for cap in (made_up, "x", "%2e%2e", made_up[:-1]):
        assert httpx.post(f"{scoped_server.url}osscb/callback/{cap}/cb", content=b"x").status_code == 404
    tunnel = open_tunnel("jupyter", r, context=scoped_server.context())
    assert httpx.get(tunnel.callback_url("_osscb_ping")).status_code == 200
    tunnel.close()  # closing the tunnel revokes its address
    assert httpx.post(tunnel.callback_url("cb"), content=b"x").status_code == 404
    assert r.history == []


def test_stopping_or_replacing_the_receiver_revokes_its_capability(scoped_server, key_server):
    port = free_port()
    first = start_receiver(port=port, trust_key_urls=[key_server.prefix])
    old = open_tunnel("jupyter", first, context=scoped_server.context())
    second = start_receiver(port=port, trust_key_urls=[key_server.prefix])  # a re-run cell
    try:
        assert not first.running
        assert httpx.post(old.callback_url("cb"), content=b"x").status_code == 404
        new = open_tunnel("jupyter", second, context=scoped_server.context())
        assert httpx.post(new.callback_url("cb"), content=b"x").status_code == 400  # reached, unsigned
        second.stop()
        assert httpx.post(new.callback_url("cb"), content=b"x").status_code == 404
    finally:
        second.stop()


def test_bodies_are_capped_as_the_receiver_caps_them(scoped_server, make_receiver):
    r = make_receiver(max_body=1000)
    with open_tunnel("jupyter", r, context=scoped_server.context()) as tunnel:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x" * 5000)
        assert resp.status_code == 413 and "1000-byte cap" in resp.text
        assert httpx.post(tunnel.callback_url("cb"), content=b"x" * 1000).status_code == 400  # reached
    assert len(r.wait_for(1)) == 1


def test_a_registration_anyone_else_could_write_is_ignored(scoped_server, make_receiver):
    r = make_receiver()
    with open_tunnel("jupyter", r, context=scoped_server.context()) as tunnel:
        (path,) = [p for p in Path(scoped_server.runtime_dir).glob("osscb-callbacks-*/*.json")]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        os.chmod(path, 0o644)
        assert httpx.post(tunnel.callback_url("cb"), content=b"x").status_code == 404
        os.chmod(path, 0o600)
        assert httpx.post(tunnel.callback_url("cb"), content=b"x").status_code == 400
    assert len(r.wait_for(1)) == 1


def test_a_receiver_whose_process_died_is_revoked(scoped_server, make_receiver, tmp_path):
    r = make_receiver()
    info = registry.find_server(scoped_server.runtime_dir, scoped_server.pid)
    assert info is not None
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host, _, inode = registry.locate(r.port, "127.0.0.1", r.pid)
    capability, _ = registry.register(info, registry.Registration(r.port, 1000, host, dead.pid, inode))
    assert httpx.post(f"{scoped_server.url}osscb/callback/{capability}/cb", content=b"x").status_code == 404
    assert r.history == []


def test_server_shutdown_revokes_everything(tmp_path, make_receiver):
    server = start_scoped_server(tmp_path)
    r = make_receiver()
    try:
        tunnel = open_tunnel("jupyter", r, context=server.context())
        registries = list(Path(server.runtime_dir).glob("osscb-callbacks-*"))
        assert len(registries) == 1 and list(registries[0].iterdir())
    finally:
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(30)
    assert not registries[0].exists()
    assert not list(Path(server.runtime_dir).glob("osscb-serverext-*"))
    tunnel.close()


def test_without_the_extension_the_proxy_is_used_and_scoped_true_says_why(scoped_server, make_receiver, tmp_path):
    r = make_receiver()
    ctx = JupyterContext("server", scoped_server.url, scoped_server.token, "test", str(tmp_path), scoped_server.pid)
    with pytest.raises(TunnelUnavailableError, match="not active") as info:
        open_tunnel("jupyter", r, context=ctx, scoped=True)
    assert "jupyter server extension list" in info.value.hint
    with pytest.warns(UserWarning, match="full access"), open_tunnel("jupyter", r, context=ctx) as tunnel:
        assert "/proxy/absolute/" in tunnel.public_url


def test_a_failed_proxy_check_keeps_its_hint(scoped_server, make_receiver):
    r = make_receiver()
    ctx = JupyterContext("server", scoped_server.url, "not-the-token-123", "test")
    with pytest.warns(UserWarning), pytest.raises(TunnelError, match="HTTP (302|403)") as info:
        open_tunnel("jupyter", r, context=ctx)
    assert "Is the token right" in info.value.hint and "not-the-token-123" not in str(info.value)


def test_the_class_wide_public_address():
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "OSSCB_PUBLIC_URL": "https://class.example.org/ignored"}
    ctx = detect_jupyter(env, runtime_dir="/nonexistent")
    assert ctx.server_url == "https://class.example.org/user/alice/" and "OSSCB_PUBLIC_URL" in ctx.source
    with pytest.raises(TunnelUnavailableError) as info:
        open_tunnel("jupyter", free_port(), context=detect_jupyter({"JUPYTERHUB_SERVICE_PREFIX": "/user/a/"},
                                                                    runtime_dir="/nonexistent"))
    assert "server_url=" in str(info.value) and "OSSCB_PUBLIC_URL" in info.value.hint
    plain = detect_jupyter({"OSSCB_PUBLIC_URL": "https://lab.example.org/base"}, runtime_dir="/nonexistent")
    assert plain.server_url == "https://lab.example.org/base/"


def test_the_emulator_masks_the_capability_in_its_records(scoped_server, key_server):
    from osscb_notebook.emulator import Emulator
    from osscb_notebook.upload import UploadTarget, upload

    with Emulator() as emu:
        r = start_receiver(trust_key_urls=[emu.public_key_prefix])
        try:
            with open_tunnel("jupyter", r, context=scoped_server.context()) as tunnel:
                out = upload(UploadTarget.for_emulator(emu), "a.txt", b"hi", operation="PutObject",
                             callback={"callbackUrl": tunnel.callback_url("cb"), "callbackBody": "object=${object}"})
                assert out.status == 200 and r.wait_for(1)[-1].verified
                (record,) = [x for x in emu.records if x.callback]
                text = json.dumps(record.to_dict())
                assert tunnel.secrets[0] not in text and "/osscb/callback/***/cb" in text
        finally:
            r.stop()


def test_a_receiver_slower_than_oss_allows_gets_a_504_from_the_relay(scoped_server, make_receiver):
    """The relay gives up inside OSS's 5 s (at 4.5 s) instead of holding the connection."""
    r = make_receiver()
    r.set_reply(delay=6)
    with open_tunnel("jupyter", r, context=scoped_server.context()) as tunnel:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x", timeout=30)
    assert resp.status_code == 504 and "did not answer in time" in resp.text
