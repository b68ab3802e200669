"""Issue #12: `osscb verify` on hostile captures: a failed step (exit 1) or a clear error (exit 2),
never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from osscb_notebook.callback import build_callback_request, generate_private_key
from osscb_notebook.errors import KeyFetchError
from osscb_notebook.params import parse_callback_url
from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request

G1 = Path(__file__).parent.parent / "data" / "g1.http"
PREFIX = "http://127.0.0.1:9/keys/"  # discard port: nothing is ever fetched from it


def osscb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osscb_notebook", *args], capture_output=True, text=True, timeout=60)


def capture(key_url: str) -> bytes:
    req = build_callback_request(
        parse_callback_url("http://127.0.0.1:8080/cb"), b"bucket=demo", body_type="application/x-www-form-urlencoded",
        private_key=generate_private_key(1024), public_key_url=key_url, bucket="demo",
        request_id="5CF3E7821AB22D0FDB86704D", requester="1050784833268046",
    )
    head = f"POST {req.target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req.headers)
    return head.encode() + b"\r\n" + req.body


@pytest.mark.parametrize("tail", ["\x01", "\t", "\r\n", "a b"])
def test_a_control_character_in_the_key_url_is_a_failed_step(tmp_path: Path, tail: str) -> None:
    path = tmp_path / "c.http"
    path.write_bytes(capture(PREFIX + "k.pem" + tail))
    trace = verify_request(parse_raw_request(path.read_bytes()), KeyResolver([PREFIX]))
    assert not trace.ok and trace.failed_step is not None and trace.failed_step.name == "key_url"
    r = osscb("verify", str(path), "--trust-key-url", PREFIX)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert "control character" in r.stdout


@pytest.mark.parametrize("url", [PREFIX + "\x01", PREFIX + "k\r\nX: y", PREFIX + "ключ.pem"])
def test_the_resolver_refuses_an_unfetchable_url_with_key_fetch_error(url: str) -> None:
    with pytest.raises(KeyFetchError, match="cannot be fetched"):
        KeyResolver([PREFIX]).resolve(url)


def _chunked(data: bytes, sizes: list[int]) -> bytes:
    out, pos = b"", 0
    for n in sizes:
        out += f"{n:x}\r\n".encode() + data[pos:pos + n] + b"\r\n"
        pos += n
    return out + b"0\r\n\r\n"


def test_a_chunked_capture_is_dechunked_and_verifies(tmp_path: Path) -> None:
    head, _, body = G1.read_bytes().partition(b"\r\n\r\n")
    head = head.replace(b"Content-Length: 18", b"Transfer-Encoding: chunked")
    path = tmp_path / "chunked.http"
    path.write_bytes(head + b"\r\n\r\n" + _chunked(body, [5, 13]))
    r = osscb("verify", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "de-chunked" in r.stdout


def test_a_broken_chunked_capture_exits_2_saying_why(tmp_path: Path) -> None:
    head, _, body = G1.read_bytes().partition(b"\r\n\r\n")
    head = head.replace(b"Content-Length: 18", b"Transfer-Encoding: chunked")
    path = tmp_path / "broken.http"
    path.write_bytes(head + b"\r\n\r\nzz\r\n" + body)
    r = osscb("verify", str(path))
    assert r.returncode == 2
    assert "chunk-size" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9870/osscb-probe-evil/key.pem",            # last '/' of the prefix replaced
    "http://127.0.0.1:9870/osscb-probe/../evil/key.pem",         # dot segments leave the prefix
    "http://127.0.0.1:9870/osscb-probe/%2E%2E/evil/key.pem",
    "http://127.0.0.1:9870/osscb-probe/a\\..\\..\\evil.pem",
    "http://127.0.0.1:9870@127.0.0.1:1/osscb-probe/key.pem",     # userinfo: another host
    "http://127.0.0.1:9870/osscb-probe/key.pem#frag",
    "http://127.0.0.1:9870/keys/k.pem-evil",                      # a prefix naming a file
])
def test_prefixes_without_their_slash_or_with_dot_segments_are_not_bypassed(url: str) -> None:
    resolver = KeyResolver(["http://127.0.0.1:9870/osscb-probe", "http://127.0.0.1:9870/keys/k.pem"])
    assert not resolver.is_trusted(url)
    assert resolver.is_trusted("http://127.0.0.1:9870/osscb-probe/key.pem")
    assert resolver.is_trusted("http://127.0.0.1:9870/keys/k.pem")
