"""Fixtures for the framework hookups: one ``hookup`` per row of every ``hookups_*.py`` module, and
one running app per hookup per test session (frameworks are slow to start: Spring, Rails)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from osscb_notebook.callback import load_private_key
from osscb_notebook.emulator import Emulator
from osscb_notebook.emulator._server import KEY_FILE
from tests.frameworks import harness
from tests.receivers.harness import unavailable
from tests.support import free_port
from tests.support.signer import Signer

HOOKUPS = harness.collect_hookups()


@pytest.fixture(scope="session")
def framework_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("fw-emu")) as emu:
        yield emu


@pytest.fixture(scope="session")
def probe_key_port() -> int:
    """The probe's key server port, fixed for the session: every app trusts its prefix at start."""
    return free_port()


_APPS: dict[str, harness.RunningApp] = {}


@pytest.fixture(scope="session", autouse=True)
def _stop_apps() -> Iterator[None]:
    yield
    for app in _APPS.values():
        app.stop()


@pytest.fixture(params=sorted(HOOKUPS))
def hookup(request: pytest.FixtureRequest) -> harness.Hookup:
    row = HOOKUPS[request.param]
    reason = row.problem()
    if reason:
        unavailable(reason)
    return row


def _running(row: harness.Hookup, emulator: Emulator, probe_key_port: int,
             tmp_path_factory: pytest.TempPathFactory) -> harness.RunningApp:
    running = _APPS.get(row.name)
    if running is None or running.proc.poll() is not None:
        folder = harness.export(row, tmp_path_factory.mktemp(f"fw-{row.name}"))
        row.prepare(folder)
        trusted = [emulator.public_key_prefix, f"http://127.0.0.1:{probe_key_port}/osscb-probe/"]
        running = harness.start(row, folder, free_port(), trusted)
        _APPS[row.name] = running
    return running


@pytest.fixture
def app(hookup: harness.Hookup, framework_emulator: Emulator, probe_key_port: int,
        tmp_path_factory: pytest.TempPathFactory) -> harness.RunningApp:
    """The hookup's app, exported, prepared and started once per session, trusting the emulator's
    and the probe's key prefixes."""
    return _running(hookup, framework_emulator, probe_key_port, tmp_path_factory)


@pytest.fixture
def start_app(framework_emulator: Emulator, probe_key_port: int,
              tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], harness.RunningApp]:
    """``start_app(name)``: the app of one named hookup (the same session-wide instance as ``app``),
    for framework-specific tests; skips (fails under CI=true) when it cannot run here."""
    def start(name: str) -> harness.RunningApp:
        row = HOOKUPS[name]
        reason = row.problem()
        if reason:
            unavailable(reason)
        return _running(row, framework_emulator, probe_key_port, tmp_path_factory)
    return start


@pytest.fixture(scope="session")
def emulator_signer(framework_emulator: Emulator) -> Signer:
    """Signs callbacks with the emulator's own key (every app trusts its key URL prefix)."""
    pem = (framework_emulator.data_dir / ".osscb" / KEY_FILE).read_bytes()
    return Signer(private_key=load_private_key(pem), key_url=framework_emulator.public_key_url)
