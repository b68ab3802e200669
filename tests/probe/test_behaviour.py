"""The probe's own behaviour: progress, masking, no redirects, the key-URL base, the reasons it gives
when the server does not trust it or cannot reach OSS's key."""

from __future__ import annotations

import json

from osscb_notebook.probe import CHECK_IDS, DEFAULT_KEY_PORT, run_probe
from tests.probe import servers as s
from tests.support import CountingServer, LoopbackServer, QuietHandler


def test_progress_is_reported_on_the_calling_thread_in_check_order() -> None:
    import threading

    seen: list[tuple[int, int, str, str]] = []
    with s.Correct() as server:
        run_probe(server.url, key_port=0, progress=lambda d, t, i: seen.append((d, t, i, threading.current_thread().name)))
    assert [(d, t, i) for d, t, i, _ in seen] == [(n + 1, len(CHECK_IDS), i) for n, i in enumerate(CHECK_IDS)]
    assert {name for *_, name in seen} == {threading.current_thread().name}
    assert DEFAULT_KEY_PORT == 9870


def test_redirects_are_never_followed(key_port: int) -> None:
    with CountingServer({"/": (200, b'{"Status":"OK"}')}) as elsewhere:
        class Redirect(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(307)
                self.send_header("Location", elsewhere.url("/"))
                self.send_header("Content-Length", "0")
                self.end_headers()

        with LoopbackServer(Redirect) as server:
            report = run_probe(server.url("/cb"), trusted=True, key_port=key_port,
                               checks=("forged-key-url", "valid-form", "reply-status"))
    assert elsewhere.hits == []
    assert report.check("valid-form").verdict == "fail" and report.check("valid-form").status == 307
    assert report.check("valid-form").client_outcome.startswith("203 ")


def test_a_token_in_the_url_is_masked_everywhere(key_port: int) -> None:
    with s.Correct() as server:
        report = run_probe(server.url + "?token=s3cr3t-t0ken", trusted=True, key_port=key_port,
                           checks=("forged-key-url", "valid-query"))
    for shown in (report.render_text(), report._repr_html_(), json.dumps(report.to_dict())):
        assert "s3cr3t-t0ken" not in shown
    # the probe still sent the real URL (merged with its own query)
    sent = report.check("valid-query").request
    assert sent is not None and sent.target == "/callback?token=s3cr3t-t0ken&probe=1&v=a%20b"


def test_a_server_that_does_not_trust_the_probe_is_told_what_to_trust(key_port: int) -> None:
    with s.Correct(("http://127.0.0.1:1/elsewhere/",)) as server:
        report = run_probe(server.url, trusted=True, key_port=key_port, checks=("valid-form", "tampered-body"))
    observed = report.check("valid-form").observed
    assert "never fetched the probe's key" in observed and "was it started trusting" in observed
    assert report.check("tampered-body").verdict == "skip"  # a refusal proves nothing when valid ones fail too


def test_oss_vectors_skip_with_the_reason_when_the_key_is_not_pinned_and_oss_unreachable(key_port: int) -> None:
    class Unpinned(s.Correct):
        def __init__(self, trusted: tuple[str, ...] = ()) -> None:
            super().__init__(trusted)
            self.keys.clear()

    with Unpinned() as server:
        report = run_probe(server.url, key_port=key_port, checks=("real-oss-vectors",))
    row = report.check("real-oss-vectors")
    assert row.verdict == "skip", row.observed
    assert "pin OSS's key" in row.observed and "G3 /api/File/15/upload_notify/" in row.observed


def test_a_key_url_base_publishes_the_key_under_it(key_port: int) -> None:
    base = f"http://127.0.0.1:{key_port}/tunnel/"  # a path the probe owns, ending in '/' (issue #28)
    with s.Correct((base,)) as server:
        report = run_probe(server.url, trusted=True, key_url_base=base, key_port=key_port,
                           checks=("valid-form", "forged-key-url", "prefix-bypass"))
    assert report.trusted_prefix == base
    assert [c.verdict for c in report.checks] == ["pass", "pass", "pass"], report.render_text()
    assert report.check("valid-form").fetched[0].startswith(base)


def test_the_key_server_binds_loopback_and_a_busy_port_names_the_option() -> None:
    import pytest

    from osscb_notebook.errors import ProbeError
    from osscb_notebook.probe.keyserver import KeyServer
    from tests.reliability.test_security import LOOPBACK_V4, _listening_addresses

    with KeyServer(b"trusted", b"forged", port=0) as keys:
        assert _listening_addresses(keys.port) == {LOOPBACK_V4}
        assert _listening_addresses(keys.side_port) == {LOOPBACK_V4}
        assert keys.prefix == f"http://127.0.0.1:{keys.port}/osscb-probe/"
        with pytest.raises(ProbeError, match="in use") as caught:
            KeyServer(b"trusted", b"forged", port=keys.port)
        assert "--key-port" in caught.value.hint and caught.value.port == keys.port
