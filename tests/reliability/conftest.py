"""Fixtures for the reliability suite: real emulators, receivers and key servers on loopback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the helpers importable

from reliability_helpers import CountingServer, Signer  # noqa: E402

from osscb_notebook.emulator import Emulator  # noqa: E402
from osscb_notebook.receiver import Receiver, start_receiver  # noqa: E402
from osscb_notebook.upload import UploadTarget  # noqa: E402


@pytest.fixture(scope="module")
def signer_and_keys() -> Iterator[tuple[Signer, CountingServer]]:
    signer = Signer()
    keys = CountingServer()
    keys.routes["/keys/pub.pem"] = (200, [], signer.pem)
    signer.key_url = keys.prefix + "keys/pub.pem"
    yield signer, keys
    keys.stop()


@pytest.fixture
def signer(signer_and_keys: tuple[Signer, CountingServer]) -> Signer:
    return signer_and_keys[0]


@pytest.fixture
def key_server(signer_and_keys: tuple[Signer, CountingServer]) -> CountingServer:
    return signer_and_keys[1]


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    """A server that must never be contacted (untrusted key host, internal address)."""
    server = CountingServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("emu")) as emu:
        yield emu


@pytest.fixture
def target(emulator: Emulator) -> UploadTarget:
    return UploadTarget.for_emulator(emulator)


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def make(**kwargs: object) -> Receiver:
        r = start_receiver(**kwargs)  # type: ignore[arg-type]
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()
