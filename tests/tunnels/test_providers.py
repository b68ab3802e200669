"""``local`` and ``ngrok`` providers, and the open_tunnel front door."""

from __future__ import annotations

import json
import os
import stat
import sys
import urllib.request
from pathlib import Path

import pytest

from osscb_notebook.errors import TunnelError, TunnelUnavailableError
from osscb_notebook.tunnels import Tunnel, close_all_tunnels, open_tunnel, open_tunnels
from tests.support import free_port, send


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
    urllib.request.install_opener(None)  # urlopen builds its opener, proxies included, on first use
    yield tmp_path
    urllib.request.install_opener(None)


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


@pytest.fixture
def standin(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    """The ngrok stand-in (ngrok_standin.py) behind an executable path, as pyngrok expects an agent.
    No proxy: pyngrok talks to the agent's local API with urllib, which honours proxy variables."""
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "PYNGROK_NGROK_PATH", "NGROK_AUTHTOKEN"):
        monkeypatch.delenv(var, raising=False)
    urllib.request.install_opener(None)
    agent = tmp_path / "ngrok"
    agent.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).parent / "ngrok_standin.py"}" "$@"\n')
    agent.chmod(agent.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "agent.jsonl"
    monkeypatch.setenv("OSSCB_NGROK_STANDIN_LOG", str(log))

    def events() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def agent_gone() -> bool:
        """pyngrok kills the agent (SIGKILL) and reaps it when the tunnel closes."""
        try:
            os.kill(events()[0]["pid"], 0)
        except ProcessLookupError:
            return True
        return False

    return agent, tmp_path / "ngrok.yml", events, agent_gone


def test_ngrok_success_path_carries_signed_callbacks_and_closes_cleanly(standin, make_receiver, signer):
    """Through pyngrok and a stand-in agent whose public URL really forwards TCP: the tunnel opens,
    a signed callback arrives verified, and closing deletes the endpoint and stops the agent."""
    agent, config, events, agent_gone = standin
    token = "2xyzNGROKauthTOKEN"
    r = make_receiver()
    tunnel = open_tunnel("ngrok", r, ngrok_path=str(agent), auth_token=token, config_path=str(config))
    try:
        assert tunnel.provider == "ngrok" and tunnel.public_url.startswith("http://127.0.0.1:")
        assert tunnel.public_url != r.url and "callbackSNI" in tunnel.warning
        assert token not in repr(tunnel)
        assert send(signer.request(tunnel.callback_url("/cb", {"id": "7"}))).status_code == 200
        (rec,) = r.wait_for(1)  # the check's ping is not recorded
        assert rec.verified and rec.target == "/cb?id=7"
        started, created = events()[:2]
        assert started["argv"][:4] == ["start", "--none", "--log", "stdout"] and token in started["argv"]
        assert created["options"]["upstream"] == {"url": f"http://localhost:{r.port}"}
    finally:
        tunnel.close()
    assert tunnel.closed and tunnel not in open_tunnels()
    assert [e.get("api") for e in events()[2:]] == ["DELETE"] and agent_gone()


def test_ngrok_check_fails_clearly_and_stops_the_agent_when_the_url_leads_nowhere(standin, monkeypatch, make_receiver):
    agent, config, events, agent_gone = standin
    monkeypatch.setenv("OSSCB_NGROK_STANDIN_BROKEN", "1")
    r = make_receiver()
    with pytest.raises(TunnelUnavailableError, match="ngrok tunnel http://127.0.0.1:9/ is unreachable") as info:
        open_tunnel("ngrok", r, ngrok_path=str(agent), config_path=str(config), check=True, check_timeout=3)
    assert "outbound HTTPS" in str(info.value)
    assert not [t for t in open_tunnels() if t.provider == "ngrok"]
    assert agent_gone()
