"""``osscb probe`` (issue #18) against every exported receiver, in both modes: no ``fail``; in
trusted mode every valid, tampered and reply check passes, and the burst of concurrent callbacks."""

from __future__ import annotations

import pytest

from osscb_notebook.exports.languages import ReceiverLanguage
from osscb_notebook.probe import CHECK_IDS, run_probe
from tests.support import free_port


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "trusted"])
def test_the_probe_finds_no_fail(lang: ReceiverLanguage, run_receiver, trusted: bool) -> None:  # type: ignore[no-untyped-def]
    key_port = free_port()
    # the receiver trusts the probe's key server prefix before the probe starts serving it
    receiver = run_receiver(trusted=f"http://127.0.0.1:{key_port}/osscb-probe/")
    report = run_probe(receiver.url + "oss-callback", trusted=trusted, key_port=key_port, timeout=10.0)
    text = report.render_text()
    assert report.trusted_prefix == f"http://127.0.0.1:{key_port}/osscb-probe/"
    assert [c.id for c in report.checks if c.verdict == "fail"] == [], text
    assert report.exit_code == 0, text
    for check_id in ("real-oss-vectors", "forged-key-url", "untrusted-key-fetched", "prefix-bypass"):
        assert report.check(check_id).verdict == "pass", text
    if trusted:
        must_pass = [i for i in CHECK_IDS if i.startswith(("valid-", "tampered-", "reply-")) or i == "burst"]
        assert {i: report.check(i).verdict for i in must_pass} == dict.fromkeys(must_pass, "pass"), text
    assert receiver.proc.poll() is None, receiver.output
