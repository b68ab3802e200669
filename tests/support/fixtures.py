"""The shared fixtures: a signing key, the trusted key server, a signer, a never-contacted
counting server, and a receiver factory that stops what it started."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from osscb_notebook.receiver import Receiver, start_receiver

from .keys import CountingServer, KeyServer
from .signer import Signer, new_key


@pytest.fixture(scope="session")
def keypair():  # noqa: ANN201
    return new_key()


@pytest.fixture(scope="session")
def key_server(keypair) -> Iterator[KeyServer]:  # noqa: ANN001
    """Serves ``keypair``'s PEM at ``/keys/callback.pem``; receivers trust its ``prefix``."""
    with KeyServer(keypair[1], private_key=keypair[0]) as ks:
        yield ks


@pytest.fixture
def signer(keypair, key_server) -> Signer:  # noqa: ANN001
    return Signer(keypair[0], key_server.key_url)


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    """A server that must never be contacted (untrusted key host, internal address)."""
    server = CountingServer()
    yield server
    server.stop()


def receiver_factory(trusted: str | None) -> tuple[Callable[..., Receiver], Callable[[], None]]:
    """``(make, stop_all)``: ``make(**kwargs)`` starts a receiver trusting ``trusted`` unless told otherwise."""
    started: list[Receiver] = []

    def make(**kwargs: object) -> Receiver:
        if trusted is not None:
            kwargs.setdefault("trust_key_urls", [trusted])
        r = start_receiver(**kwargs)  # type: ignore[arg-type]
        started.append(r)
        return r

    def stop_all() -> None:
        for r in started:
            r.stop()

    return make, stop_all


@pytest.fixture
def make_receiver(key_server) -> Iterator[Callable[..., Receiver]]:  # noqa: ANN001
    """Starts receivers (trusting ``key_server`` by default) and stops them after the test."""
    make, stop_all = receiver_factory(key_server.prefix)
    yield make
    stop_all()
