"""Bad command-line input: one clear line on stderr, exit 2, never a traceback (issue #12, 10 and 16-17)."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.verification import KeyResolver

G1 = Path(__file__).resolve().parents[1] / "data" / "g1.http"
# SubjectPublicKeyInfo with the algorithm OID 1.2.3.4: cryptography raises UnsupportedAlgorithm
UNKNOWN_SPKI = (b"-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(bytes.fromhex("300c300506032a04030303000102"))
                + b"\n-----END PUBLIC KEY-----\n")


def osscb(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osscb_notebook", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def assert_one_line_exit_2(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "listening" not in r.stdout  # nothing started


@pytest.mark.parametrize(("args", "words"), [
    (("emulator", "--port", "99999"), ("--port", "99999", "1-65535")),
    (("emulator", "--port", "-5"), ("--port", "-5")),
    (("emulator", "--bucket", "BAD_NAME"), ("--bucket", "BAD_NAME", "bucket name")),
    (("emulator", "--public-endpoint", "notaurl"), ("--public-endpoint", "notaurl", "http")),
    (("receiver", "--port", "99999"), ("--port", "99999")),
    (("receiver", "--mode", "process", "--port", "99999"), ("--port", "99999")),
    (("receiver", "--log", "/proc/1/x.jsonl"), ("--log", "/proc/1/x.jsonl")),
    (("receiver", "--max-body", "-5"), ("--max-body", "-5")),
    (("lab", "--port", "99999"), ("--port", "99999")),
    (("lab", "--notebook-dir", "/nonexistent/notebooks"), ("--notebook-dir", "not a folder")),
    (("lab", "--backend", "s3"), ("--backend", "s3")),
])
def test_bad_values_are_one_line_and_exit_2(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert_one_line_exit_2(osscb(*args), *words)


def test_receiver_log_naming_a_directory(tmp_path: Path) -> None:
    assert_one_line_exit_2(osscb("receiver", "--log", str(tmp_path)), "--log", "is a directory")


def _pem_files(tmp_path: Path) -> dict[str, Path]:
    ed = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    files = {"empty": b"", "garbage": b"garbage\n", "unknown-algorithm": UNKNOWN_SPKI, "ed25519": ed}
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / f"{name}.pem"
        out[name].write_bytes(data)
    return out


@pytest.mark.parametrize("kind", ["empty", "garbage", "unknown-algorithm", "ed25519"])
@pytest.mark.parametrize("command", [("verify", str(G1)), ("receiver", "--port", "0"),
                                     ("receiver", "--port", "0", "--mode", "process")])
def test_an_unusable_public_key_file_is_refused(tmp_path: Path, kind: str, command: tuple[str, ...]) -> None:
    pem = _pem_files(tmp_path)[kind]
    r = osscb(*command, "--public-key", str(pem))
    assert_one_line_exit_2(r, "--public-key", str(pem))
    assert ("is empty" if kind == "empty" else "not a PEM RSA public key") in r.stderr


def test_the_python_api_refuses_the_same_values(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is empty"):
        KeyResolver(public_key=b"")
    with pytest.raises(ValueError, match="not a PEM RSA public key"):
        KeyResolver(public_key=UNKNOWN_SPKI)
    for mode in ("thread", "process"):
        with pytest.raises(ValueError, match="not a port"):
            start_receiver(port=99999, mode=mode)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="is empty"):
            start_receiver(public_key=b"", mode=mode)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="at least 1"):
            start_receiver(max_body=-5, mode=mode)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="is a directory"):
            start_receiver(log_path=tmp_path, mode=mode)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []  # the checks left nothing behind
    with pytest.raises(ValueError, match="not a port"):
        Emulator(port=99999)
    with pytest.raises(ValueError, match="not an http"):
        Emulator(public_endpoint="notaurl")
