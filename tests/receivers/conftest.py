"""Fixtures for the exported receivers: one ``lang`` per toolchain of the matrix
(``toolchains.py``: each row of the language table, Go and Java twice), a factory that exports and
starts a receiver (stopped after the test), and one emulator per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.exports.languages import LANGUAGES, ReceiverLanguage
from tests.receivers import harness, toolchains


def pytest_report_header(config: pytest.Config) -> list[str]:
    return ["exported receivers' toolchains:", *("  " + line for line in toolchains.describe())]


@pytest.fixture(scope="session", autouse=True)
def _scratch(request: pytest.FixtureRequest) -> Iterator[None]:
    """Prints the toolchain versions once; removes the run's scratch folder (Go's build cache,
    built binaries) at the end."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for line in ["exported receivers' toolchains:", *toolchains.describe()]:
            reporter.write_line("  " + line)
    yield
    harness.remove_session_dir()


@pytest.fixture(params=toolchains.matrix(), ids=[t.id for t in toolchains.matrix()])
def lang(request: pytest.FixtureRequest) -> ReceiverLanguage:
    """Each toolchain of the matrix, as its language's row with the toolchain's executable;
    skipped (failed with CI=true) without its template or toolchain."""
    chain: toolchains.Toolchain = request.param
    if chain.problem:
        harness.unavailable(f"{LANGUAGES[chain.lang].label} toolchain {chain.id}: {chain.problem}")
    row = chain.row()
    harness.require(row)
    return row


@pytest.fixture
def run_receiver(lang: ReceiverLanguage, tmp_path: Path) -> Iterator[Callable[..., harness.Running]]:
    """``run_receiver(trusted=PREFIXES, source=None, documented=False, env=None)``: export and start
    ``lang``'s receiver in ``tmp_path``; every receiver started is stopped after the test."""
    started: list[harness.Running] = []

    def run(*, trusted: str | None = None, source: str | None = None, documented: bool = False,
            env: dict[str, str] | None = None) -> harness.Running:
        folder = tmp_path / f"r{len(started)}"
        folder.mkdir()
        script = harness.export(lang, folder, source)
        running = harness.start(lang, script, trusted=trusted, documented=documented, env=env)
        started.append(running)
        return running

    yield run
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("emu")) as emu:
        yield emu
