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
    assert sent is not None and sent.target == "/callback?token=s3cr3t-t0ken&probe=1&v=a%20b&w=a%2541"


def test_a_server_that_does_not_trust_the_probe_is_told_what_to_trust(key_port: int) -> None:
    with s.Correct(("http://127.0.0.1:1/elsewhere/",)) as server:
        report = run_probe(server.url, trusted=True, key_port=key_port, checks=("valid-form", "tampered-body"))
    observed = report.check("valid-form").observed
    assert "never fetched the probe's key" in observed and "was it started trusting" in observed
    assert report.check("tampered-body").verdict == "skip"  # a refusal proves nothing when valid ones fail too


def test_oss_vectors_are_inconclusive_when_the_key_is_not_pinned_and_oss_unreachable(key_port: int) -> None:
    class Unpinned(s.Correct):
        def __init__(self, trusted: tuple[str, ...] = ()) -> None:
            super().__init__(trusted)
            self.keys.clear()

    with Unpinned() as server:
        report = run_probe(server.url, key_port=key_port, checks=("real-oss-vectors",))
    row = report.check("real-oss-vectors")
    assert row.verdict == "warn", row.observed
    assert "inconclusive: your server could not fetch OSS's key (it does not pin it)" in row.observed
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


class _FetchesOSSKeyFirst(s.Correct):
    """Does not pin OSS's key and fetches the key before looking at the signature (as the Node
    samples do): here OSS's key host is unreachable, so every callback with OSS's key URL fails."""

    def __init__(self, trusted: tuple[str, ...] = ()) -> None:
        super().__init__(trusted)
        self.keys.clear()

    def verify(self, target: str, headers: object, body: bytes) -> str:
        import base64

        key_b64 = headers.get("x-oss-pub-key-url")  # type: ignore[attr-defined]
        try:
            url = base64.b64decode(key_b64 or "", validate=True).decode()
        except ValueError:
            return "malformed header"
        if url and self.key_url_ok(url):
            try:
                self.fetch(url)
            except Exception as exc:  # noqa: BLE001
                return self.fetch_failed(exc)
        return super().verify(target, headers, body)

    def fetch_failed(self, exc: Exception) -> str:
        return "500"

    def refusal_status(self, reason: str) -> int:
        return 500 if reason == "500" else 400


class _ExitsOnKeyFetchError(_FetchesOSSKeyFirst):
    """... and exits when the fetch fails (a Node sample's unhandled error): no reply, then nothing listens."""

    def fetch_failed(self, exc: Exception) -> str:
        self.server.httpd.shutdown()
        self.server.httpd.server_close()
        raise ConnectionAbortedError("the process exits")  # the connection closes with no reply


def test_a_server_that_cannot_fetch_oss_key_is_not_blamed_for_its_header_handling(key_port: int) -> None:
    with _FetchesOSSKeyFirst((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:
        report = run_probe(server.url, key_port=key_port)
    assert report.exit_code == 0, report.render_text()
    for check_id in ("missing-headers", "malformed-signature"):
        row = report.check(check_id)
        assert row.verdict == "warn", row.observed
        assert "inconclusive: your server could not fetch OSS's key (it does not pin it)" in row.observed
        assert "(OSS's key URL) → 500" in row.observed
    assert report.check("malformed-key-url").verdict == "pass"
    assert report.check("real-oss-vectors").verdict == "warn"


def test_a_server_that_exits_when_the_fetch_fails_is_inconclusive_not_malformed(key_port: int) -> None:
    with _ExitsOnKeyFetchError((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:
        report = run_probe(server.url, key_port=key_port)
    text = report.render_text()
    assert report.exit_code == 0, text
    assert [c.id for c in report.checks if c.verdict == "pass"] == [
        "forged-key-url", "untrusted-key-fetched", "prefix-bypass"], text
    first = report.check("missing-headers")
    assert first.verdict == "warn" and "no Authorization (OSS's key URL) → no reply" in first.observed
    for check_id in ("malformed-signature", "malformed-key-url", "real-oss-vectors"):
        row = report.check(check_id)
        assert row.verdict == "warn" and "stopped answering after 'no Authorization (OSS's key URL)'" in row.observed


class _FetchesWithEscapes(s.TrustsAnyKeyURL):
    """Fetches every key URL with terminal control sequences appended to its path (security review N3)."""

    def download(self, url: str) -> bytes:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        path = parts.path + "\x1b[2J\x1b[31mFAKE-PASS\x1b[0m"
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 3) as sock:
            sock.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        return data.partition(b"\r\n\r\n")[2]


def test_terminal_control_sequences_from_the_server_never_reach_the_text_report(key_port: int) -> None:
    with _FetchesWithEscapes() as server:
        report = run_probe(server.url, key_port=key_port, checks=("forged-key-url", "untrusted-key-fetched"))
    assert report.check("untrusted-key-fetched").verdict == "fail"
    text = report.render_text()
    assert "\x1b" not in text and "\x1b" not in json.dumps(report.to_dict(), ensure_ascii=False)
    assert "\\x1b[2J\\x1b[31mFAKE-PASS" in text  # shown, escaped
    assert all("\x1b" not in u for c in report.checks for u in c.fetched)


def test_key_timeout_is_not_judged_when_the_probes_timeout_is_under_oss_5_s(key_port: int) -> None:
    with s.Correct((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:  # its key fetch gives up after 3 s
        report = run_probe(server.url, trusted=True, key_port=key_port, timeout=2.0, checks=("key-timeout",))
    row = report.check("key-timeout")
    assert row.verdict == "skip" and "--timeout 6" in row.observed, row.observed
