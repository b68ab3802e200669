"""Start/stop, the per-port registry, readiness, body cap, and server-side errors surfacing."""

from __future__ import annotations

import os
import signal
import socket
import threading

import httpx
import pytest

from osscb_notebook.errors import ReceiverError
from osscb_notebook.receiver import running_receivers, start_receiver, stop_receiver
from tests.support import free_port, send


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_rerunning_the_cell_replaces_the_receiver_on_that_port(key_server, signer, mode):
    port = free_port()
    first = start_receiver(port=port, mode=mode, trust_key_urls=[key_server.prefix])
    try:
        second = start_receiver(port=port, mode=mode, trust_key_urls=[key_server.prefix])
        assert not first.running and second.running and second.port == port
        assert send(signer.request(second.url + "cb")).status_code == 200
        assert len(second.wait_for(1)) == 1 and first._history.total == 0
        assert second in running_receivers() and first not in running_receivers()
    finally:
        assert stop_receiver(port) == 1
    assert not second.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(second.url)


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_port_held_by_another_program_gives_a_clear_error(mode):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(ReceiverError, match="Cannot listen on 127.0.0.1:.*port=0"):
            start_receiver(port=s.getsockname()[1], mode=mode)


def test_context_manager_stops_and_port_zero_binds_loopback(key_server):
    with start_receiver(trust_key_urls=[key_server.prefix]) as r:
        assert r.url.startswith("http://127.0.0.1:") and r.port > 0
        assert r.status()["running"] is True
        # the default serves from a child process: a busy cell cannot hold up OSS's answer
        assert r.mode == "process" and r._backend.process.pid != os.getpid()
    assert not r.running
    r.stop()  # idempotent


def test_body_over_the_cap_gets_413_and_is_not_verified(make_receiver, signer):
    r = make_receiver(max_body=1024)
    resp = send(signer.request(r.url + "cb", body=b"x=" + b"a" * 5000))
    assert resp.status_code == 413
    (rec,) = r.wait_for(1)
    assert rec.trace is None and rec.body == b"" and "cap" in rec.note


def test_listener_errors_are_kept_and_raised_on_the_next_call_never_printed(make_receiver, signer, capfd):
    r = make_receiver()

    def broken(record):  # noqa: ANN001
        raise RuntimeError("widget exploded")

    r.subscribe(broken)
    assert send(signer.request(r.url + "cb")).status_code == 200  # the callback is still answered
    r._history.wait_for(1)
    with pytest.raises(ReceiverError, match="widget exploded"):
        _ = r.history
    assert len(r.history) == 1  # reported once; the receiver keeps running
    assert "widget exploded" in r.errors[-1]
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_subscribe_is_told_of_every_record_and_can_unsubscribe(make_receiver, signer):
    r = make_receiver()
    seen = []
    unsubscribe = r.subscribe(seen.append)
    send(signer.request(r.url + "a"))
    r.wait_for(1)
    unsubscribe()
    send(signer.request(r.url + "b"))
    r.wait_for(2)
    assert [x.path for x in seen] == ["/a"]


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_listener_can_read_the_history_it_is_told_about(make_receiver, signer, mode):
    # A widget refreshes from its listener; waiting there for records in flight would wait on the
    # very thread that delivers them (until the 5 s sync timeout).
    r = make_receiver(mode=mode)
    seen: list[list[str]] = []
    done = threading.Event()

    def refresh(record):  # noqa: ANN001
        seen.append([x.path for x in r.history])
        done.set()

    r.subscribe(refresh)
    assert send(signer.request(r.url + "a")).status_code == 200
    assert done.wait(3), "the listener blocked reading the history"
    assert seen == [["/a"]]


def test_a_dead_receiver_process_surfaces_on_the_next_call(make_receiver, capfd):
    r = make_receiver(mode="process")
    os.kill(r._backend.process.pid, signal.SIGKILL)
    r._backend.process.join(10)
    with pytest.raises(ReceiverError, match="is down: the receiver process exited"):
        _ = r.history
    with pytest.raises(ReceiverError):
        r.set_reply(status=500)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        start_receiver(mode="fork")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_bad_trusted_prefix_is_refused_in_the_callers_cell(mode):
    with pytest.raises(ValueError, match="http"):
        start_receiver(mode=mode, trust_key_urls=["gosspublic.alicdn.com"])
