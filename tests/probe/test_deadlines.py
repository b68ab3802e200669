"""``--timeout`` is a total deadline per request (issue #25 item 6, security review N1): servers
that flood ``100 Continue``, trickle headers or bodies, or never answer are cut off on time. The
issue demands the bound, so these tests time it."""

from __future__ import annotations

import pytest

from osscb_notebook.probe import run_probe
from tests.probe.servers import Hostile

#: The probe's own work around one request (two 1024-bit keys, the key server) on a loaded machine.
SLACK = 3.0


@pytest.mark.parametrize("mode", Hostile.MODES)
def test_a_hostile_server_is_cut_off_at_the_probes_deadline(mode: str) -> None:
    with Hostile(mode) as server:
        report = run_probe(server.url, key_port=0, timeout=1.0, checks=("forged-key-url", "untrusted-key-fetched"))
    # one request (forged-key-url) of at most 1 s; untrusted-key-fetched reuses it
    assert report.elapsed < 1.0 + SLACK, (mode, report.elapsed, report.render_text())
    row = report.check("forged-key-url")
    status = {"refusal-trickle": 400, "chunk-trickle": 400, "body-trickle": 200}.get(mode)
    assert row.status == status, row.observed
    # a 200 to a forged callback is an acceptance, however slowly its body comes
    assert row.verdict == ("fail" if status == 200 else "pass"), row.observed


@pytest.mark.parametrize("mode", ["continue", "body-trickle"])
def test_a_burst_against_a_hostile_server_ends_at_the_deadline(mode: str, key_port: int) -> None:
    # 20 concurrent requests, each cut off at 1 s (the review found them stuck for good)
    with Hostile(mode) as server:
        report = run_probe(server.url, trusted=True, key_port=key_port, timeout=1.0, checks=("burst",))
    assert report.elapsed < 1.0 + SLACK, (mode, report.elapsed)
    if mode == "continue":
        assert report.check("burst").verdict == "fail"
