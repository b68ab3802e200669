"""Issue #12 item 7: ``Host: BUCKET.oss-<region>.aliyuncs.com`` (and configured domains) select the
bucket, as SDKs in their default virtual-host mode send it, with the real Node.js ali-oss too."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import sys
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import unique

NODE_DIR = Path(__file__).parent / "node"


def _stored(emu: Emulator, key: str) -> bytes | None:
    path = emu.object_path("demo", key)
    return None if path is None else path.read_bytes()


def _v1_put(emu: Emulator, host: str, path: str, resource: str, data: bytes) -> httpx.Response:
    date = formatdate(usegmt=True)
    to_sign = f"PUT\n\ntext/plain\n{date}\n{resource}"
    sig = base64.b64encode(hmac.new(emu.access_key_secret.encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    return httpx.put(emu.endpoint + path, content=data, timeout=10, headers={
        "Host": host, "Date": date, "Content-Type": "text/plain", "Authorization": f"OSS {emu.access_key_id}:{sig}"})


@pytest.mark.parametrize("domain", ["oss-cn-hangzhou.aliyuncs.com", "oss-cn-shanghai-internal.aliyuncs.com",
                                    "oss-accelerate.aliyuncs.com"])
def test_a_bucket_in_an_oss_host_header_is_virtual_host_style(emulator: Emulator, domain: str) -> None:
    key = unique("vh")
    port = emulator.endpoint.rsplit(":", 1)[1]
    r = _v1_put(emulator, f"demo.{domain}:{port}", f"/{key}", f"/demo/{key}", b"virtual")
    assert r.status_code == 200, r.text
    assert _stored(emulator, key) == b"virtual"


def test_configured_virtual_host_domains(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path, virtual_host_domains=("localhost", "oss.example.test")) as emu:
        r = _v1_put(emu, "demo.oss.example.test", "/k", "/demo/k", b"configured")
        assert r.status_code == 200, r.text
        assert _stored(emu, "k") == b"configured"


def test_cli_help_names_virtual_host_domain_and_callback_policy() -> None:
    out = subprocess.run([sys.executable, "-m", "osscb_notebook", "emulator", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for option in ("--virtual-host-domain", "--callback-policy", "oss-with-loopback", "--forbid-private-callbacks"):
        assert option in out


@pytest.fixture(scope="module")
def ali_oss() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run the real ali-oss client")
    if not (NODE_DIR / "node_modules" / "ali-oss").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, capture_output=True,
                       timeout=600)
    return NODE_DIR / "roundtrip.js"


@pytest.mark.parametrize("domain", [None, "oss.example.test"])
def test_real_ali_oss_in_its_default_virtual_host_mode(ali_oss: Path, tmp_path: Path, domain: str | None) -> None:
    with Emulator(data_dir=tmp_path, virtual_host_domains=("localhost", "oss.example.test")) as emu:
        port = emu.endpoint.rsplit(":", 1)[1]
        args = ["node", str(ali_oss), port, emu.access_key_id, emu.access_key_secret, "dir/k.txt"]
        out = subprocess.run(args + ([domain] if domain else []), capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        assert result == {"put": 200, "get": "from ali-oss", "head": 200, "missing": [404, "NoSuchKey"]}
        assert _stored(emu, "dir/k.txt") == b"from ali-oss"
