"""Security: forged signatures, key URLs that must never be fetched, internal callback targets,
path traversal, oversized bodies, secrets kept out of every output, loopback-only defaults."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import oss2
import pytest

from osscb_notebook.callback import generate_private_key
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import ReplySettings, start_receiver
from osscb_notebook.upload import UploadTarget, upload
from tests.support import DEFAULT_SECRET, CountingServer, Signer, raw_http

ROOT = Path(__file__).resolve().parents[2]
SKIP_HEADERS = {"host", "content-length", "connection"}


def post(url: str, request, body: bytes | None = None) -> httpx.Response:  # noqa: ANN001
    headers = [(k, v) for k, v in request.headers if k.lower() not in SKIP_HEADERS]
    return httpx.post(url, headers=headers, content=request.body if body is None else body, timeout=10)


# -- forged callbacks ----------------------------------------------------------------------------

def test_forged_and_tampered_callbacks_are_refused(make_receiver, signer: Signer, key_server: CountingServer) -> None:
    r = make_receiver(trust_key_urls=[key_server.prefix])
    forger = Signer(key_url=signer.key_url, private_key=generate_private_key(1024))  # right URL, wrong key
    genuine = signer.request(r.url + "cb")
    cases = {
        "wrong key": post(r.url + "cb", forger.request(r.url + "cb")),
        "body changed": post(r.url + "cb", genuine, body=genuine.body + b"&admin=1"),
        "path changed": post(r.url + "other", genuine),
        "no signature": httpx.post(r.url + "cb", content=genuine.body, timeout=10,
                                   headers={"x-oss-pub-key-url": genuine.header("x-oss-pub-key-url") or ""}),
    }
    assert {k: v.status_code for k, v in cases.items()} == dict.fromkeys(cases, 400)
    assert post(r.url + "cb", genuine).status_code == 200  # and the genuine one still passes
    records = r.wait_for(len(cases) + 1)
    assert [rec.verified for rec in records] == [False] * len(cases) + [True]


# -- key URLs that must never be fetched ---------------------------------------------------------

def test_untrusted_and_internal_key_urls_are_never_fetched(make_receiver, signer: Signer, key_server: CountingServer,
                                                          counting_server: CountingServer) -> None:
    r = make_receiver(trust_key_urls=[key_server.prefix])
    kp = key_server.prefix.rstrip("/")
    attacker = Signer(private_key=generate_private_key(1024))
    counting_server.routes["/k.pem"] = (200, [], attacker.pem)
    urls = [
        counting_server.prefix + "k.pem",                               # another loopback port: internal, untrusted
        f"{kp}0/k.pem", f"{kp}.evil.example/k.pem",                      # prefix look-alikes
        f"{kp}@127.0.0.1:{counting_server.port}/k.pem",                  # userinfo trick
        f"http://localhost:{counting_server.port}/k.pem",
        "http://169.254.169.254/latest/meta-data/iam/", "http://[::1]:22/", "http://10.0.0.1/k.pem",
        "file:///etc/passwd", "gopher://127.0.0.1:25/", "https://gosspublic.alicdn.com.evil.example/k.pem",
    ]
    for url in urls:
        t0 = time.monotonic()
        resp = post(r.url + "cb", attacker.request(r.url + "cb", key_url=url))
        assert resp.status_code == 400, url
        assert time.monotonic() - t0 < 5.0, url  # refused at once, well inside OSS's 5 s budget
    assert counting_server.hits == []
    assert key_server.hits.count("/k.pem") == 0
    records = r.wait_for(len(urls))
    assert all(not rec.verified and rec.trace.failed_step.name == "allowlist" for rec in records)


def test_trusted_key_server_redirect_is_not_followed(make_receiver, counting_server: CountingServer) -> None:
    attacker = Signer(private_key=generate_private_key(1024))
    inner = CountingServer()  # where the redirect points: must stay untouched
    try:
        inner.routes["/k.pem"] = (200, [], attacker.pem)
        counting_server.routes["/k.pem"] = (302, [("Location", inner.prefix + "k.pem")], b"")
        r = make_receiver(trust_key_urls=[counting_server.prefix])
        resp = post(r.url + "cb", attacker.request(r.url + "cb", key_url=counting_server.prefix + "k.pem"))
        assert resp.status_code == 400
        assert counting_server.hits == ["/k.pem"] and inner.hits == []
    finally:
        inner.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f.0.0.1", "0.0.0.0"])
def test_emulator_forbidding_private_callbacks_never_calls_them(tmp_path: Path, counting_server: CountingServer, host: str) -> None:
    """With ``allow_private_callbacks=False`` (real OSS's rule) no spelling of loopback gets through."""
    with Emulator(data_dir=tmp_path / "emu", allow_private_callbacks=False) as emu:
        target = UploadTarget.for_emulator(emu)
        out = upload(target, "priv/obj", b"x", callback={
            "callbackUrl": f"http://{host}:{counting_server.port}/cb", "callbackBody": "o=${object}"})
        assert out.status == 400 and "Private address is forbidden" in out.error_message, (out.status, out.body[:300])
        assert counting_server.hits == []
        assert not target.client().object_exists("priv/obj")


# -- path traversal ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["../../../../../../tmp/osscb-escape", "..%2F..%2Fescape", "a/../../escape",
                                 "..\\..\\escape", ".osscb/tmp/x", "../.osscb/callback_private_key.pem"])
def test_object_keys_never_become_paths(tmp_path: Path, key: str) -> None:
    data = tmp_path / "data"
    with Emulator(data_dir=data) as emu:
        bucket = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
        before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
        bucket.put_object(key, b"hostile")
        assert bucket.get_object(key).read() == b"hostile"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
        assert not Path("/tmp/osscb-escape").exists()
        for p, content in before.items():  # nothing that existed was overwritten (the signing key!)
            assert p.read_bytes() == content
        files = [p for p in data.rglob("*") if p.is_file()]
        assert all(p.resolve().is_relative_to(data.resolve()) for p in files)
        assert not any(p.name in ("osscb-escape", "escape") for p in files)


# -- oversized bodies ----------------------------------------------------------------------------

def test_receiver_refuses_oversized_bodies(make_receiver, signer: Signer, key_server: CountingServer) -> None:
    r = make_receiver(trust_key_urls=[key_server.prefix])
    big = b"a=" + b"x" * (2 * 1024 * 1024)
    resp = post(r.url + "cb", signer.request(r.url + "cb"), body=big)
    assert resp.status_code == 413
    assert post(r.url + "cb", signer.request(r.url + "cb")).status_code == 200  # still serving
    records = r.wait_for(2)
    assert records[0].body == b"" and "cap" in records[0].note  # not kept in memory


def test_receiver_answers_413_at_once_to_a_huge_declared_length(make_receiver) -> None:
    r = make_receiver()
    lying = raw_http(r.port, b"POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nabc", timeout=5)
    assert lying is not None and lying.status == 413


def test_emulator_refuses_oversized_xml_and_oversized_callback_replies(emulator: Emulator, target: UploadTarget, make_receiver) -> None:
    bucket = target.client()
    upload_id = bucket.init_multipart_upload("big/xml").upload_id
    url = bucket.sign_url("POST", "big/xml", 300, params={"uploadId": upload_id})
    resp = httpx.post(url, content=b"<CompleteMultipartUpload>" + b" " * (6 * 1024 * 1024), timeout=30)
    assert 400 <= resp.status_code < 500 and b"<Code>" in resp.content
    r = make_receiver(trust_key_urls=[emulator.endpoint + "/"], reply=ReplySettings(oversize=True))
    out = upload(target, "big/reply", b"x", callback={"callbackUrl": r.url + "cb", "callbackBody": "o=${object}"})
    assert out.status == 203 and "content-length" in out.error_message.lower(), out.body[:300]
    assert len(out.body) < 64 * 1024  # the megabyte was not relayed


# -- secrets -------------------------------------------------------------------------------------

def test_emulator_startup_output_has_no_secret(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "osscb_notebook", "emulator", "--port", "0", "--data-dir",
                             str(tmp_path / "d")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    lines = []
    try:
        assert proc.stdout is not None
        for _ in range(40):
            line = proc.stdout.readline()
            lines.append(line)
            if not line or "Ctrl-C" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = "".join(lines)
    assert "listening on http://127.0.0.1:" in text  # loopback by default
    assert DEFAULT_SECRET not in text


TOKEN = "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e2b4d6f8a0c2e4a6b"  # a Jupyter token in the callback URL


@pytest.fixture
def secret_exchange(emulator: Emulator, target: UploadTarget, make_receiver, tmp_path: Path):  # noqa: ANN201
    """Uploads by every operation, with ``?token=`` in the callback URL, received and logged."""
    log = tmp_path / "history.jsonl"
    r = make_receiver(trust_key_urls=[emulator.endpoint + "/"], log_path=log)
    callback = {"callbackUrl": f"{r.url}cb?token={TOKEN}", "callbackBody": "o=${object}"}
    emulator.clear_records()
    for op in ("PutObject", "PostObject", "Presigned", "Multipart"):
        assert upload(target, f"secret/{op}", b"x", operation=op, callback=callback).callback_ok  # type: ignore[arg-type]
    return r, r.wait_for(4), log


def assert_no_secret(outputs: dict[str, str]) -> None:
    b64_secret = base64.b64encode(DEFAULT_SECRET.encode()).decode()
    for name, text in outputs.items():
        assert DEFAULT_SECRET not in text and b64_secret not in text, name
        assert TOKEN not in text, f"{name}: {text[max(0, text.find(TOKEN) - 200):text.find(TOKEN) + 60]}"


def test_secrets_absent_from_receiver_history_log_and_reprs(emulator: Emulator, target: UploadTarget, secret_exchange) -> None:
    r, records, log = secret_exchange
    assert_no_secret({
        "receiver history": json.dumps([rec.to_dict() for rec in records]),
        "receiver log": log.read_text(),
        "reprs": " ".join(map(repr, [emulator, emulator.config, target, r, *records])),
        "str": " ".join(map(str, [emulator, target, r])),
    })


def test_secrets_absent_from_emulator_records(emulator: Emulator, secret_exchange) -> None:
    assert len(emulator.records) == 4
    assert_no_secret({"emulator records": json.dumps([rec.to_dict() for rec in emulator.records], default=str),
                      "record reprs": " ".join(map(repr, emulator.records))})


def test_saved_notebooks_hold_no_secrets() -> None:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    token = re.compile(r"token=[0-9a-f]{16,}")
    for nb in notebooks:
        text = nb.read_text()
        assert DEFAULT_SECRET not in text, nb.name
        assert not token.search(text), (nb.name, token.search(text))


# -- loopback by default -------------------------------------------------------------------------

def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port``, from /proc/net/tcp{,6} (what the kernel really bound)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            addr, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(addr)
    return found


LOOPBACK_V4 = "0100007F"


def test_servers_bind_loopback_by_default() -> None:
    with Emulator() as emu:
        assert _listening_addresses(emu.port) == {LOOPBACK_V4}
    for mode in ("thread", "process"):
        r = start_receiver(mode=mode)
        try:
            assert _listening_addresses(r.port) == {LOOPBACK_V4}, mode
        finally:
            r.stop()


@pytest.mark.parametrize("command", [["emulator", "--data-dir", "{tmp}/d"], ["receiver"]])
def test_clis_bind_loopback_by_default(tmp_path: Path, command: list[str]) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    proc = subprocess.Popen([sys.executable, "-m", "osscb_notebook", *args, "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        line = ""
        for _ in range(20):
            line = proc.stdout.readline()
            if not line or "listening on" in line:
                break
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        assert _listening_addresses(int(match.group(1))) == {LOOPBACK_V4}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_in_process_emulator_and_receiver_print_no_secret(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Whatever a notebook cell shows while they start, serve and stop (fd-level capture: threads too)."""
    with Emulator(data_dir=tmp_path / "e") as emu:
        r = start_receiver(trust_key_urls=[emu.endpoint + "/"])
        try:
            out = upload(UploadTarget.for_emulator(emu), "p/x", b"x", callback={
                "callbackUrl": f"{r.url}cb?token={TOKEN}", "callbackBody": "o=${object}"})
            assert out.callback_ok
            print(repr(emu), repr(r), out, r.last, emu.last_record)
        finally:
            r.stop()
    captured = capfd.readouterr()
    assert_no_secret({"stdout": captured.out, "stderr": captured.err})
