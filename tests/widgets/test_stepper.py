"""The verification stepper over real traces: golden vector G1 and tampered copies."""

from __future__ import annotations

import base64

from osscb_notebook.verification import parse_raw_request, verify_request
from osscb_notebook.widgets import VerificationStepper


def test_next_through_g1_to_a_green_rsa_verify(g1: bytes) -> None:
    s = VerificationStepper(g1)
    assert s.index == 0 and s.back_button.disabled and not s.next_button.disabled
    assert "Step 1 of 7" in s.position.value and "Decode x-oss-pub-key-url" in s.card.value
    seen = []
    while not s.next_button.disabled:
        s.next_button.click()
        seen.append(s.current.name)  # type: ignore[union-attr]
    assert seen == ["allowlist", "public_key", "signature", "string_to_sign", "md5", "rsa_verify"]
    assert s.current.ok is True and "osscb-ok" in s.card.value  # type: ignore[union-attr]
    assert "Signature verified" in s.card.value
    s.back_button.click()
    assert s.current.name == "md5" and "W3T8l8w4W0XGyLd4LVohQA==" in s.card.value  # type: ignore[union-attr]
    s.go("string_to_sign")
    assert "/index.php?id=1&amp;index=2" in s.card.value and ">\\n</span>" in s.card.value


def test_a_tampered_body_fails_red_with_a_cause(g1: bytes) -> None:
    s = VerificationStepper()
    assert s.trace is None and "paste a raw request" in s.strip.value
    s.raw.value = g1.decode().replace("bucket=yonghu-test", "bucket=yonghu-tesT")
    s.verify_button.click()
    assert s.trace is not None and not s.trace.ok
    s.go("rsa_verify")
    assert s.current.ok is False  # type: ignore[union-attr]
    assert "osscb-fail" in s.card.value and "Likely cause" in s.card.value
    assert "FAIL" in repr(s)


def test_an_untrusted_key_url_stops_at_the_allowlist(g1: bytes) -> None:
    forged = base64.b64encode(b"http://127.0.0.1:9/key.pem").decode()  # port 9: nothing listens
    raw = g1.replace(b"aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ==", forged.encode())
    s = VerificationStepper(raw)
    s.next_button.click()
    assert s.current.name == "allowlist" and s.current.ok is False  # type: ignore[union-attr]
    assert s.trace.failed_step.name == "allowlist"  # type: ignore[union-attr]
    s.next_button.click()
    assert s.current.ok is None and "not run" in s.card.value  # type: ignore[union-attr]
    # trusting the prefix in the box lets it through to the fetch, which fails: no key server
    s.raw.value = raw.decode()
    s.trusted.value = "http://127.0.0.1:9/"
    s.verify_button.click()
    assert s.trace.step("allowlist").ok is True  # type: ignore[union-attr]
    assert s.trace.failed_step.name == "public_key"  # type: ignore[union-attr]


def test_loads_traces_and_rejects_garbage(g1: bytes) -> None:
    trace = verify_request(parse_raw_request(g1))
    s = VerificationStepper(trace)
    assert s.trace is trace
    s.raw.value = "this is not an HTTP request"
    assert s.verify_pasted() is None
    assert s.trace is None and "Cannot verify this input" in s.card.value
