"""Fixtures: a real emulator, a real callback server on loopback, SDK clients pointed at them."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import alibabacloud_oss_v2 as ossv2
import oss2
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the helpers importable

from emulator_helpers import REGION, CallbackServer, _make_handler, v2_client  # noqa: E402

from osscb_notebook.emulator import Emulator  # noqa: E402


@pytest.fixture(scope="session")
def callback_server() -> Iterator[CallbackServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    cb = CallbackServer(server)
    server.RequestHandlerClass = _make_handler(cb)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield cb
    cb.release.set()
    server.shutdown()
    server.server_close()


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
