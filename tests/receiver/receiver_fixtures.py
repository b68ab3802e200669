"""Fixtures shared by the receiver and tunnel suites (imported by their conftests): a signing key,
the trusted key server on loopback, a signer, and receivers stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from receiver_helpers import KeyServer, Signer, new_key, serve_key

from osscb_notebook.receiver import Receiver, start_receiver


@pytest.fixture(scope="session")
def keypair():  # noqa: ANN201
    return new_key()


@pytest.fixture(scope="session")
def key_server(keypair) -> Iterator[KeyServer]:  # noqa: ANN001
    with serve_key(keypair[1]) as ks:
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
