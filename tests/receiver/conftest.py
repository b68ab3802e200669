"""Fixtures: a signing key, loopback key servers (one trusted, one never to be hit), receivers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from receiver_helpers import KeyServer, Signer, new_key, serve_key  # noqa: E402

from osscb_notebook.receiver import Receiver, start_receiver  # noqa: E402


@pytest.fixture(scope="session")
def keypair():  # noqa: ANN201
    return new_key()


@pytest.fixture(scope="session")
def key_server(keypair) -> Iterator[KeyServer]:  # noqa: ANN001
    with serve_key(keypair[1]) as ks:
        yield ks


@pytest.fixture
def evil_key_server() -> Iterator[KeyServer]:
    """Serves the attacker's key; the receiver must never contact it."""
    evil, pem = new_key()
    with serve_key(pem) as ks:
        ks.private_key = evil  # type: ignore[attr-defined]
        yield ks


@pytest.fixture
def signer(keypair, key_server) -> Signer:  # noqa: ANN001
    return Signer(keypair[0], key_server.key_url)


@pytest.fixture
def make_receiver(key_server) -> Iterator[Callable[..., Receiver]]:  # noqa: ANN001
    started: list[Receiver] = []

    def make(**kwargs: object) -> Receiver:
        kwargs.setdefault("trust_key_urls", [key_server.prefix])
        r = start_receiver(**kwargs)  # type: ignore[arg-type]
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()
