"""The probe panel against real servers on loopback: a naive server written here (it fetches any
key URL and replies with a BOM) and the kit's own receiver (trusting the probe's prefix)."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote_to_bytes
from urllib.request import urlopen

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from osscb_notebook.probe import CHECK_IDS, DEFAULT_KEY_PORT
from osscb_notebook.session import Session
from osscb_notebook.session.widgets import WIDGET_NAMES, open_widget
from osscb_notebook.verification import OFFICIAL_KEY_URLS, OFFICIAL_PUBLIC_KEY_PEM
from osscb_notebook.widgets import ProbePanel, probe
from tests.support.loopback import LoopbackServer, QuietHandler, closed_port, free_port


class NaiveHandler(QuietHandler):
    """Verifies the signature, but with whatever key the request's own key URL serves, and writes
    its JSON reply with a BOM. OSS's key is pinned so nothing leaves loopback."""

    keys: dict[str, bytes] = {}

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            url = base64.b64decode(self.headers["x-oss-pub-key-url"]).decode()
            if url not in self.keys:
                self.keys[url] = OFFICIAL_PUBLIC_KEY_PEM if url in OFFICIAL_KEY_URLS else urlopen(url, timeout=3).read()
            path, _, query = self.path.partition("?")
            signed = unquote_to_bytes(path) + (b"?" + query.encode() if query else b"") + b"\n" + body
            key = load_pem_public_key(self.keys[url])
            key.verify(base64.b64decode(self.headers["authorization"]), signed, padding.PKCS1v15(), hashes.MD5())  # type: ignore[union-attr,call-arg]
        except Exception:
            status, reply = 400, {"Status": "verify failed"}
        else:
            status, reply = 200, {"Status": "OK"}
        data = json.dumps(reply).encode("utf-8-sig")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_naive_server_findings_open_the_stepper_on_the_request_it_got_wrong(session: Session) -> None:
    with LoopbackServer(NaiveHandler) as naive:
        panel = probe(naive.url("/callback"), trusted=True, key_port=free_port(), session=session)
    report = panel.report
    assert report is not None and report.exit_code == 1
    # the progress bar reached the end, check by check
    assert panel.progress.value == panel.progress.max == len(CHECK_IDS)
    assert panel.progress.bar_style == "danger" and not panel.run_button.disabled
    # the card lists every check; the findings list the failures, critical first, each with its button
    for check_id in CHECK_IDS:
        assert f">{check_id}</code>" in panel.card.value
    assert panel.card_box.selected_index is None and panel.card_box.layout.display is None  # folded under the findings
    ids = [f.check.id for f in panel.findings.children]
    assert ids[0] == "forged-key-url" and {"untrusted-key-fetched", "reply-bom"} <= set(ids)
    severities = [f.check.severity for f in panel.findings.children]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low", "info"].index)
    assert all(not f.button.disabled for f in panel.findings.children)

    # the forged request fails where the server should have stopped it: the allowlist
    forged = next(f for f in panel.findings.children if f.check.id == "forged-key-url")
    forged.button.click()
    stepper = panel.stepper
    assert stepper is not None and stepper in panel.stepper_box.children
    assert stepper.trace is not None and not stepper.trace.ok
    assert stepper.current is not None and stepper.current.name == "allowlist" and stepper.current.ok is False
    assert "/osscb-forged/" in stepper.trace.steps[0].output
    assert "fetched" in panel.answered.value and "/osscb-forged/" in panel.answered.value

    # a valid request the server answered wrongly verifies; the answer shows the BOM
    bom = next(f for f in panel.findings.children if f.check.id == "reply-bom")
    bom.button.click()
    assert panel.stepper is stepper and stepper.trace is not None and stepper.trace.ok
    assert "\\xef\\xbb\\xbf{&quot;Status&quot;" in panel.answered.value

    text = repr(panel)
    assert text.startswith(f"ProbePanel(url='{naive.url('/callback')}', mode=trusted, key prefix http://127.0.0.1:")
    assert "FAIL critical forged-key-url: " in text and "FAIL high reply-bom: " in text
    assert text.splitlines()[1].strip().endswith("(exit 1)")
    assert text.endswith("stepper: the reply-bom request, verifies: the answer was the mistake")


def test_kit_receiver_passes_from_the_run_button_with_the_url_prefilled(session: Session) -> None:
    key_port = free_port()
    panel = ProbePanel(session=session, key_port=key_port)
    assert panel.url.value == "" and "not run yet" in repr(panel)
    session.config.trust_key_urls = [panel.prefix]
    session.start_receiver()
    assert session.receiver is not None
    panel = open_widget("probe", session)  # %osscb_ui probe
    assert panel.url.value == session.receiver.url.rstrip("/") + "/callback"
    panel.key_port.value = key_port
    panel.mode.value = "trusted"
    assert panel.prefix == f"http://127.0.0.1:{key_port}/osscb-probe/"
    assert panel.prefix in panel.mode_help.value and "--trust-key-url" in panel.mode_help.value

    panel.run_button.click()
    report = panel.wait()
    assert report is not None and report.exit_code == 0, report.render_text()
    assert report.trusted_prefix == panel.prefix
    assert panel.progress.value == panel.progress.max == len(CHECK_IDS) and panel.progress.bar_style == "success"
    assert panel.findings.children == () and panel.message.value == ""
    assert panel.card_box.selected_index == 0 and "29 pass, 0 fail" in panel.card.value  # nothing to fold it under
    assert repr(panel).splitlines()[1] == "  29 pass, 0 fail, 0 warn, 0 skip, 2 info (exit 0)"


def test_errors_are_shown_in_the_panel(session: Session) -> None:
    panel = probe(f"http://127.0.0.1:{closed_port()}/callback", key_port=free_port(), session=session)
    assert panel.report is None and panel.error is not None
    assert "osscb-fail" in panel.message.value and not panel.run_button.disabled
    assert repr(panel).splitlines()[1].startswith("  error: ")
    panel.url.value = "ftp://example.com/"
    assert panel.run() is None and "http" in repr(panel).splitlines()[1]


def test_the_mode_toggle_says_what_to_trust(session: Session) -> None:
    assert "probe" in WIDGET_NAMES
    panel = ProbePanel("http://127.0.0.1:8080/callback", session=session)
    assert panel.prefix == f"http://127.0.0.1:{DEFAULT_KEY_PORT}/osscb-probe/"
    assert "Key-URL prefix to trust" not in panel.mode_help.value
    panel.mode.value = "trusted"
    assert "OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:9870/osscb-probe/" in panel.mode_help.value
    panel.key_port.value = 9999
    assert "http://127.0.0.1:9999/osscb-probe/" in panel.mode_help.value
    based = ProbePanel(session=session, key_url_base="https://keys.example.com/x/", trusted=True)  # issue #28: ends in /
    assert based.prefix == "https://keys.example.com/x/" and based.key_port.disabled
    assert repr(panel) == ("ProbePanel(url='http://127.0.0.1:8080/callback', mode=trusted, "
                           "key prefix http://127.0.0.1:9999/osscb-probe/)\n  not run yet")
