"""Receiver and upload panels against the real emulator and receiver (no browser)."""

from __future__ import annotations

import json

import ipywidgets as W

from osscb_notebook.magics.session import Session
from osscb_notebook.widgets import CallbackBuilder, ReceiverPanel, UploadPanel, VerificationStepper


def _all_states(root: W.Widget) -> str:
    """Every synced trait of ``root`` and its descendants: what the frontend (and a saved
    notebook's widget state) can see."""
    seen: set[str] = set()
    out = []
    stack = [root]
    while stack:
        w = stack.pop()
        if w.model_id in seen:
            continue
        seen.add(w.model_id)
        state = w.get_state()
        out.append(json.dumps({k: v for k, v in state.items() if not isinstance(v, (bytes, memoryview))}, default=str))
        stack.extend(c for c in getattr(w, "children", ()) if isinstance(c, W.Widget))
    return "\n".join(out)


def test_upload_shows_the_callback_row_and_a_loud_203(session: Session) -> None:
    stepper = VerificationStepper()
    receiver = ReceiverPanel(session, stepper=stepper)
    assert repr(receiver) == "ReceiverPanel(receiver stopped)" and receiver.stop_button.disabled
    receiver.start_button.click()
    assert session.receiver is not None and session.emulator is not None
    assert "RUNNING" in receiver.url.value and session.receiver.url in receiver.url.value
    assert "No callbacks yet." in receiver.table.value

    upload = UploadPanel(session)
    upload.upload_button.click()
    outcome = upload.wait(30)
    assert outcome is not None and outcome.status == 200 and outcome.callback_ok
    assert "Stored, callback delivered." in upload.result.value and '{&quot;Status&quot;:&quot;OK&quot;}' in upload.result.value
    assert not upload.upload_button.disabled
    assert "VERIFIED" in receiver.table.value and receiver.selected is session.receiver.history[-1]
    assert "photos%2Fcat.jpg" in receiver.details["Raw body"].value
    assert "photos/cat.jpg" in receiver.details["Pretty"].value
    assert "PutObject photos/cat.jpg" in upload.timeline.view.value

    receiver.step_button.click()
    assert "Received callback" in stepper.source.value and "POST /callback VERIFIED" in stepper.source.value
    stepper.go("rsa_verify")
    assert stepper.current.ok is True  # type: ignore[union-attr]

    receiver.reply_status.value = 500
    receiver.apply_button.click()
    upload.upload_button.click()
    outcome = upload.wait(30)
    assert outcome.status == 203
    assert "The object IS stored, but the callback FAILED." in upload.result.value
    assert "Error status : 500." in upload.result.value and upload.progress.bar_style == "danger"
    assert "203 CallbackFailed" in upload.timeline.view.value
    assert len(session.history()) == 2 and "UNVERIFIED" not in receiver.table.value

    receiver.replay_button.click()
    assert "Replayed:" in receiver.replay_result.value and len(session.history()) == 3
    text = repr(receiver)
    assert "3 callback(s)" in text and "#2" in text
    receiver.stop_button.click()
    assert session.receiver is None and "STOPPED" in receiver.url.value


def test_multipart_progress_and_a_builder_callback(session: Session) -> None:
    receiver = ReceiverPanel(session)
    receiver.start()
    builder = CallbackBuilder(url=session.callback_url("/from-builder"), body="o=${object}&s=${size}&op=${operation}",
                              variables={})
    upload = UploadPanel(session, builder=builder)
    upload.operation.value = "Multipart"
    upload.content.value = "random"
    upload.size.value = 300 * 1024
    upload.part_size.value = 100 * 1024
    upload.threads.value = 2
    assert upload.progress.layout.visibility == "visible" and upload.multipart_box.layout.display is None
    upload.upload_button.click()
    outcome = upload.wait(60)
    assert outcome is not None and outcome.status == 200
    assert upload.progress.value == upload.progress.max == 300 * 1024
    record = session.history()[-1]
    assert record.path == "/from-builder"
    assert record.body == b"o=photos%2Fcat.jpg&s=307200&op=CompleteMultipartUpload"


def test_errors_are_shown_not_raised(session: Session) -> None:
    upload = UploadPanel(session)
    upload.content.value = "file"
    upload.upload_button.click()
    assert upload.wait(30) is None
    assert "No file chosen." in upload.result.value and "No file chosen." in repr(upload)
    receiver = ReceiverPanel(session)
    receiver.apply_button.click()
    assert "No receiver is running." in receiver.message.value


def test_the_secret_is_never_echoed_or_kept_in_widget_state(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("OSS_ENDPOINT", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    secret = "s3cr3t-AccessKey-Secret-value"
    upload = UploadPanel(session)
    upload.target.value = "oss"
    assert upload.oss_box.layout.display is None
    upload.secret.value = secret
    assert upload.secret.value == ""  # moved out of the synced widget state at once
    assert session._secret == secret
    assert "set (in memory only)" in upload.secret_state.value
    assert secret not in _all_states(upload) and secret not in repr(upload)
    # with no endpoint configured the upload explains what is missing, still without the secret
    upload.endpoint.value = ""
    upload.key_id.value = ""
    upload.with_callback.value = False
    upload.upload_button.click()
    upload.wait(30)
    assert "Real OSS needs an endpoint and an AccessKey ID." in upload.result.value
    assert secret not in _all_states(upload) and secret not in repr(upload)


def test_every_operation_delivers_the_callback(session: Session) -> None:
    ReceiverPanel(session).start()
    upload = UploadPanel(session)
    for op in ("PutObject", "PostObject", "Presigned", "Multipart"):
        upload.operation.value = op
        upload.key.value = f"ops/{op}.txt"
        upload.upload_button.click()
        outcome = upload.wait(30)
        assert outcome is not None and outcome.status == 200, (op, upload.result.value)
        assert session.history()[-1].body.startswith(f"bucket=demo&object=ops%2F{op}.txt".encode())
    assert len(session.history()) == 4


def test_process_mode_and_local_tunnel_through_the_magic_functions(session: Session) -> None:
    from osscb_notebook.magics import osscb_receiver, osscb_status, osscb_ui, osscb_upload

    started = osscb_receiver("start", mode="process", tunnel="local")
    assert started.ok and "process mode" in repr(started) and "only the local emulator can call it" in repr(started)
    assert session.tunnel is not None and session.callback_url().startswith(session.tunnel.public_url.rstrip("/"))
    assert "public URL: http://127.0.0.1:" in repr(osscb_status())
    panel = osscb_ui("receiver")
    assert osscb_upload("p.txt").ok
    session.receiver.wait_for(1)  # process mode delivers records asynchronously
    stepper = osscb_ui("stepper")
    assert stepper.trace is not None and stepper.trace.ok
    timeline = osscb_ui("timeline")
    assert "4. OSS -> client: 200" in repr(timeline)
    panel.refresh()
    assert "VERIFIED" in panel.table.value
    assert osscb_receiver("stop").ok and session.tunnel is None and session.receiver is None


def test_the_upload_panel_explains_each_203_by_its_cause(session: Session) -> None:
    receiver = ReceiverPanel(session)
    receiver.start_button.click()
    upload = UploadPanel(session)
    shown = {}
    for label, setting in (("no_length", receiver.reply_no_length), ("too_long", receiver.reply_oversize)):
        setting.value = True
        receiver.apply_button.click()
        upload.upload_button.click()
        outcome = upload.wait(30)
        assert outcome is not None and outcome.status == 203 and outcome.callback_failure.cause == label
        shown[label] = upload.result.value
        assert "not with 200" not in upload.result.value and outcome.callback_failure.explanation in repr(upload)
        setting.value = False
    assert "without a Content-Length header" in shown["no_length"] and "over OSS&#x27;s 1 MB limit" in shown["too_long"]
    receiver.stop_button.click()
