"""The probe's key server: dot segments resolved as common web servers resolve them, and bounded
threads and fetch records (issue #25 items 5-6, security review N5)."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request

import pytest

from osscb_notebook.probe.keyserver import (
    MAX_CONNECTIONS,
    MAX_RECORDED_PATH,
    KeyServer,
    resolve_path,
)


@pytest.mark.parametrize(("raw", "resolved"), [
    ("/osscb-probe/n/t/key.pem", "/osscb-probe/n/t/key.pem"),
    ("/osscb-probe/..?x=1", "/"),
    ("/osscb-probe/%2e%2e?x=1", "/"),
    ("/osscb-probe/..%2fevil.pem", "/evil.pem"),
    ("/osscb-probe/./a/../b", "/osscb-probe/b"),
    ("/a/b/..", "/a/"),
    ("/../../etc/passwd", "/etc/passwd"),
])
def test_dot_segments_resolve_as_a_web_server_resolves_them(raw: str, resolved: str) -> None:
    assert resolve_path(raw) == resolved


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
        data: bytes = resp.read()
        return data


def test_urls_that_only_start_with_the_prefix_serve_the_forgers_key() -> None:
    with KeyServer(b"TRUSTED", b"FORGED", port=0) as keys:
        assert _get(keys.trusted_url("t")) == b"TRUSTED"
        urls = keys.dot_urls("prefix-bypass")
        assert list(urls) == ["PREFIX..?x=1", "PREFIX%2e%2e?x=1", "PREFIX..%2fevil.pem"]
        for url in urls.values():
            assert url.startswith(keys.prefix)
            assert _get(url) == b"FORGED", url
        for sub in ("dot-query", "encoded-dot-query", "encoded-slash"):
            [fetch] = keys.fetches(f"prefix-bypass/{sub}")
            assert not fetch.trusted


def test_fetch_records_are_bounded_printable_and_only_this_runs() -> None:
    with KeyServer(b"TRUSTED", b"FORGED", port=0) as keys:
        long_tail = "x" * 60_000
        for n in range(20):
            with socket.create_connection(("127.0.0.1", keys.port), 5) as sock:
                path = f"/osscb-forged/{keys.nonce}/t/{n}/{long_tail}\x1b[2J" if n % 2 else f"/other/{long_tail}"
                sock.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\n\r\n")
                while sock.recv(65536):
                    pass
        found = keys.fetches()
    assert len(found) == 10  # the paths without the run's nonce are served but never kept
    for f in found:
        assert len(f.path) <= MAX_RECORDED_PATH + 1 and "\x1b" not in f.url


def test_idle_connections_cannot_make_unbounded_threads() -> None:
    before = threading.active_count()
    socks: list[socket.socket] = []
    with KeyServer(b"TRUSTED", b"FORGED", port=0) as keys:
        try:
            for _ in range(MAX_CONNECTIONS * 3):
                socks.append(socket.create_connection(("127.0.0.1", keys.port), 5))
            time.sleep(0.5)
            # the two listeners, the reapers and at most MAX_CONNECTIONS handlers
            assert threading.active_count() - before <= MAX_CONNECTIONS + 6
        finally:
            for sock in socks:
                sock.close()
