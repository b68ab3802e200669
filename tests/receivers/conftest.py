"""Fixtures for the exported receivers: one ``lang`` per row of the language table, a factory
that exports and starts a receiver (stopped after the test), and one emulator per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.exports.languages import LANGUAGES, ReceiverLanguage
from tests.receivers import harness


@pytest.fixture(scope="session", autouse=True)
def _scratch() -> Iterator[None]:
    """Removes the run's scratch folder (Go's build cache, built binaries) at the end."""
    yield
    harness.remove_session_dir()


@pytest.fixture(params=list(LANGUAGES))
def lang(request: pytest.FixtureRequest) -> ReceiverLanguage:
    """Each language of the table; skipped (failed with CI=true) without its template or toolchain."""
    row = LANGUAGES[request.param]
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
