"""``osscb receiver`` outside Jupyter (the exported receivers are tested in tests/receivers)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

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


def test_cli_export_writes_the_script(tmp_path):
    target = tmp_path / "srv.py"
    out = subprocess.run([sys.executable, "-m", "osscb_notebook", "receiver", "--export", str(target)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and target.exists()
    assert f"python3 {target}" in out.stdout
