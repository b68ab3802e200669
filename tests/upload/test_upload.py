"""Every upload operation through the real oss2 client / httpx to the emulator, with callbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.errors import CallbackFailedError, UploadError
from osscb_notebook.upload import OPERATIONS, UploadTarget, post_policy, upload

BODY = "bucket=${bucket}&object=${object}&size=${size}&op=${operation}&uid=${x:uid}"


def callback(url: str) -> dict[str, str]:
    return {"callbackUrl": url, "callbackBody": BODY}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operation_delivers_a_verified_callback(emulator: Emulator, app, operation: str) -> None:  # type: ignore[no-untyped-def]
    target = UploadTarget.for_emulator(emulator)
    key = f"dir/{operation} file.txt"
    outcome = upload(target, key, b"hello world", operation=operation, callback=callback(app.url),
                     callback_vars={"x:uid": "42"})
    assert outcome.status == 200, outcome.body
    assert outcome.callback_ok
    assert outcome.reply["Status"] == "OK"  # type: ignore[index]
    op = "CompleteMultipartUpload" if operation == "Multipart" else ("PostObject" if operation == "PostObject" else "PutObject")
    assert outcome.reply["got"] == f"bucket=demo&object=dir%2F{operation}%20file.txt&size=11&op={op}&uid=42"  # type: ignore[index]
    request, verified = app.received[-1]
    assert verified
    assert target.client().get_object(key).read() == b"hello world"


def test_v4_signing(emulator: Emulator, app) -> None:  # type: ignore[no-untyped-def]
    target = UploadTarget.for_emulator(emulator, auth_version="v4")
    outcome = upload(target, "v4.txt", b"x", callback=callback(app.url), callback_vars={"x:uid": "1"})
    assert outcome.callback_ok


def test_failed_callback_is_203_object_stored_and_explained(emulator: Emulator) -> None:
    target = UploadTarget.for_emulator(emulator)
    outcome = upload(target, "kept.txt", b"data", callback=callback("http://127.0.0.1:1/cb"), callback_vars={"x:uid": "1"})
    assert outcome.status == 203 and not outcome.callback_ok and outcome.stored
    assert outcome.error_code == "CallbackFailed"
    assert "can not connect" in outcome.error_message
    assert "IS stored" in outcome.explanation and "do not raise on 203" in outcome.explanation
    with pytest.raises(CallbackFailedError):
        outcome.raise_for_callback()
    assert target.client().get_object("kept.txt").read() == b"data"


def test_invalid_callback_is_rejected_before_upload(emulator: Emulator) -> None:
    from osscb_notebook.errors import CallbackParamError

    with pytest.raises(CallbackParamError, match="The callback body is empty."):
        upload(UploadTarget.for_emulator(emulator), "k", b"x", callback={"callbackUrl": "a.com", "callbackBody": ""})


def test_multipart_streams_a_file_with_progress(emulator: Emulator, app, big_file: Path) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    outcome = upload(UploadTarget.for_emulator(emulator), "big.bin", big_file, operation="Multipart",
                     callback=callback(app.url), callback_vars={"x:uid": "7"}, part_size=1024 * 1024,
                     progress=lambda done, total: seen.append((done, total)))
    assert outcome.callback_ok
    size = big_file.stat().st_size
    assert seen[-1] == (size, size) and len(seen) == 3
    assert f"size={size}" in outcome.reply["got"]  # type: ignore[index]


def test_upload_without_callback(emulator: Emulator) -> None:
    outcome = upload(UploadTarget.for_emulator(emulator), "plain.txt", b"p")
    assert outcome.status == 200 and not outcome.callback_requested and outcome.etag
    assert "no callback requested" in outcome.explanation


def test_unreachable_endpoint_is_a_clear_error() -> None:
    target = UploadTarget.for_oss("http://127.0.0.1:1", "demo", "id", "secret")
    with pytest.raises(UploadError, match="Cannot reach"):
        upload(target, "k", b"x")


def test_secret_never_in_repr(emulator: Emulator) -> None:
    target = UploadTarget.for_emulator(emulator)
    assert target.access_key_secret not in repr(target)


def test_post_policy_carries_callback_condition(emulator: Emulator) -> None:
    import base64

    from osscb_notebook.params import CallbackParams, render_transports

    t = render_transports(CallbackParams.from_json(callback("http://127.0.0.1:1/cb")))
    fields = post_policy(UploadTarget.for_emulator(emulator), "k", t)
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"callback": t.callback} in policy["conditions"]
    assert fields["callback"] == t.callback


def test_a_policy_condition_pins_an_x_field(emulator: Emulator, app) -> None:  # type: ignore[no-untyped-def]
    """Notebook 4's advice, tested: ``["eq", "$x:uid", ...]`` in the policy refuses a swapped x:uid
    (the emulator checks every condition; whether OSS checks x: fields is undocumented)."""
    import httpx

    from osscb_notebook.params import CallbackParams, CallbackVars, render_transports

    target = UploadTarget.for_emulator(emulator)
    t = render_transports(CallbackParams.from_json(callback(app.url)), CallbackVars({"x:uid": "1001"}))
    fields = post_policy(target, "pinned.txt", t, conditions=[["eq", "$x:uid", "1001"]])

    def post(uid: str) -> httpx.Response:
        return httpx.post(target.bucket_url + "/", data={**fields, "x:uid": uid}, files={"file": ("f", b"pinned")})

    swapped = post("9999")
    assert swapped.status_code == 403 and b"AccessDenied" in swapped.content
    assert b'Policy Condition failed: ["eq", "$x:uid", "1001"]' in swapped.content
    assert not app.received  # refused before storing: no callback
    kept = post("1001")
    assert kept.status_code == 200 and json.loads(kept.content)["got"].endswith("uid=1001")


def test_from_env_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_ENDPOINT", "OSS_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(UploadError, match="OSS_ACCESS_KEY_ID"):
        UploadTarget.from_env()


def test_multipart_crc64_is_oss2s_crc_of_the_whole_object(emulator: Emulator, big_file: Path) -> None:
    import oss2

    data = big_file.read_bytes() + b"tail"
    outcome = upload(UploadTarget.for_emulator(emulator), "crc.bin", data, operation="Multipart", part_size=1024 * 1024)
    crc = oss2.utils.Crc64(0)
    crc.update(data)
    assert outcome.crc64 == str(crc.crc)
    assert UploadTarget.for_emulator(emulator).client().head_object("crc.bin").server_crc == crc.crc
