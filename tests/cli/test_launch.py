"""The main job as users start it: `osscb lab` serves the notebooks; `osscb demo` runs an exchange."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_runs_one_verified_exchange() -> None:
    r = subprocess.run([sys.executable, "-m", "osscb_notebook", "demo"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[PASS] 7. RSA verify" in r.stdout
    assert "200: stored, callback delivered" in r.stdout
    assert "osscb-local-secret" not in r.stdout


def test_lab_serves_the_notebooks_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    token = "t" * 32
    proc = subprocess.Popen(
        [sys.executable, "-m", "osscb_notebook", "lab", "--port", str(port), "--", "--no-browser",
         f"--IdentityProvider.token={token}", f"--ServerApp.runtime_dir={tmp_path}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in proc.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/api/contents", params={"token": token}, timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "\n".join(lines)
                assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
                time.sleep(0.3)
        # its own line: the login URL (the server's token, read from the server) and the SSH tunnel hint
        deadline = time.monotonic() + 30
        while not any(line.startswith("osscb lab: open") for line in lines) and time.monotonic() < deadline:
            time.sleep(0.2)
        (ours,) = [line for line in lines if line.startswith("osscb lab: open")]
        assert f"open http://127.0.0.1:{port}/lab?token={token} in a browser" in ours
        assert f"`ssh -L {port}:127.0.0.1:{port} HOST`" in ours
        names = {item["name"] for item in resp.json()["content"]}
        assert "01-quickstart.ipynb" in names
        lab = httpx.get(f"http://127.0.0.1:{port}/lab", params={"token": token}, timeout=10)
        assert lab.status_code == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    # stopping `osscb lab` stops JupyterLab: nothing is left serving on the port
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/api/contents", params={"token": token}, timeout=2)
