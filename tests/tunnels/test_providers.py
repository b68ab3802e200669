"""``local`` and ``ngrok`` providers, and the open_tunnel front door."""

from __future__ import annotations

import os
import stat

import pytest
from receiver_helpers import free_port, send

from osscb_notebook.errors import TunnelError, TunnelUnavailableError
from osscb_notebook.tunnels import Tunnel, close_all_tunnels, open_tunnel, open_tunnels


def test_local_tunnel_is_the_loopback_url_and_checks_the_receiver(make_receiver, signer):
    r = make_receiver()
    with open_tunnel("local", r) as tunnel:
        assert tunnel.public_url == r.url
        assert "real OSS rejects private addresses" in tunnel.warning
        assert send(signer.request(tunnel.callback_url("/cb", {"a": "1"}))).status_code == 200
    assert r.wait_for(1)[0].verified and r.history[0].target == "/cb?a=1"
    assert len(r.history) == 1  # the readiness ping is not recorded


def test_local_tunnel_fails_fast_when_nothing_listens():
    with pytest.raises(TunnelUnavailableError, match="unreachable"):
        open_tunnel("local", free_port())


def test_unknown_provider():
    with pytest.raises(TunnelError, match="Pick one of local, ssh, ngrok, jupyter"):
        open_tunnel("carrier-pigeon", 80)


def test_callback_url_joins_path_and_query():
    t = Tunnel("x", "https://h.example/base/?token=abc123456", 1, secrets=("abc123456",))
    try:
        assert t.callback_url("/cb") == "https://h.example/base/cb?token=abc123456"
        assert t.callback_url("cb", "id=1&x=%2F") == "https://h.example/base/cb?token=abc123456&id=1&x=%2F"
        assert "abc123456" not in repr(t) and "abc123456" not in str(t)
        assert t in open_tunnels()
        assert close_all_tunnels() >= 1 and t.closed
    finally:
        t.close()


@pytest.fixture
def offline(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    """Route any download through a closed loopback port, so nothing leaves this machine."""
    port = free_port()
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}")
    for var in ("no_proxy", "NO_PROXY", "PYNGROK_NGROK_PATH", "NGROK_AUTHTOKEN"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_ngrok_without_a_binary_or_internet_fails_fast_and_says_what_to_do(offline):
    missing = offline / "bin" / "ngrok"
    with pytest.raises(TunnelUnavailableError) as info:
        open_tunnel("ngrok", 8080, ngrok_path=str(missing), download_timeout=3)
    message = str(info.value)
    assert "could not be downloaded" in message and "ngrok_path=" in message and "'ssh'" in message
    assert not missing.exists()


def test_ngrok_download_off(offline):
    with pytest.raises(TunnelUnavailableError, match="downloading is off"):
        open_tunnel("ngrok", 8080, ngrok_path=str(offline / "ngrok"), download=False)


def test_ngrok_honours_binary_path_and_auth_token(offline):
    """A stand-in agent (a script) that logs how it was started the way ngrok does and exits."""
    agent = offline / "ngrok"
    seen = offline / "argv.txt"
    agent.write_text(f"""#!/bin/sh
echo "$@" > {seen}
echo 't=2026-01-01T00:00:00+0000 lvl=eror msg="failed to start" err="authentication failed: bad token"'
exit 1
""")
    agent.chmod(agent.stat().st_mode | stat.S_IXUSR)
    token = "2abcdefSECRETtoken"
    with pytest.raises(TunnelUnavailableError, match="auth") as info:
        open_tunnel("ngrok", 8080, ngrok_path=str(agent), auth_token=token, config_path=str(offline / "ngrok.yml"),
                    startup_timeout=10)
    assert token not in str(info.value)
    argv = seen.read_text()
    assert "--authtoken " + token in argv and "start" in argv


def test_ngrok_path_that_is_not_executable(offline):
    agent = offline / "ngrok"
    agent.write_text("not a program")
    os.chmod(agent, 0o644)
    with pytest.raises(TunnelUnavailableError, match="not an executable"):
        open_tunnel("ngrok", 8080, ngrok_path=str(agent))
