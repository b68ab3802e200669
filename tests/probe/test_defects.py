"""Each deliberate defect is reported under the right check id; the correct server has none
(issue #18). Real HTTP over loopback, real RSA keys, the probe's own key server."""

from __future__ import annotations

import pytest

from osscb_notebook.probe import CHECK_IDS, ProbeReport
from tests.probe import servers as s
from tests.probe.conftest import Probe


def fails(report: ProbeReport) -> dict[str, str]:
    """``{check id: severity}`` of every ``fail`` row."""
    return {c.id: c.severity for c in report.checks if c.verdict == "fail"}


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "trusted"])
def test_the_correct_server_gets_no_fail(probe: Probe, trusted: bool) -> None:
    report = probe(s.Correct, trusted=trusted)
    assert [c.id for c in report.checks] == list(CHECK_IDS)
    assert fails(report) == {}, report.render_text()
    assert report.exit_code == 0
    if trusted:
        passed = {c.id for c in report.checks if c.verdict == "pass"}
        assert {i for i in CHECK_IDS if i.startswith(("valid-", "tampered-", "reply-"))} <= passed, report.render_text()
        assert {"burst", "forged-key-url", "untrusted-key-fetched", "prefix-bypass"} <= passed
        assert {"key-redirect", "key-timeout", "key-garbage", "valid-header-case"} <= passed, report.render_text()
        assert report.check("key-cache").verdict == "info" and "fetched 1 time (cached)" in report.check("key-cache").observed
        assert report.check("replay").verdict == "info"
        assert "accepted" in report.check("replay").observed
    else:
        skipped = {c.id for c in report.checks if c.verdict == "skip"}
        assert {i for i in CHECK_IDS if i.startswith(("valid-", "tampered-", "reply-"))} <= skipped
        assert all(report.trusted_prefix in report.check(i).observed for i in skipped - {"real-oss-vectors"})
    # the correct server pins OSS's key, so OSS's own signatures verify without any network
    assert report.check("real-oss-vectors").verdict == "pass"


@pytest.mark.parametrize(("server", "trusted", "expected"), [
    (s.TrustsAnyKeyURL, False, {"forged-key-url": "critical", "untrusted-key-fetched": "high",
                                "prefix-bypass": "critical"}),
    (s.PrefixWithoutSlash, False, {"prefix-bypass": "critical"}),
    (s.FetchesBeforeChecking, False, {"untrusted-key-fetched": "high", "prefix-bypass": "high"}),
    (s.ErrorOnMissingHeader, False, {"missing-headers": "medium"}),
    (s.AcceptsEverything, True, {
        "forged-key-url": "critical", "prefix-bypass": "critical", "missing-headers": "high",
        "malformed-signature": "high", "malformed-key-url": "high", "tampered-body": "critical",
        "tampered-path": "critical", "tampered-query": "critical", "tampered-signature": "critical",
        "key-redirect": "critical", "key-garbage": "high"}),
    (s.ReserialisesJSON, True, {"valid-json": "high"}),
    (s.AlwaysAddsQuery, True, {"valid-form": "high", "valid-json": "high", "valid-no-query": "high",
                               "valid-encoded-path": "high", "valid-plus": "high", "valid-unicode": "high",
                               "valid-header-case": "high"}),
    (s.PathNotDecoded, True, {"valid-encoded-path": "high"}),
    (s.BomReply, True, {"reply-bom": "high"}),
    (s.ChunkedReply, True, {"reply-length": "high"}),
    (s.PlainTextReply, True, {"reply-format": "high"}),
    (s.Status204, True, {"reply-status": "high"}),
    # issue #25: one defect per new behaviour
    (s.CaseSensitiveAuthorization, True, {"valid-header-case": "high", "forged-key-url": "critical",
                                          "untrusted-key-fetched": "high", "prefix-bypass": "critical"}),
    (s.CaseSensitiveLowerAuthorization, True, {i: "high" for i in (
        "valid-form", "valid-json", "valid-query", "valid-no-query", "valid-encoded-path", "valid-plus",
        "valid-unicode")}),
    (s.DoubleDecoding, True, {"valid-encoded-path": "high"}),
    (s.DotCheckStopsAtQuery, False, {"prefix-bypass": "critical"}),
    (s.FollowsKeyRedirects, True, {"key-redirect": "critical"}),
    (s.BlockingKeyFetch, True, {"key-timeout": "high"}),
    (s.ErrorOnGarbageKey, True, {"key-garbage": "medium"}),
    (s.LowerCaseStatusLine, False, {"missing-headers": "medium", "malformed-signature": "medium",
                                    "malformed-key-url": "medium"}),
    (s.HeadersWithoutBody, True, {"reply-format": "high"}),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_each_defect_is_reported_under_its_check(probe: Probe, server: type[s.Correct], trusted: bool,
                                                 expected: dict[str, str]) -> None:
    report = probe(server, trusted=trusted)
    assert fails(report) == expected, report.render_text()
    assert report.exit_code == 1
    for check_id in expected:
        row = report.check(check_id)
        assert row.request is not None and row.fix and row.observed  # the stepper gets the exact request


def test_a_fetch_is_attributed_to_the_check_that_caused_it(probe: Probe) -> None:
    report = probe(s.FetchesBeforeChecking, trusted=False, checks=("forged-key-url", "untrusted-key-fetched"))
    fetched = report.check("untrusted-key-fetched").fetched
    assert len(fetched) == 1 and "/osscb-forged/" in fetched[0] and "/forged-key-url/" in fetched[0]
    assert report.check("forged-key-url").verdict == "pass"


def test_valid_rows_say_what_the_uploading_client_would_get(probe: Probe) -> None:
    report = probe(s.ReserialisesJSON, checks=("valid-form", "valid-json"))
    assert report.check("valid-form").client_outcome == '200 {"Status": "OK"}'
    bad = report.check("valid-json")
    assert bad.status == 400 and bad.client_outcome.startswith("203 Error status : 400")
    assert bad.request is not None and bad.request.body == b'{"a":1, "b" :"x"}'
    assert bad.request.header("Content-Type") == "application/json"


def test_a_slow_server_fails_latency_and_burst_within_a_bounded_time(probe: Probe) -> None:
    report = probe(s.SlowReply, checks=("reply-latency", "burst"))
    assert [c.id for c in report.checks] == ["reply-latency", "burst"]
    assert fails(report) == {"reply-latency": "high", "burst": "high"}, report.render_text()
    # two replies at 5 s or more decide the p95 of 20: the sequence stops there
    assert "stopped after 2 of 20" in report.check("reply-latency").observed


def test_a_route_matching_only_the_exact_path_is_a_warning(probe: Probe, key_port: int) -> None:
    class ExactRoute(s.Correct):
        def verify(self, target: str, headers: object, body: bytes) -> str:
            return "not found" if target.partition("?")[0] != "/callback" else super().verify(target, headers, body)

        def refusal_status(self, reason: str) -> int:
            return 404 if reason == "not found" else 400

    report = probe(ExactRoute, checks=[i for i in CHECK_IDS if i.startswith("valid-")])
    assert report.check("valid-encoded-path").verdict == "warn"
    assert report.check("valid-encoded-path").severity == "low"
    assert report.exit_code == 0


def test_the_rows_requests_verify_with_the_reports_key_so_a_stepper_can_replay_them(probe: Probe) -> None:
    from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request

    report = probe(s.ReserialisesJSON, checks=("valid-json", "tampered-body"))
    resolver = KeyResolver(public_key=report.key_pem)
    wrongly_refused = report.check("valid-json").request
    tampered = report.check("tampered-body").request
    assert wrongly_refused is not None and tampered is not None
    assert verify_request(parse_raw_request(wrongly_refused.to_raw()), resolver).ok  # the server was wrong
    assert not verify_request(parse_raw_request(tampered.to_raw()), resolver).ok


def test_a_lower_case_status_line_is_named_as_such_not_as_no_reply(probe: Probe) -> None:
    report = probe(s.LowerCaseStatusLine, trusted=False, checks=("missing-headers",))
    observed = report.check("missing-headers").observed
    assert "unparseable status line 'http/1.1 403 Forbidden'" in observed, observed
    assert "no reply" not in observed


def test_headers_without_a_body_are_osss_not_json_with_the_cause_in_the_fix(probe: Probe) -> None:
    report = probe(s.HeadersWithoutBody, checks=("valid-form", "reply-format", "reply-length"))
    row = report.check("reply-format")
    assert row.verdict == "fail" and "then no body" in row.observed
    assert "Response body is not valid json format" in row.observed  # what the uploading client gets
    assert "wfile.write" in row.fix and "bytes" in row.fix
    assert report.check("reply-length").verdict == "pass"
    assert report.check("valid-form").client_outcome.startswith("203 Response body is not valid json format")


def test_the_case_sensitive_servers_are_told_why(probe: Probe) -> None:
    upper = probe(s.CaseSensitiveAuthorization, checks=("valid-form", "valid-header-case"))
    assert "reads the header name case-sensitively" in upper.check("valid-header-case").observed
    lower = probe(s.CaseSensitiveLowerAuthorization, checks=("valid-form", "valid-header-case"))
    assert "OSS sends 'Authorization'" in lower.check("valid-form").observed
    sent = lower.check("valid-form").request
    assert sent is not None and [k for k, _ in sent.headers if k.lower() == "authorization"] == ["Authorization"]
