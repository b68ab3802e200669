"""Panels show the session, whoever acted (#11 item 3), and every widget has a text/plain form
stating its meaningful state (#11 item 4)."""

from __future__ import annotations

import base64
import json

from osscb_notebook.magics import osscb_receiver, osscb_upload
from osscb_notebook.session import Session
from osscb_notebook.widgets import (
    CallbackBuilder,
    ReceiverPanel,
    Timeline,
    UploadPanel,
    VerificationStepper,
)

VIEW = "application/vnd.jupyter.widget-view+json"


def test_a_receiver_started_by_a_magic_appears_in_the_panel(session: Session) -> None:
    panel = ReceiverPanel(session)
    assert "STOPPED" in panel.url.value and not panel.start_button.disabled
    assert osscb_receiver("start", mode="thread").ok
    assert "RUNNING" in panel.url.value and session.receiver.url in panel.url.value
    assert panel.start_button.disabled and not panel.stop_button.disabled
    assert osscb_upload("from-magic.txt").ok
    assert "VERIFIED" in panel.table.value and "from-magic.txt" in panel.details["Pretty"].value
    assert osscb_receiver("stop").ok
    assert "STOPPED" in panel.url.value


def test_uploads_by_a_magic_or_a_code_cell_appear_in_the_upload_panel(session: Session) -> None:
    session.start_receiver(mode="thread")
    panel = UploadPanel(session)
    assert "No upload yet." in panel.timeline.view.value
    assert osscb_upload("via/magic.txt").ok
    assert "PutObject via/magic.txt" in panel.timeline.view.value
    assert "Stored, callback delivered." in panel.result.value
    assert "via/magic.txt" in repr(panel) and "200" in repr(panel)
    session.receiver.set_reply(status=502)
    outcome = session.upload("via/code.txt", b"from a code cell")
    assert outcome.status == 203
    assert "PutObject via/code.txt" in panel.timeline.view.value and "203 CallbackFailed" in panel.timeline.view.value
    assert "The object IS stored, but the callback FAILED." in panel.result.value
    # a panel opened later starts from the session's last upload
    later = UploadPanel(session)
    assert "via/code.txt" in later.timeline.view.value


def test_the_panel_never_writes_the_sessions_config(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("OSS_ENDPOINT", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    panel = UploadPanel(session)
    panel.target.value = "oss"
    panel.endpoint.value = "http://127.0.0.1:9"  # nothing listens: the upload fails, the config stays
    panel.key_id.value = "id"
    panel.bucket.value = "other-bucket"
    panel.secret.value = "a-secret-value"
    assert session.has_secret and panel.secret.value == ""
    panel.with_callback.value = False
    panel.upload_button.click()
    panel.wait(60)
    c = session.config
    assert (c.oss_endpoint, c.oss_access_key_id, c.bucket) == ("", "", "demo")
    assert panel.error is not None and "a-secret-value" not in repr(panel)


def test_the_receiver_panel_asks_for_a_tunnels_required_options(session: Session) -> None:
    panel = ReceiverPanel(session)
    assert panel.tunnel.options[0] == "none" and "ssh" in panel.tunnel.options
    assert panel.tunnel_box.children == ()
    panel.tunnel.value = "ssh"
    assert [f.description for f in panel.tunnel_box.children] == ["host"]
    panel.start()  # no host typed: one clear box, nothing started
    assert "The ssh tunnel needs a host." in panel.message.value and "Traceback" not in panel.message.value
    assert session.receiver is None
    panel.tunnel.value = "local"
    assert panel.tunnel_box.children == ()


def test_text_forms_state_what_matters(session: Session, g1: bytes) -> None:
    builder = CallbackBuilder(url="http://example.com/cb", body="o=${object}", variables={})
    bundle = builder._repr_mimebundle_()
    assert VIEW in bundle and bundle["text/plain"] == repr(builder)
    text = repr(builder)
    assert "  VALID" in text and f"callback: {builder.callback_b64}" in text
    assert json.loads(base64.b64decode(builder.callback_b64))["callbackUrl"] == "http://example.com/cb"
    builder.body.value = ""
    assert "  INVALID" in repr(builder) and "The callback body is empty." in repr(builder)

    stepper = VerificationStepper(g1)
    text = stepper._repr_mimebundle_()["text/plain"]
    steps = [line for line in text.splitlines() if line.startswith("[PASS] ")]
    assert len(steps) == 7 and steps[-1].startswith("[PASS] 7. RSA verify") and "    -> " in text

    session.start_receiver(mode="thread")
    session.upload("t.txt", b"hi")
    timeline = Timeline()
    last = session.last_upload
    timeline.show_outcome(last.outcome, last.record, key="t.txt", total_ms=last.total_ms)
    text = timeline._repr_mimebundle_()["text/plain"]
    assert "1. client -> OSS: PutObject t.txt" in text and "3. app server -> OSS: 200 after " in text
    assert "4. OSS -> client: 200 after " in text and " ms" in text

    panel = ReceiverPanel(session)
    text = panel._repr_mimebundle_()["text/plain"]
    assert text.startswith("ReceiverPanel(running,") and "1 callback(s)" in text and "POST /callback VERIFIED reply 200" in text
    upload = UploadPanel(session)
    assert "PutObject" in upload._repr_mimebundle_()["text/plain"] and "t.txt" in repr(upload)


def test_a_tunnel_token_is_masked_in_every_text_form(session: Session) -> None:
    from osscb_notebook.tunnels import Tunnel

    token = "feedface" * 6
    session.start_receiver(mode="thread")
    session.tunnel = Tunnel("jupyter", f"https://lab.example.com/proxy/absolute/1/?token={token}", 1, secrets=(token,))
    try:
        shown = [repr(ReceiverPanel(session)), repr(CallbackBuilder(url=session.callback_url())),
                 repr(UploadPanel(session)), repr(session.default_definition())]
        assert all(token not in s for s in shown), shown
        assert any("***" in s or "hidden" in s for s in shown)
    finally:
        session.tunnel.close()
        session.tunnel = None

