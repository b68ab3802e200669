"""Every exported receiver (one per row of ``exports.languages.LANGUAGES``), run with its real
toolchain: OSS's own signed callbacks verify, tampered copies do not, untrusted key URLs are never
fetched, the limits and replies are the same in every language, and a real oss2 upload through
the emulator reaches it and verifies."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from osscb_notebook.callback.oss_vectors import OSS_VECTORS
from osscb_notebook.cli import main
from osscb_notebook.exports.export import production_receiver_source
from osscb_notebook.exports.languages import ENV_TRUSTED, LANGUAGES, ReceiverLanguage
from osscb_notebook.upload import UploadTarget, upload
from tests.receivers import harness
from tests.support import Signer, new_key

OK = b'{"Status":"OK"}'


def _json(reply: harness.Reply) -> dict:
    assert reply.headers.get("content-type", "").startswith("application/json"), reply.headers
    assert not reply.body.startswith(b"\xef\xbb\xbf"), "a BOM makes OSS report invalid JSON"
    assert reply.headers.get("content-length") == str(len(reply.body))
    return json.loads(reply.body)


def _assert_ok(reply: harness.Reply) -> None:
    assert reply.status == 200, (reply.status, reply.body)
    assert reply.body == OK
    _json(reply)


def _assert_rejected(reply: harness.Reply, what: str) -> None:
    assert reply.status == 400, (what, reply.status, reply.body)
    assert _json(reply)["Status"] == "verify not ok", what


# --- export ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(LANGUAGES))
def test_export_receiver_writes_the_file_prints_the_command_and_refuses_to_overwrite(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    row = LANGUAGES[name]
    try:
        source = production_receiver_source(name)
    except Exception as exc:  # noqa: BLE001 - not written yet
        harness.unavailable(f"no {row.label} template yet: {exc}")
    monkeypatch.chdir(tmp_path)
    assert main(["export-receiver", "--lang", name]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / row.filename).read_text(encoding="utf-8") == source
    assert row.filename in out and row.command_line(row.filename) in out
    assert main(["export-receiver", "--lang", name]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and len(err.strip().splitlines()) == 1
    (tmp_path / row.filename).write_text("edited")
    assert main(["export-receiver", "--lang", name, "-o", row.filename, "--force"]) == 0
    assert (tmp_path / row.filename).read_text(encoding="utf-8") == source
    assert main(["export-receiver", "--lang", name, "-o", "sub/" + row.filename]) == 0
    assert (tmp_path / "sub" / row.filename).is_file()


def test_export_receiver_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export-receiver", "--lang", "cobol"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "invalid choice" in err and "python" in err
    assert main(["export-receiver", "-o", "/proc/osscb/oss_callback_receiver.py"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Cannot write" in err


def test_python_api_keeps_its_signature_and_defaults_to_python(tmp_path: Path) -> None:
    from osscb_notebook.errors import ReceiverError
    from osscb_notebook.exports import export_production_receiver

    path = export_production_receiver(tmp_path / "srv.py")
    assert path.read_text() == production_receiver_source() and path.stat().st_mode & 0o100
    with pytest.raises(ReceiverError, match="already exists"):
        export_production_receiver(path)
    assert export_production_receiver(path, overwrite=True) == path
    with pytest.raises(ReceiverError, match="unknown receiver language"):
        export_production_receiver(tmp_path / "x", lang="cobol")


def _python_ok(name: str) -> bool:
    return name in sys.stdlib_module_names or name == "cryptography"


#: What a "standard library only" import looks like in each language.
_STDLIB_IMPORTS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "python": (r"^(?:from|import) (\w+)", _python_ok),
    "node": (r"^(?:const|let|var)\s[^=]*=\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)|^import .* from ['\"]([^'\"]+)['\"]",
             lambda m: m.startswith("node:") or m in {"http", "https", "crypto", "url", "buffer", "util", "events"}),
    "go": (r"^\s*\"([^\"]+)\"\s*$|^import \"([^\"]+)\"", lambda m: "." not in m.split("/")[0]),
    "java": (r"^import (?:static )?([\w.]+)", lambda m: m.startswith(("java.", "javax.", "com.sun.net.httpserver."))),
    "php": (r"^\s*(?:require|include)(?:_once)?\b\s*\(?\s*['\"]?([^'\";)]*)", lambda m: False),
    "ruby": (r"^\s*require\s+['\"]([^'\"]+)['\"]",
             lambda m: m in {"webrick", "openssl", "base64", "json", "net/http", "uri", "socket", "timeout", "thread",
                             "logger", "stringio"}),
}


@pytest.mark.parametrize("name", list(LANGUAGES))
def test_each_template_is_one_file_with_the_standard_library_a_verify_function_and_a_framework_hookup(name: str) -> None:
    row = LANGUAGES[name]
    try:
        source = production_receiver_source(name)
    except Exception as exc:  # noqa: BLE001 - not written yet
        harness.unavailable(f"no {row.label} template yet: {exc}")
    pattern, allowed = _STDLIB_IMPORTS[name]
    imports = [next(g for g in m.groups() if g) for m in re.finditer(pattern, source, re.M)]
    assert imports or name == "php", "no imports found: the pattern no longer matches the template"
    assert [m for m in imports if not allowed(m)] == []
    head = source[:6000]
    assert row.framework.split(" ")[0] in head, f"the header comment shows the {row.framework} hookup"
    assert re.search(r"\bverify\b", source) and harness.QUEUE_SIZE.search(source) and harness.SLOW_WORK_MARKER in source
    assert "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs" in source, "OSS's key is pinned"
    assert ENV_TRUSTED in source


# --- OSS's own callbacks ----------------------------------------------------------------------

def test_oss_signed_callbacks_verify_and_tampered_copies_do_not(lang: ReceiverLanguage, run_receiver) -> None:  # type: ignore[no-untyped-def]
    """G1 to G4 (signed by OSS, verified with the pinned key: nothing to fetch, nothing
    trusted extra), started with the documented command."""
    receiver = run_receiver(documented=True)
    assert any("http://127.0.0.1:" in line for line in receiver.lines), "listens on 127.0.0.1 by default"
    port = receiver.port
    for vector in OSS_VECTORS:
        req = vector.request(receiver.url)
        _assert_ok(harness.post_request(port, req))
        body = bytearray(vector.body)
        body[-1] ^= 0x01
        _assert_rejected(harness.post_request(port, req, body=bytes(body)), f"{vector.name} body")
        path = vector.target.split("?")[0]
        _assert_rejected(harness.post_request(port, req, target=vector.target.replace(path, path[:-1] + chr(ord(path[-1]) ^ 1), 1)),
                         f"{vector.name} path")
        headers = harness.replace_header(req.headers, "authorization", harness.tamper_signature(vector.authorization))
        _assert_rejected(harness.post_request(port, req, headers=headers), f"{vector.name} signature")
        # the path is percent-decoded before it is signed: an encoded letter verifies the same
        _assert_ok(harness.post_request(port, req, target="/%" + format(ord(vector.target[1]), "02x") + vector.target[2:]))
        if "?" in vector.target:
            _assert_rejected(harness.post_request(port, req, target=vector.target.replace("id=1", "id=2")), f"{vector.name} query")
            _assert_rejected(harness.post_request(port, req, target=vector.target.split("?")[0]), f"{vector.name} query dropped")
    garbage = OSS_VECTORS[0].request(receiver.url)
    _assert_rejected(harness.post_request(port, garbage, headers=harness.replace_header(garbage.headers, "authorization", "%%%")),
                     "authorization not Base64")
    _assert_rejected(harness.post_request(port, garbage, headers=[("Content-Type", "text/plain")]), "no signature headers")


# --- the key URL ------------------------------------------------------------------------------

def test_untrusted_key_urls_are_rejected_unfetched_and_trusted_keys_are_fetched_once(
        lang: ReceiverLanguage, run_receiver, signer, key_server, counting_server) -> None:  # type: ignore[no-untyped-def]
    receiver = run_receiver(trusted=key_server.prefix)
    evil_key, evil_pem = new_key()
    counting_server.routes["/keys/callback.pem"] = (200, evil_pem)
    before = len(key_server.hits)
    bypasses = [
        counting_server.base + "/keys/callback.pem",                        # another host
        key_server.base + "/keys-evil/callback.pem",                         # a sibling of the prefix
        key_server.prefix.rstrip("/"),                                       # the prefix without its slash
        f"http://127.0.0.1:{key_server.port}@127.0.0.1:{counting_server.port}/keys/callback.pem",
        key_server.prefix + "../keys-evil/callback.pem",                     # '..' segment
        key_server.prefix + "%2e%2E/keys-evil/callback.pem",                 # encoded '..'
        key_server.prefix + "callback.pem#x",
        key_server.prefix + "sub\\..\\callback.pem",
        key_server.prefix + "call back.pem",
        key_server.prefix + "callback.pem\r\nX: y",
        key_server.prefix + "@127.0.0.1/callback.pem",
        "https://gosspublic.alicdn.com.evil.example/callback_pub_key_v1.pem",  # refused before any lookup
        "file:///etc/passwd",
    ]
    for url in bypasses:
        forged = Signer(evil_key, url).request(receiver.url + "cb")
        _assert_rejected(harness.post_request(receiver.port, forged), url)
    assert counting_server.hits == []
    assert key_server.hits[before:] == []
    # signed by another key but naming the trusted key: fetched, and the signature fails
    forged = Signer(evil_key, key_server.key_url).request(receiver.url + "cb")
    _assert_rejected(harness.post_request(receiver.port, forged), "wrong key")
    for _ in range(3):
        _assert_ok(harness.post_request(receiver.port, signer.request(receiver.url + "cb?n=1")))
    assert key_server.hits[before:] == [key_server.key_path], "fetched once, then cached"


# --- limits and replies -----------------------------------------------------------------------

def test_limits_methods_and_raw_paths(lang: ReceiverLanguage, run_receiver, signer, key_server) -> None:  # type: ignore[no-untyped-def]
    receiver = run_receiver(trusted=key_server.prefix)
    port = receiver.port
    reply = harness.post(port, "/cb", {}, b"", method="GET")
    assert reply.status == 405 and reply.headers.get("allow") == "POST"
    assert _json(reply)["Status"] == "method not allowed"
    too_big = harness.post_oversized(port)
    assert too_big is not None and too_big.status == 413, too_big
    assert _json(too_big)["Status"] == "body too large"
    # exactly 1 MiB is allowed
    _assert_ok(harness.post_request(port, signer.request(receiver.url + "big", body=b"x=" + b"a" * (harness.MAX_BODY - 2))))
    # '+' stays '+', UTF-8 escapes become bytes, '//' is kept
    for target in ("/a+b%2Bc?q=1+2", "/%E4%B8%AD%20file.php?id=%E4", "//double/slash", "/x/./y"):
        _assert_ok(harness.post_request(port, signer.request(f"http://127.0.0.1:{port}{target}")))
    # malformed escapes are kept as they are (some servers refuse such a target before any handler)
    for target in ("/cb%zz%4", "/end%"):
        try:
            reply = harness.post_request(port, signer.request(f"http://127.0.0.1:{port}{target}"))
        except ConnectionResetError:
            # Go's server answers 400 and closes without reading the body: the reset that the unread
            # body causes can overtake its answer on loopback
            assert lang.name in harness.REFUSES_MALFORMED_ESCAPES, target
            continue
        allowed = (200, 400) if lang.name in harness.REFUSES_MALFORMED_ESCAPES else (200,)
        assert reply.status in allowed, (target, reply.status, reply.body)
    _assert_ok(harness.post_request(port, signer.request(receiver.url + "still/alive")))
    assert receiver.proc.poll() is None


def test_a_full_work_queue_answers_503(lang: ReceiverLanguage, run_receiver, signer, key_server) -> None:  # type: ignore[no-untyped-def]
    """The user's slow work blocks (inserted at the template's marker) and the queue holds one job:
    verified callbacks beyond it get 503 with a JSON body instead of a dropped connection."""
    receiver = run_receiver(trusted=key_server.prefix, source=harness.slowed_source(lang))
    statuses = []
    for i in range(4):
        reply = harness.post_request(receiver.port, signer.request(receiver.url + f"cb?n={i}"))
        statuses.append(reply.status)
        if reply.status == 503:
            assert _json(reply)["Status"] == "busy"
            break
    assert statuses[0] == 200 and statuses[-1] == 503 and len(statuses) <= 3, statuses


@pytest.mark.parametrize("value", [",", "not a url", "http://127.0.0.1:9/keys/,", "ftp://127.0.0.1/keys/",
                                   "http://user@127.0.0.1/keys/"])
def test_an_invalid_trusted_prefix_is_a_startup_error(lang: ReceiverLanguage, tmp_path: Path, value: str) -> None:
    script = harness.export(lang, tmp_path)
    if lang.name == "php":
        # under php -S, which runs the file per request, the configuration error is every request's answer
        receiver = harness.start(harness.php_builtin_server(lang), script, trusted=value, documented=True)
        try:
            reply = harness.post_request(receiver.port, OSS_VECTORS[0].request(receiver.url))
        finally:
            receiver.stop()
        assert reply.status == 500 and ENV_TRUSTED in (reply.body.decode("utf-8", "replace") + receiver.output)
    receiver = harness.run_to_exit(lang, script, {ENV_TRUSTED: value})
    assert receiver.proc.returncode not in (0, None), receiver.output
    assert ENV_TRUSTED in receiver.output
    assert not any(re.search(r"listening on http://", line) for line in receiver.lines), receiver.output


# --- a real upload --------------------------------------------------------------------------------

def test_a_real_oss2_upload_through_the_emulator_reaches_the_receiver_and_verifies(
        lang: ReceiverLanguage, run_receiver, emulator) -> None:  # type: ignore[no-untyped-def]
    receiver = run_receiver(trusted=emulator.public_key_prefix)
    target = UploadTarget.for_emulator(emulator)
    callback = {"callbackUrl": receiver.url + f"oss/{lang.name}%20callback?from=emulator",
                "callbackBody": "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&uid=${x:uid}"}
    outcome = upload(target, f"receivers/{lang.name} file.txt", b"hello " + lang.name.encode(), callback=callback,
                     callback_vars={"x:uid": "7"})
    assert outcome.status == 200, outcome.explanation
    assert outcome.callback_ok and outcome.reply == {"Status": "OK"}
    (record,) = [r for r in emulator.records if r.key == f"receivers/{lang.name} file.txt"][-1:]
    assert record.outcome == "callback_ok"



def test_an_invalid_port_is_a_startup_error(lang: ReceiverLanguage, tmp_path: Path) -> None:
    receiver = harness.run_to_exit(lang, harness.export(lang, tmp_path), {"OSS_CALLBACK_PORT": "80a"})
    assert receiver.proc.returncode not in (0, None) and "OSS_CALLBACK_PORT" in receiver.output, receiver.output


def test_the_python_export_also_takes_flags(tmp_path: Path, key_server, signer) -> None:  # type: ignore[no-untyped-def]
    """``--host``, ``--port`` and ``--trust-key-url`` (added to OSS_CALLBACK_TRUSTED_KEY_URLS)."""
    row = LANGUAGES["python"]
    harness.require(row)
    script = harness.export(row, tmp_path)
    proc = subprocess.Popen([sys.executable, str(script), "--host", "127.0.0.1", "--port", "0", "--trust-key-url",
                             key_server.prefix.rstrip("/")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=harness.child_env({ENV_TRUSTED: "http://127.0.0.1:1/other/"}), text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", line).group(1))  # type: ignore[union-attr]
        _assert_ok(harness.post_request(port, signer.request(f"http://127.0.0.1:{port}/cb")))
    finally:
        proc.kill()
        proc.wait(10)


#: A program that loads the exported file as a library (no server started), calls its verify() on
#: the callback in the JSON argument, and prints the reason as JSON ("" = verified).
_CALL_VERIFY: dict[str, list[str]] = {
    "python": [sys.executable, "-c", (
        "import base64, json, sys; sys.path.insert(0, sys.argv[1]); import oss_callback_receiver as r; "
        "c = json.loads(sys.argv[2]); print(json.dumps(r.verify(c['method'], c['path'], c['query'], c['headers'], "
        "base64.b64decode(c['body']))))"), "{dir}", "{callback}"],
    "node": ["node", "-e", (
        "const r = require(process.argv[1] + '/oss_callback_receiver.js'); const c = JSON.parse(process.argv[2]); "
        "r.verify(c.method, c.path, c.query, c.headers, Buffer.from(c.body, 'base64'))"
        ".then((reason) => console.log(JSON.stringify(reason)));"), "{dir}", "{callback}"],
    # PHP and Ruby return null / nil for a verified callback: printed as "" here
    "php": ["php", "-r", (
        "require $argv[1] . '/oss_callback_receiver.php'; $c = json_decode($argv[2], true); "
        "echo json_encode(OssCallback::verify($c['method'], $c['path'], $c['query'], $c['headers'], "
        "base64_decode($c['body'])) ?? ''), PHP_EOL;"), "{dir}", "{callback}"],
    "ruby": ["ruby", "-rjson", "-e", (
        "require File.join(ARGV[0], 'oss_callback_receiver.rb'); c = JSON.parse(ARGV[1]); "
        "h = c['headers'].transform_keys(&:downcase); "
        "puts JSON.generate(OssCallback.verify(c['method'], c['path'], c['query'], h, c['body'].unpack1('m')) || '')"),
        "{dir}", "{callback}"],
}


@pytest.mark.parametrize("name", list(_CALL_VERIFY))
def test_verify_is_usable_as_a_library_without_the_server(name: str, tmp_path: Path) -> None:
    import base64

    row = LANGUAGES[name]
    harness.require(row)
    harness.export(row, tmp_path)
    outcomes = []
    for vector in OSS_VECTORS:
        path, _, query = vector.target.partition("?")
        for body in (vector.body, vector.body + b" "):
            callback = json.dumps({"method": "POST", "path": path, "query": query, "body": base64.b64encode(body).decode(),
                                   "headers": dict(vector.request().headers)})
            argv = [part.format(dir=tmp_path, callback=callback) for part in _CALL_VERIFY[name]]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=harness.child_env())
            assert done.returncode == 0, done.stderr
            outcomes.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert outcomes[0::2] == [""] * len(OSS_VECTORS)
    assert outcomes[1::2] == ["signature does not match"] * len(OSS_VECTORS)
