"""Fixtures: a signing key, loopback key servers (one trusted, one never to be hit), receivers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from receiver_fixtures import key_server, keypair, make_receiver, signer  # noqa: E402, F401
from receiver_helpers import KeyServer, new_key, serve_key  # noqa: E402


@pytest.fixture
def evil_key_server() -> Iterator[KeyServer]:
    """Serves the attacker's key; the receiver must never contact it."""
    evil, pem = new_key()
    with serve_key(pem) as ks:
        ks.private_key = evil  # type: ignore[attr-defined]
        yield ks
