"""Fixtures: the shared ones (``tests.support``) plus a key server that must never be hit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import KeyServer, new_key


@pytest.fixture
def evil_key_server() -> Iterator[KeyServer]:
    """Serves the attacker's key; the receiver must never contact it."""
    evil, pem = new_key()
    with KeyServer(pem, private_key=evil) as ks:
        yield ks
