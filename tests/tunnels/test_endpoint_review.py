"""The scoped callback endpoint against the security review of issue #20 item 7, one test per
finding, with a real Jupyter Server, real receivers and real sockets. A second local user (who
binds a port a receiver freed) is played by ``setpriv --reuid=nobody``, as the review did."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from osscb_notebook.errors import TunnelError
from osscb_notebook.tunnels import JupyterContext, TokenExposureWarning, open_tunnel
from osscb_notebook.tunnels.probe import ping
from tests.support import free_port
from tests.support.processes import stop
from tests.support.rawhttp import SocketServer, exchange, raw_http, read_request
from tests.tunnels.conftest import start_scoped_server

SETPRIV = shutil.which("setpriv")
needs_other_user = pytest.mark.skipif(
    (SETPRIV is None or os.geteuid() != 0) and not os.environ.get("CI"),
    reason="simulating a second local user needs setpriv (util-linux) and root")

# A listener as another user: accepts for a few seconds, answers like a receiver, prints what it got.
_IMPOSTOR = textwrap.dedent("""
    import socket, sys
    host, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(8); s.settimeout(6)
    print("listening", flush=True)
    try:
        while True:
            c, _ = s.accept()
            c.settimeout(2)
            try:
                data = c.recv(65536)
                print(data.decode("latin-1").replace("\\r\\n", " | "), flush=True)
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 19\\r\\nConnection: close\\r\\n\\r\\nosscb-receiver fake")
            except OSError:
                pass
            c.close()
    except OSError:
        pass
""")


@contextmanager
def impostor(host: str, port: int, *, other_user: bool) -> Iterator[subprocess.Popen]:
    prefix = [SETPRIV or "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if other_user else []
    python = "/usr/bin/python3" if other_user and os.path.exists("/usr/bin/python3") else sys.executable
    proc = subprocess.Popen([*prefix, python, "-c", _IMPOSTOR, host, str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "listening", "impostor did not start"
        yield proc
    finally:
        proc.terminate()


def impostor_saw(proc: subprocess.Popen) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return out


@pytest.fixture(scope="module")
def server(scoped_server):  # noqa: ANN001, ANN201
    return scoped_server


def _raw_target(cap: str, rest: str = "/cb") -> str:
    return f"/osscb/callback/{cap}{rest}"


# -- Medium: a capability outlives its receiver ---------------------------------------------------
@needs_other_user
def test_a_port_freed_by_a_dead_receiver_child_and_bound_by_another_user_gets_nothing(server, make_receiver):
    r = make_receiver(mode="process")
    tunnel = open_tunnel("jupyter", r, context=server.context())
    r._backend.process.kill()  # the receiver child dies; this kernel lives on
    r._backend.process.join(10)
    with impostor("127.0.0.1", r.port, other_user=True) as other:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x", headers={"Cookie": "_xsrf=2|secret-xsrf"})
        seen = impostor_saw(other)
    assert resp.status_code in (404, 502) and "/osscb/callback/" not in seen and "secret-xsrf" not in seen
    tunnel.close()


@needs_other_user
def test_a_receiver_registered_from_another_process_is_revoked_when_that_process_ends(server):
    code = ("from osscb_notebook.receiver import start_receiver; import sys\n"
            "r = start_receiver(mode='thread'); print(r.port, flush=True); sys.stdin.read()")
    other = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None
    port = int(other.stdout.readline())
    tunnel = open_tunnel("jupyter", port, context=server.context())  # a port, not a Receiver of ours
    assert httpx.post(tunnel.callback_url("cb"), content=b"x").status_code == 400  # reached, unsigned
    other.kill()
    other.wait(10)
    with impostor("127.0.0.1", port, other_user=True) as imp:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x")
        seen = impostor_saw(imp)
    assert resp.status_code in (404, 502) and "/osscb/callback/" not in seen
    tunnel.close()


def test_a_receiver_on_ipv6_loopback_is_not_shadowed_by_a_listener_on_127_0_0_1(server, make_receiver):
    try:
        r = make_receiver(host="::1", mode="thread")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no IPv6 loopback here: {exc}")
    with impostor("127.0.0.1", r.port, other_user=False) as fake:
        with open_tunnel("jupyter", r, context=server.context()) as tunnel:
            resp = httpx.post(tunnel.callback_url("cb"), content=b"x")
        seen = impostor_saw(fake)
    assert resp.status_code == 400 and len(r.wait_for(1)) == 1 and "/osscb/callback/" not in seen


def test_the_ping_refuses_a_receiver_with_another_instance_id():
    def fake(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 24\r\nConnection: close\r\n\r\nosscb-receiver not-yours")

    srv = SocketServer(fake)
    try:
        with pytest.raises(TunnelError, match="another program"):
            ping(f"http://127.0.0.1:{srv.port}/_osscb_ping", timeout=5, what="it", hint="", instance="abc123")
    finally:
        srv.stop()


# -- Medium: upstream replies on the Jupyter origin -------------------------------------------------
def _upstream(reply: bytes) -> SocketServer:
    def behaviour(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(reply)

    return SocketServer(behaviour)


def test_a_reply_cannot_set_cookies_or_open_cors_on_the_jupyter_origin(server):
    body = b"<script>alert(1)</script>"
    srv = _upstream(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: a=b; Path=/\r\n"
                    b"Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body) + body)
    try:
        with open_tunnel("jupyter", srv.port, context=server.context(), check=False) as tunnel:
            resp = httpx.post(tunnel.callback_url("cb"), content=b"x")
    finally:
        srv.stop()
    assert resp.status_code == 200 and resp.content == body
    assert "set-cookie" not in resp.headers and not [k for k in resp.headers if k.startswith("access-control-")]
    assert resp.headers["content-security-policy"] == "sandbox"
    assert resp.headers["x-content-type-options"] == "nosniff"


# -- Medium: the kernel logs the ping URL -----------------------------------------------------------
def test_the_kernel_does_not_log_the_capability_or_the_token(server, make_receiver, caplog, tmp_path):
    caplog.set_level(logging.INFO)
    r = make_receiver()
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        capability = tunnel.secrets[0]
    ctx = JupyterContext("server", server.url, server.token, "test", str(tmp_path), server.pid)  # no extension
    with pytest.warns(TokenExposureWarning), open_tunnel("jupyter", r, context=ctx):
        pass
    assert "_osscb_ping" in caplog.text  # httpx did log the pings
    assert capability not in caplog.text and server.token not in caplog.text


# -- Low ---------------------------------------------------------------------------------------------
def test_server_logs_mask_the_capability_in_405s_near_misses_and_encoded_forms(server, make_receiver):
    r = make_receiver()
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        cap = tunnel.secrets[0]
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        encoded = "%" + f"{ord(cap[0]):02X}" + cap[1:]
        for method, target in (("PROPFIND", _raw_target(cap)), ("POST", "/" + _raw_target(cap)),
                               ("POST", f"/osscb/callback%2F{cap}/cb"), ("POST", _raw_target(cap + "%00")),
                               ("POST", _raw_target(encoded))):
            resp = raw_http(port, f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 1\r\n"
                                  f"Connection: close\r\n\r\nx".encode(), timeout=10)
            assert resp is not None and resp.status >= 400
    time.sleep(0.5)  # the server's log is written by its own process
    text = server.log.read_text()
    assert "PROPFIND" in text and cap not in text and cap[1:] not in text


def test_the_cli_receiver_neither_prints_nor_logs_the_capability_or_cookies(tmp_path):
    from osscb_notebook.serverext.registry import new_capability

    log = tmp_path / "cb.jsonl"
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "osscb"), "receiver", "--port", str(port),
                             "--log", str(log)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None and "listening" in proc.stdout.readline()
        cap = new_capability()
        resp = httpx.post(f"http://127.0.0.1:{port}{_raw_target(cap)}", content=b"x",
                          headers={"Cookie": "_xsrf=2|xsrf-cookie-value; username-x=session-cookie-value"})
        assert resp.status_code == 400
        assert proc.stdout.readline()  # the line for that request
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    for text in (out, log.read_text()):
        assert cap not in text and "cookie-value" not in text
    assert "/osscb/callback/***/cb" in log.read_text()


def test_browser_cookies_do_not_reach_the_receiver_through_the_endpoint(server, make_receiver, tmp_path):
    r = make_receiver(log_path=tmp_path / "cb.jsonl")
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        httpx.post(tunnel.callback_url("cb"), content=b"x", headers={"Cookie": "_xsrf=2|browser-xsrf-cookie"})
    (rec,) = r.wait_for(1)
    assert "browser-xsrf-cookie" not in repr(rec.headers) + rec.as_curl() + (tmp_path / "cb.jsonl").read_text()


def test_a_reply_dripping_past_the_deadline_gets_a_504(server):
    def drip(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
        for _ in range(40):  # one byte every 0.3 s: 12 s in all, each read well inside a per-read timeout
            conn.sendall(b"x")
            time.sleep(0.3)

    srv = SocketServer(drip)
    try:
        with open_tunnel("jupyter", srv.port, context=server.context(), check=False) as tunnel:
            resp = httpx.post(tunnel.callback_url("cb"), content=b"x", timeout=9)
    finally:
        srv.stop()
    assert resp.status_code == 504


def test_stalled_receivers_do_not_hold_up_other_callbacks(server, make_receiver):
    stalled = SocketServer(lambda conn: (read_request(conn), time.sleep(8)))
    r = make_receiver(mode="thread")
    try:
        with open_tunnel("jupyter", stalled.port, context=server.context(), check=False) as slow, \
                open_tunnel("jupyter", r, context=server.context()) as fast:
            threads = [threading.Thread(target=lambda: httpx.post(slow.callback_url("cb"), content=b"x", timeout=15))
                       for _ in range(12)]
            for t in threads:
                t.start()
            while stalled.connections < 6:  # a pool of 6 relay threads (2 CPUs) would now be busy
                time.sleep(0.05)
            resp = httpx.post(fast.callback_url("cb"), content=b"x", timeout=3)
            for t in threads:
                t.join()
    finally:
        stalled.stop()
    assert resp.status_code == 400  # reached the receiver while the slow ones wait


def test_a_forwarding_loop_is_refused(server):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))  # the Jupyter server itself as "the receiver"
    with open_tunnel("jupyter", port, context=server.context(), check=False) as tunnel:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x", timeout=15)
    assert resp.status_code == 508


def test_an_oversized_body_is_refused_before_it_is_sent(server, make_receiver):
    r = make_receiver(max_body=1000)
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        target = httpx.URL(tunnel.callback_url("cb")).raw_path.decode()
        # 50 MB announced, none of it sent: the answer must not wait for it
        resp, _ = exchange(port, f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n".encode(),
                           timeout=8)
    assert resp is not None and resp.status == 413


def test_a_stalled_body_is_not_held_open(server, make_receiver):
    r = make_receiver()
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        target = httpx.URL(tunnel.callback_url("cb")).raw_path.decode()
        resp, closed = exchange(port, f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"
                                .encode(), timeout=10)
    assert closed and (resp is None or resp.status == 408)
    assert r.history == []


# -- Info ----------------------------------------------------------------------------------------
def test_a_raw_non_ascii_target_is_relayed_not_a_500(server, make_receiver):
    r = make_receiver()
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        target = httpx.URL(tunnel.callback_url("caf")).raw_path
        resp = raw_http(port, b"POST " + target + "é".encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                        b"Connection: close\r\n\r\nx", timeout=10)
    assert resp is not None and resp.status == 400  # the receiver's: reached, unsigned
    (rec,) = r.wait_for(1)
    assert rec.raw_target.encode("latin-1").endswith("café".encode())


def test_duplicate_content_lengths_from_the_receiver_are_answered_not_hung(server):
    same = _upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
    differ = _upstream(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!")
    try:
        with open_tunnel("jupyter", same.port, context=server.context(), check=False) as a, \
                open_tunnel("jupyter", differ.port, context=server.context(), check=False) as b:
            ok = httpx.post(a.callback_url("cb"), content=b"x", timeout=8)
            bad = httpx.post(b.callback_url("cb"), content=b"x", timeout=8)
    finally:
        same.stop()
        differ.stop()
    assert (ok.status_code, ok.content, ok.headers["content-length"]) == (200, b"ok", "2")
    assert bad.status_code == 502


def test_only_post_and_the_ping_are_relayed(server, make_receiver):
    r = make_receiver()
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"):
            assert httpx.request(method, tunnel.callback_url("cb"), content=b"x" if method != "GET" else None
                                 ).status_code == 405, method
        assert httpx.get(tunnel.callback_url("_osscb_ping")).status_code == 200
    assert r.history == []


@needs_other_user
def test_another_user_cannot_keep_the_extension_from_loading_in_a_shared_runtime_dir(make_receiver):
    tmp_path = Path(tempfile.mkdtemp(prefix="osscb-shared-"))  # pytest's tmp root is private to root
    os.chmod(tmp_path, 0o755)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    os.chmod(runtime, 0o1777)
    # The shell's pid is the server's (exec): another user squats the extension's names first.
    squat = " && ".join(f"{SETPRIV} --reuid=nobody --regid=nogroup --clear-groups {cmd}" for cmd in (
        f"mkdir {runtime}/osscb-callbacks-$$", f"touch {runtime}/osscb-serverext-$$.json",
        f"touch {runtime}/.osscb-serverext-$$.json.$$.tmp"))
    real = shutil.which("jupyter-server", path=str(Path(sys.executable).parent))
    shim = tmp_path / "jupyter-server"
    shim.write_text(f"#!/bin/sh\n{squat} && exec {real} \"$@\"\n")
    shim.chmod(0o755)
    server = start_scoped_server(tmp_path, executable=str(shim))
    try:
        r = make_receiver()
        with open_tunnel("jupyter", r, context=server.context()) as tunnel:
            assert tunnel.details["route"] == "scoped"
            assert httpx.post(tunnel.callback_url("cb"), content=b"x").status_code == 400
    finally:
        stop(server.proc)
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_fallback_to_the_token_url_says_why(server, make_receiver, tmp_path):
    r = make_receiver()
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    ctx = JupyterContext("server", server.url, server.token, "test", str(shared), server.pid)
    with pytest.warns(TokenExposureWarning, match="extension is not active") as caught, \
            open_tunnel("jupyter", r, context=ctx) as tunnel:
        assert "not active" in tunnel.warning
    assert any("writable by other users" in str(w.message) for w in caught)


def test_the_listeners_from_netlink_and_from_proc_agree():
    from osscb_notebook.serverext import listeners

    if not listeners.available():
        pytest.skip("no /proc/net/tcp (not Linux)")
    with socket.socket() as v4, socket.socket(socket.AF_INET6) as v6:
        v4.bind(("127.0.0.1", 0))
        v4.listen()
        port = v4.getsockname()[1]
        try:
            v6.bind(("::1", port))
            v6.listen()
        except OSError:
            pass
        fast, slow = listeners.listening(port), listeners._proc_listening(port)
        assert sorted(fast, key=repr) == sorted(slow, key=repr) and fast
        found = listeners.listener_for("127.0.0.1", port)
        assert found is not None and found.uid == os.getuid()
        assert listeners.owner_pid(found.inode, os.getpid()) == os.getpid()
