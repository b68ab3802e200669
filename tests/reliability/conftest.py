"""Fixtures for the reliability suite: real emulators, receivers and key servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.upload import UploadTarget
from tests.support import KeyServer, Signer


@pytest.fixture(scope="module")
def signer_and_keys() -> Iterator[tuple[Signer, KeyServer]]:
    """A signer whose key is served at ``/keys/pub.pem``; the trusted prefix is the server's root."""
    signer = Signer()
    with KeyServer(signer.pem, key_path="/keys/pub.pem", prefix_path="/") as keys:
        signer.key_url = keys.key_url
        yield signer, keys


@pytest.fixture
def signer(signer_and_keys: tuple[Signer, KeyServer]) -> Signer:
    return signer_and_keys[0]


@pytest.fixture
def key_server(signer_and_keys: tuple[Signer, KeyServer]) -> KeyServer:
    return signer_and_keys[1]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("emu")) as emu:
        yield emu


@pytest.fixture
def target(emulator: Emulator) -> UploadTarget:
    return UploadTarget.for_emulator(emulator)
