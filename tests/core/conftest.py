"""A real key server on loopback that counts its hits (a fresh one per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from osscb_notebook.callback import generate_private_key, public_key_pem
from tests.support import KeyServer


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    """Serves its key at ``/pub.pem``; ``prefix`` is the server's root."""
    key = generate_private_key(1024)
    with KeyServer(public_key_pem(key), key_path="/pub.pem", prefix_path="/", private_key=key) as ks:
        yield ks
