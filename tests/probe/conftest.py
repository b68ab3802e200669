"""Fixtures for the probe's tests: a free key port and a runner that starts one test server trusting
the probe's prefix, probes it over loopback and stops it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from osscb_notebook.probe import ProbeReport, run_probe
from tests.probe.servers import Correct
from tests.support import free_port

Probe = Callable[..., ProbeReport]


@pytest.fixture
def key_port() -> int:
    return free_port()


@pytest.fixture
def probe(key_port: int) -> Probe:
    """``probe(ServerClass, trusted=..., checks=...)``: the report of one run against a fresh server
    that trusts ``http://127.0.0.1:<key_port>/osscb-probe/`` (the defect decides how it reads that)."""

    def run(server_cls: type[Correct] = Correct, *, trusted: bool = True, checks: Iterable[str] | None = None,
            timeout: float = 10.0) -> ProbeReport:
        with server_cls((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:
            return run_probe(server.url, trusted=trusted, key_port=key_port, checks=checks, timeout=timeout)

    return run
