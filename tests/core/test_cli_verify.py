"""`osscb verify` as users run it: a real subprocess, exit codes 0 / 1 / 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from osscb_notebook.callback import generate_private_key, public_key_pem

G1 = Path(__file__).parent.parent / "data" / "g1.http"


def osscb(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osscb_notebook", *args], input=stdin.decode() if stdin else None,
        capture_output=True, text=True, timeout=60,
    )


def test_g1_verifies_exit_0_and_prints_every_step() -> None:
    r = osscb("verify", str(G1))
    assert r.returncode == 0, r.stderr
    assert "http://gosspublic.alicdn.com/callback_pub_key_v1.pem" in r.stdout
    assert "hex 5b74fc97cc385b45c6c8b7782d5a2140" in r.stdout
    assert "/index.php?id=1&index=2\\nbucket=yonghu-test" in r.stdout
    assert r.stdout.count("[PASS]") == 7


def test_one_body_byte_changed_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.http"
    bad.write_bytes(G1.read_bytes().replace(b"yonghu-test", b"yonghu-tesT"))
    r = osscb("verify", str(bad))
    assert r.returncode == 1
    assert "[FAIL] 7. RSA verify" in r.stdout


def test_stdin_and_json_output() -> None:
    r = osscb("verify", "-", "--json", stdin=G1.read_bytes())
    assert r.returncode == 0
    assert json.loads(r.stdout)["ok"] is True


def test_given_wrong_public_key_exits_1(tmp_path: Path) -> None:
    pem = tmp_path / "k.pem"
    pem.write_bytes(public_key_pem(generate_private_key(1024)))
    r = osscb("verify", str(G1), "--public-key", str(pem))
    assert r.returncode == 1
    assert "(given)" in r.stdout


@pytest.mark.parametrize(
    ("args", "content", "needle"),
    [
        (["verify", "{f}"], b"garbage", "not an HTTP request line"),
        (["verify", "{f}"], b"", "empty"),
        (["verify", "/nonexistent/x.http"], None, "Cannot read"),
        (["verify", "{f}", "--public-key", "/nonexistent.pem"], G1.read_bytes(), "Cannot read"),
        (["verify", "{f}", "--public-key", "{f}"], G1.read_bytes(), "PEM"),
        (["verify", "{f}", "--trust-key-url", "ftp://x"], G1.read_bytes(), "http(s) URL"),
    ],
)
def test_unusable_input_exits_2_with_a_message(tmp_path: Path, args: list[str], content: bytes | None, needle: str) -> None:
    f = tmp_path / "req.http"
    if content is not None:
        f.write_bytes(content)
    r = osscb(*[a.replace("{f}", str(f)) for a in args])
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
