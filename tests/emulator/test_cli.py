"""``osscb emulator`` / ``python -m osscb_notebook emulator``: prints its settings (never the
secret), serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import oss2


def test_cli_starts_prints_and_stops(tmp_path):
    secret = "s3cret-never-printed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "osscb_notebook", "emulator", "--port", "0", "--data-dir", str(tmp_path / "d"),
         "--access-key-id", "cli-id", "--access-key-secret", secret, "--bucket", "one", "--bucket", "two"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:  # readiness: the banner is printed once the server accepts requests
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        out = "".join(lines)
        endpoint = lines[0].split()[-1]
        assert endpoint.startswith("http://127.0.0.1:")
        assert "cli-id" in out and "one, two" in out and f"{endpoint}/_osscb/callback_pub_key.pem" in out
        assert secret not in out
        b = oss2.Bucket(oss2.Auth("cli-id", secret), endpoint, "two")
        b.put_object("k", b"cli")
        assert b.get_object("k").read() == b"cli"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert secret not in err


def test_cli_help_lists_options():
    out = subprocess.run([sys.executable, "-m", "osscb_notebook", "emulator", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for option in ("--host", "--port", "--data-dir", "--access-key-id", "--access-key-secret", "--bucket",
                   "--forbid-private-callbacks"):
        assert option in out
