"""Errors carry evidence: each attribute is read off a real failure on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from pathlib import Path

import pytest

from osscb_notebook import errors
from osscb_notebook.errors import (
    KeyFetchError,
    ReceiverError,
    TunnelError,
    TunnelUnavailableError,
    UploadError,
    VerificationError,
)
from osscb_notebook.receiver import start_receiver
from osscb_notebook.tunnels import open_local
from osscb_notebook.tunnels.ssh import open_ssh
from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request

G1 = (Path(__file__).parent.parent / "data" / "g1.http").read_bytes()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_error_class_is_in_the_documented_tree() -> None:
    doc = errors.__doc__ or ""
    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, errors.OsscbError):
            assert name in doc, f"{name} is missing from the tree at the top of errors.py"
    assert not hasattr(errors, "TemplateError")  # OSS renders every template: there is no such failure


def test_key_server_answering_404_gives_url_and_status(key_server) -> None:  # type: ignore[no-untyped-def]
    url = key_server.url("missing.pem")
    with pytest.raises(KeyFetchError) as info:
        KeyResolver([key_server.prefix]).resolve(url)
    assert (info.value.url, info.value.status_code) == (url, 404)
    assert info.value.hint


def test_key_server_not_listening_gives_url_and_no_status() -> None:
    url = f"http://127.0.0.1:{closed_port()}/pub.pem"
    with pytest.raises(KeyFetchError) as info:
        KeyResolver([url]).resolve(url)
    assert (info.value.url, info.value.status_code) == (url, None)
    assert info.value.hint


def test_a_failed_trace_raises_verification_error_with_the_trace() -> None:
    trace = verify_request(parse_raw_request(G1.replace(b"yonghu-test", b"yonghu-tesT")))
    with pytest.raises(VerificationError) as info:
        trace.raise_for_failure()
    assert info.value.trace is trace
    assert "RSA verify" in info.value.message and info.value.hint
    ok = verify_request(parse_raw_request(G1))
    assert ok.raise_for_failure() is ok


@pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the OpenSSH client")
def test_ssh_to_a_closed_port_gives_provider_and_ssh_log(tmp_path: Path) -> None:
    with pytest.raises(TunnelUnavailableError) as info:
        open_ssh(closed_port(), host="127.0.0.1", ssh_port=closed_port(), connect_timeout=5,
                 known_hosts_file=str(tmp_path / "known_hosts"))
    assert info.value.provider == "ssh"
    assert any("Connection refused" in line for line in info.value.log), info.value.log
    assert info.value.hint


def test_local_tunnel_without_a_receiver_names_its_provider() -> None:
    with pytest.raises(TunnelError) as info:
        open_local(closed_port(), timeout=2)
    assert info.value.provider == "local" and info.value.hint


def test_a_receiver_child_that_dies_gives_port_and_exit_code() -> None:
    receiver = start_receiver(mode="process")
    try:
        os.kill(receiver._backend.process.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while receiver.running and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(ReceiverError) as info:
            receiver.check()
        assert (info.value.port, info.value.exitcode) == (receiver.port, -signal.SIGKILL)
        assert info.value.hint
    finally:
        receiver.stop()


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_port_in_use_gives_the_port_and_keeps_the_hint(mode: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ReceiverError) as info:
            start_receiver(port=port, mode=mode)  # type: ignore[arg-type]
    assert info.value.port == port
    assert "port=0" in info.value.hint  # the child's hint survives the trip to the parent


def test_upload_error_attributes_default_for_raise_sites_without_evidence() -> None:
    exc = UploadError("x", hint="y")
    assert (exc.status, exc.code, exc.request_id, str(exc)) == (None, "", "", "x y")


def test_ngrok_that_fails_on_start_gives_provider_and_its_log_token_masked(tmp_path: Path) -> None:
    pytest.importorskip("pyngrok")
    from osscb_notebook.tunnels.ngrok import open_ngrok

    agent = tmp_path / "ngrok"
    agent.write_text("#!/bin/sh\n"
                     "echo 't=2026-01-01T00:00:00+0000 lvl=eror msg=\"failed to start\" "
                     "err=\"authentication failed: bad token 2abcSECRET\"'\nexit 1\n")
    agent.chmod(0o755)
    with pytest.raises(TunnelUnavailableError) as info:
        open_ngrok(closed_port(), ngrok_path=str(agent), auth_token="2abcSECRET", download=False,
                   config_path=str(tmp_path / "ngrok.yml"), startup_timeout=10)
    assert info.value.provider == "ngrok"
    assert any("authentication failed" in line for line in info.value.log), info.value.log
    assert not any("2abcSECRET" in line for line in info.value.log)
