"""Every framework hookup, started as its users start it, behind the middleware a real app has on:
OSS's own callbacks verify and their tampered copies do not, the probe in ``--trusted`` mode finds
no fail, and a real oss2 upload through the emulator gets the hookup's JSON relayed to the client."""

from __future__ import annotations

import json

from osscb_notebook.callback.oss_vectors import OSS_VECTORS
from osscb_notebook.probe import run_probe
from osscb_notebook.upload import UploadTarget, upload
from tests.frameworks import harness
from tests.receivers.harness import post_request, replace_header, tamper_signature


def _ok(reply, what: str, app: harness.RunningApp) -> None:  # type: ignore[no-untyped-def]
    assert reply.status == 200, f"{what}: {reply.status} {reply.body[:300]!r}\n{app.output}"
    assert json.loads(reply.body) == {"Status": "OK"}, f"{what}: {reply.body[:300]!r}"
    assert not reply.body.startswith(b"\xef\xbb\xbf")


def _rejected(reply, what: str, app: harness.RunningApp) -> None:  # type: ignore[no-untyped-def]
    assert 400 <= reply.status < 500, f"{what} must be refused with a 4xx: {reply.status} {reply.body[:300]!r}\n{app.output}"
    assert isinstance(json.loads(reply.body), dict), f"{what}: the refusal is JSON: {reply.body[:300]!r}"


def test_oss_signed_callbacks_verify_and_tampered_copies_do_not(app: harness.RunningApp) -> None:
    print(f"{app.hookup.name}: {app.hookup.version()}")
    for vector in OSS_VECTORS:
        req = vector.request(app.base + "/")
        _ok(post_request(app.port, req), vector.name, app)
        body = bytearray(vector.body)
        body[-1] ^= 0x01
        _rejected(post_request(app.port, req, body=bytes(body)), f"{vector.name} with a tampered body", app)
        headers = replace_header(req.headers, "authorization", tamper_signature(vector.authorization))
        _rejected(post_request(app.port, req, headers=headers), f"{vector.name} with a tampered signature", app)
        if "?" in vector.target:
            _rejected(post_request(app.port, req, target=vector.target.replace("id=1", "id=2")),
                      f"{vector.name} with a tampered query", app)


def test_the_probe_in_trusted_mode_finds_no_fail(app: harness.RunningApp, probe_key_port: int) -> None:
    report = run_probe(app.callback_url, trusted=True, key_port=probe_key_port, timeout=10.0)
    text = report.render_text()
    assert [c.id for c in report.checks if c.verdict == "fail"] == [], text + "\n" + app.output
    assert app.proc.poll() is None, app.output


def test_a_real_oss2_upload_through_the_emulator_relays_the_hookups_reply(app: harness.RunningApp,
                                                                         framework_emulator) -> None:  # type: ignore[no-untyped-def]
    key = f"frameworks/{app.hookup.name} file.txt"
    callback = {"callbackUrl": app.callback_url,
                "callbackBody": "bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}"}
    outcome = upload(UploadTarget.for_emulator(framework_emulator), key, b"hello " + app.hookup.name.encode(),
                     callback=callback, callback_vars={"x:uid": "7"})
    assert outcome.status == 200, f"{outcome.explanation}\n{app.output}"
    assert outcome.callback_ok and outcome.reply == {"Status": "OK"}
    (record,) = [r for r in framework_emulator.records if r.key == key][-1:]
    assert record.outcome == "callback_ok"
