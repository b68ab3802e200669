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


def _ali_oss(script: Path, emu: Emulator, key: str, *flags: str) -> dict[str, object]:
    port = emu.endpoint.rsplit(":", 1)[1]
    args = ["node", str(script), port, emu.access_key_id, emu.access_key_secret, key, *flags]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _round_trip(key: str) -> dict[str, object]:
    """What roundtrip.js prints when everything worked for ``key``."""
    return {"put": 200, "get": "from ali-oss", "head": 200, "list": [key], "missing": [404, "NoSuchKey"]}


@pytest.mark.parametrize("domain", [None, "oss.example.test"])
@pytest.mark.parametrize("signing", ["v1", "v4"])
def test_real_ali_oss_in_its_default_virtual_host_mode(ali_oss: Path, tmp_path: Path, domain: str | None,
                                                       signing: str) -> None:
    flags = ([f"--domain={domain}"] if domain else []) + (["--v4"] if signing == "v4" else [])
    with Emulator(data_dir=tmp_path, virtual_host_domains=("localhost", "oss.example.test")) as emu:
        assert _ali_oss(ali_oss, emu, "dir/k.txt", *flags) == _round_trip("dir/k.txt")
        assert _stored(emu, "dir/k.txt") == b"from ali-oss"
        # a key that starts with the bucket's name: /demo/k.txt under Host demo.* is key demo/k.txt
        assert _ali_oss(ali_oss, emu, "demo/k.txt", *flags) == _round_trip("demo/k.txt")
        assert _stored(emu, "demo/k.txt") == b"from ali-oss" and _stored(emu, "k.txt") is None


@pytest.mark.parametrize("signing", ["v1", "v4"])
def test_real_ali_oss_path_style_with_sld_enable(ali_oss: Path, tmp_path: Path, signing: str) -> None:
    """Issue #20 item 1: ``endpoint: 'http://127.0.0.1:PORT', sldEnable: true`` sends ``PUT /demo/KEY``
    with ``Host: demo.oss-cn-hangzhou.aliyuncs.com`` and signs ``/demo/KEY``: stored as ``KEY``."""
    flags = ["--path-style"] + (["--v4"] if signing == "v4" else [])
    with Emulator(data_dir=tmp_path) as emu:
        assert _ali_oss(ali_oss, emu, "dir/k.txt", *flags) == _round_trip("dir/k.txt")
        assert _stored(emu, "dir/k.txt") == b"from ali-oss" and _stored(emu, "demo/dir/k.txt") is None
        # path /demo/demo/k.txt: the signature, not a guess, says the key is demo/k.txt
        assert _ali_oss(ali_oss, emu, "demo/k.txt", *flags) == _round_trip("demo/k.txt")
        assert _stored(emu, "demo/k.txt") == b"from ali-oss" and _stored(emu, "demo/demo/k.txt") is None


def test_a_path_under_a_bucket_host_is_still_refused_when_signed_for_neither_reading(emulator: Emulator) -> None:
    port = emulator.endpoint.rsplit(":", 1)[1]
    key = unique("neither")
    r = _v1_put(emulator, f"demo.oss-cn-hangzhou.aliyuncs.com:{port}", f"/demo/{key}", f"/other/{key}", b"x")
    assert r.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in r.text
    # the error shows the virtual-host reading's string to sign (the SDK default), not the other one
    assert f"/demo/demo/{key}" in r.text
    assert _stored(emulator, key) is None and _stored(emulator, f"demo/{key}") is None
