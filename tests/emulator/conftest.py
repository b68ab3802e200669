"""Fixtures: a real emulator, a real callback server on loopback, SDK clients pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import alibabacloud_oss_v2 as ossv2
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import REGION, CallbackServer, _make_handler, v2_client
from tests.support import LoopbackServer


@pytest.fixture(scope="session")
def callback_server() -> Iterator[CallbackServer]:
    cb = CallbackServer()
    with LoopbackServer(_make_handler(cb)) as server:
        cb.port = server.port
        yield cb
        cb.release.set()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(data_dir=tmp_path_factory.mktemp("emu"), buckets=("demo", "other"))
    with emu:
        yield emu


@pytest.fixture
def bucket(emulator: Emulator) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")


@pytest.fixture
def bucket_v4(emulator: Emulator) -> oss2.Bucket:
    auth = oss2.AuthV4(emulator.access_key_id, emulator.access_key_secret)
    return oss2.Bucket(auth, emulator.endpoint, "demo", region=REGION)



@pytest.fixture
def client_v2(emulator: Emulator) -> ossv2.Client:
    return v2_client(emulator)
