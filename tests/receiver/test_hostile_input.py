"""Issue #12: hostile input to the receiver and the verifier gets a clear answer, never a 500,
a hang or a traceback."""

from __future__ import annotations

import contextlib
import math
import socket
import threading
from collections.abc import Iterator

import pytest

from osscb_notebook.callback import generate_private_key, public_key_pem
from osscb_notebook.errors import KeyFetchError, ReplySettingsError
from osscb_notebook.receiver import ReplySettings
from osscb_notebook.verification import KeyResolver
from tests.support.signer import send


@pytest.mark.parametrize("delay", [math.inf, math.nan, 1e12, 61, "5"])
def test_a_non_finite_or_huge_delay_is_refused(delay: object) -> None:
    with pytest.raises(ReplySettingsError, match="delay"):
        ReplySettings(delay=delay)  # type: ignore[arg-type]


def test_set_reply_refuses_an_infinite_delay_and_keeps_answering(make_receiver, signer) -> None:  # noqa: ANN001
    r = make_receiver()
    with pytest.raises(ReplySettingsError):
        r.set_reply(delay=math.inf)
    with pytest.raises(ReplySettingsError):
        r.set_reply(ReplySettings(delay=1), path="/cb", delay=math.nan)
    assert send(signer.request(r.url + "cb")).status_code == 200
    assert r.wait_for(1)[0].verified


@pytest.mark.parametrize("tail", ["\x01", "\t", "\r\n"])
def test_a_control_character_in_the_key_url_is_a_400_with_a_failed_step(make_receiver, signer, key_server, tail) -> None:  # noqa: ANN001
    r = make_receiver()
    hits = len(key_server.hits)
    resp = send(signer.request(r.url + "cb", key_url=key_server.key_url + tail))
    assert resp.status_code == 400
    assert resp.json()["failed_step"] == "key_url"
    assert len(key_server.hits) == hits


class DripServer(str):
    """The key URL prefix; ``connections`` counts the fetches that reached the server."""

    connections: list[int]


@pytest.fixture
def drip_server() -> Iterator[DripServer]:
    """Answers 200 with a PEM, but drips the status line and headers a byte every 0.25 s."""
    stop = threading.Event()
    connections: list[int] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            connections.append(1)
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 40:
                    if stop.wait(0.25):
                        return
                    conn.sendall(bytes([byte]))
                pem = public_key_pem(generate_private_key(1024))
                conn.sendall(b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(pem) + pem)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    prefix = DripServer(f"http://127.0.0.1:{listener.getsockname()[1]}/keys/")
    prefix.connections = connections
    yield prefix
    stop.set()
    thread.join(5)
    listener.close()


def test_the_key_fetch_has_one_total_deadline(drip_server: DripServer) -> None:
    # each byte arrives well inside the per-read timeout; only a total deadline stops the fetch
    resolver = KeyResolver([drip_server], timeout=1.0)
    with pytest.raises(KeyFetchError, match="in total"):
        resolver.resolve(drip_server + "k.pem")
    # callbacks queued behind that fetch fail at once instead of each waiting another deadline
    with pytest.raises(KeyFetchError, match="not retried"):
        resolver.resolve(drip_server + "k.pem")
    assert len(drip_server.connections) == 1
