"""``osscb receiver`` outside Jupyter, and the exported production receiver run for real."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from osscb_notebook.errors import ReceiverError
from osscb_notebook.receiver import export_production_receiver
from tests.support import Signer, send


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    if not m:
        proc.kill()
        raise AssertionError(f"no URL in {line!r}; stderr: {proc.stderr.read()}")
    return proc, m.group(1)


@pytest.mark.parametrize("entry", [["-m", "osscb_notebook"], ["-c", "from osscb_notebook.cli import main; raise SystemExit(main())"]])
def test_cli_receiver_verifies_logs_and_stops_cleanly_on_ctrl_c(signer, key_server, evil_key_server, tmp_path, entry):
    log = tmp_path / "cli.jsonl"
    proc, url = _start([sys.executable, *entry, "receiver", "--host", "127.0.0.1", "--port", "0",
                        "--trust-key-url", key_server.prefix, "--trust-key-url", "http://127.0.0.1:1/unused/",
                        "--log", str(log)])
    try:
        assert send(signer.request(url + "cb?x=1")).status_code == 200
        forged = Signer(evil_key_server.private_key, evil_key_server.key_url).request(url + "cb")
        assert send(forged).status_code == 400
        assert proc.stdout.readline().startswith("logging to ")
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert "POST /cb?x=1 -> 200" in first and "verified" in first
        assert "POST /cb -> 400" in second and "allowlist" in second
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "stopped after 2 request(s)" in err
    assert "Traceback" not in err
    docs = [json.loads(x) for x in log.read_text().splitlines()]
    assert [d["reply"]["status"] for d in docs] == [200, 400]
    assert evil_key_server.hits == []


def test_cli_reports_a_busy_port(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        out = subprocess.run([sys.executable, "-m", "osscb_notebook", "receiver", "--port", str(s.getsockname()[1])],
                             capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "Cannot listen" in out.stderr and "Traceback" not in out.stderr


def test_exported_production_receiver_verifies_rejects_and_never_fetches_untrusted_keys(
        signer, key_server, evil_key_server, tmp_path):
    script = export_production_receiver(tmp_path / "oss_callback_receiver.py")
    with pytest.raises(ReceiverError, match="already exists"):
        export_production_receiver(script)
    source = script.read_text()
    imports = set(re.findall(r"^(?:from|import) (\w+)", source, re.M))
    assert imports <= {"__future__", "argparse", "base64", "json", "threading", "urllib", "http", "cryptography"}
    proc, url = _start([sys.executable, str(script), "--port", "0", "--trust-key-url", key_server.prefix])
    try:
        ok = send(signer.request(url + "upload/%E4%B8%AD%20x.php?id=1&index=2"))
        assert ok.status_code == 200 and ok.content == b'{"Status":"OK"}'
        assert ok.headers["content-length"] == "15"
        tampered = send(signer.request(url + "cb"), body=b"bucket=other")
        assert tampered.status_code == 400
        forged = Signer(evil_key_server.private_key, key_server.key_url).request(url + "cb")
        assert send(forged).status_code == 400
        untrusted = Signer(evil_key_server.private_key, evil_key_server.key_url).request(url + "cb")
        assert send(untrusted).status_code == 400
        import httpx

        assert httpx.get(url + "cb").status_code == 501
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert evil_key_server.hits == []


def test_cli_export_writes_the_script(tmp_path):
    target = tmp_path / "srv.py"
    out = subprocess.run([sys.executable, "-m", "osscb_notebook", "receiver", "--export", str(target)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and target.exists()
    assert "python" in out.stdout


def test_exported_receiver_verifies_a_real_oss_callback_offline(tmp_path):
    """Golden vector G1 (signed by OSS itself) verifies with the pinned official key: no fetch needed."""
    import http.client
    from pathlib import Path

    from osscb_notebook.verification import parse_raw_request

    g1 = parse_raw_request((Path(__file__).parents[1] / "data" / "g1.http").read_bytes())
    script = export_production_receiver(tmp_path / "oss_callback_receiver.py")
    proc, url = _start([sys.executable, str(script), "--port", "0"])
    try:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        statuses = []
        for body in (g1.body, g1.body.replace(b"yonghu-test", b"yonghu-tesT")):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", g1.target, body=body, headers={k: v for k, v in g1.headers if k.lower() != "content-length"})
            statuses.append(conn.getresponse().status)
            conn.close()
        assert statuses == [200, 400]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
