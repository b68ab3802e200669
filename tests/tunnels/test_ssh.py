"""The SSH reverse tunnel, end to end against a real sshd on loopback."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from osscb_notebook.errors import TunnelUnavailableError
from osscb_notebook.tunnels import open_tunnel, open_tunnels
from tests.support import free_port, send


def ssh_options(sshd, **extra):  # noqa: ANN001, ANN003, ANN201
    return {"host": "127.0.0.1", "ssh_port": sshd.port, "user": sshd.user, "identity_file": sshd.client_key,
            "known_hosts_file": sshd.known_hosts, "strict_host_key_checking": "yes", **extra}


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_signed_callback_through_ssh_reverse_tunnel_is_verified(sshd, make_receiver, signer, mode):
    r = make_receiver(mode=mode)
    tunnel = open_tunnel("ssh", r, **ssh_options(sshd, check=True))
    try:
        remote = int(tunnel.details["remote_port"])
        assert remote != r.port and tunnel.public_url == f"http://127.0.0.1:{remote}/"
        url = tunnel.callback_url("/oss/callback", "id=1&index=2")
        resp = send(signer.request(url))
        assert resp.status_code == 200 and resp.content == b'{"Status":"OK"}'
        (rec,) = r.wait_for(1)
        assert rec.verified and rec.target == "/oss/callback?id=1&index=2"
        assert rec.header("host") == f"127.0.0.1:{remote}"
        assert tunnel.alive and tunnel in open_tunnels()
    finally:
        tunnel.close()
    assert not tunnel.alive and tunnel not in open_tunnels()
    with pytest.raises(httpx.TransportError):
        httpx.post(url, content=b"x", timeout=5)


def test_fixed_remote_port_and_bind_address(sshd, make_receiver, signer):
    r = make_receiver()
    remote = free_port()
    with open_tunnel("ssh", r.port, **ssh_options(sshd, remote_port=remote, bind_address="127.0.0.1")) as tunnel:
        assert tunnel.public_url == f"http://127.0.0.1:{remote}/"
        assert send(signer.request(tunnel.callback_url("cb"))).status_code == 200
    assert r.wait_for(1)[0].verified


def test_user_at_host_form(sshd, make_receiver, signer):
    r = make_receiver()
    options = ssh_options(sshd)
    del options["user"]
    options["host"] = f"{sshd.user}@127.0.0.1"
    with open_tunnel("ssh", r, **options) as tunnel:
        assert tunnel.details["ssh"] == f"{sshd.user}@127.0.0.1:{sshd.port}"
        assert tunnel.public_url.startswith("http://127.0.0.1:")
        assert send(signer.request(tunnel.callback_url("cb"))).status_code == 200


def test_unreachable_ssh_server_fails_fast_with_a_clear_message(make_receiver):
    r = make_receiver()
    with pytest.raises(TunnelUnavailableError, match="Connection refused"):
        open_tunnel("ssh", r.port, host="127.0.0.1", ssh_port=free_port(), connect_timeout=3)


def test_wrong_key_is_refused(sshd, make_receiver, tmp_path):
    r = make_receiver()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    with pytest.raises(TunnelUnavailableError, match="Permission denied"):
        open_tunnel("ssh", r.port, **ssh_options(sshd, identity_file=str(tmp_path / "other"), connect_timeout=5))


def test_unknown_host_key_is_refused_when_strict(sshd, make_receiver, tmp_path):
    r = make_receiver()
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(TunnelUnavailableError, match="Host key verification failed"):
        open_tunnel("ssh", r.port, **ssh_options(sshd, known_hosts_file=str(empty), connect_timeout=5))
