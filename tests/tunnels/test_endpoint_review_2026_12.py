"""The scoped endpoint against the December 2026 security review (issue #26 items 1 and 2:
``shared/reviews/security-review-2026-12.md``), one test per finding, with a real Jupyter Server,
real receivers, real sockets and the real logging of httpx, httpcore and oss2."""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
import textwrap
import time
from urllib.parse import quote, unquote

import httpx
import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import ReplySettings, start_receiver
from osscb_notebook.receiver.record import CallbackRecord
from osscb_notebook.receiver.replay import replay
from osscb_notebook.serverext import RELAY_HEADER
from osscb_notebook.serverext.registry import new_capability
from osscb_notebook.tunnels import open_tunnel
from osscb_notebook.upload import UploadTarget, upload
from tests.support import free_port
from tests.support.rawhttp import SocketServer, raw_http, read_request

_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9+/]|%2[BF]){16,}(?:=|%3D){0,2}", re.IGNORECASE)


@pytest.fixture(scope="module")
def server(scoped_server):  # noqa: ANN001, ANN201
    return scoped_server


def _port(server) -> int:  # noqa: ANN001
    return int(server.url.rsplit(":", 1)[1].strip("/"))


def _decoded(text: str) -> str:
    """``text`` plus every Base64 run in it (raw or URL-encoded) decoded: what anyone reading the
    log can recover."""
    found = [text]
    for run in _BASE64_RUN.findall(text):
        value = unquote(run)
        for start in range(4):  # a run glued to the word before it
            try:
                found.append(base64.b64decode(value[start:] + "=" * (-len(value[start:]) % 4)).decode("utf-8"))
                break
            except ValueError:
                continue
    return "\n".join(found)


def _log_lines(server) -> list[str]:  # noqa: ANN001
    time.sleep(0.5)  # the server's log is written by its own process
    return server.log.read_text(errors="replace").splitlines()


# -- N2: secrets inside a Base64 callback parameter, in the kernel's logs ------------------------------
@pytest.mark.parametrize("operation", ["Presigned", "PutObject"])
def test_an_upload_logs_no_capability_or_token_inside_its_base64_callback(operation, caplog):
    caplog.set_level(logging.DEBUG)
    cap, token = new_capability(), "osscbtesttoken" + "6e375da0" * 3
    dead = free_port()  # nothing listens: the callback fails (203), the upload is logged all the same
    with Emulator() as emu:
        for url in (f"http://127.0.0.1:{dead}/osscb/callback/{cap}/cb",
                    f"http://127.0.0.1:{dead}/proxy/absolute/{dead}/cb?token={token}"):
            upload(UploadTarget.for_emulator(emu), "k/p2.txt", b"hi", operation=operation,
                   callback={"callbackUrl": url, "callbackBody": "object=${object}"})
    text = caplog.text
    assert "callback" in text.lower()  # the Base64 parameter or header was logged
    readable = _decoded(text)
    assert "osscb/callback/***" in readable  # masked inside the Base64, which still decodes
    assert cap not in readable and token not in readable


# -- N8: httpcore's DEBUG lines --------------------------------------------------------------------------
def test_httpcore_debug_lines_mask_a_token_echoed_in_a_redirect(caplog):
    def redirect(conn) -> None:  # noqa: ANN001
        target = read_request(conn).split(b" ", 2)[1].decode()
        location = "/login?next=" + quote(target, safe="")
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())

    srv = SocketServer(redirect)
    token = "WRONGTOKENabcdef0123456789"
    caplog.set_level(logging.DEBUG)
    try:
        resp = httpx.get(f"http://127.0.0.1:{srv.port}/proxy/absolute/1/_osscb_ping?token={token}", timeout=10)
    finally:
        srv.stop()
    assert resp.status_code == 302 and token in resp.headers["location"]
    assert "receive_response_headers.complete" in caplog.text and "Location" in caplog.text
    assert token not in caplog.text


# -- N4, finding 4 residue, and request lines: the server's log -------------------------------------------
def test_masking_never_writes_a_forged_log_line(server):
    port = _port(server)
    forged = "[E 2026-12-07 15:00:00.000 ServerApp] FORGED: admin token rotated"
    resp = raw_http(port, f"GET /osscb/callback/nocap/x%0a{quote(forged)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Connection: close\r\n\r\n".encode(), timeout=10)
    assert resp is not None and resp.status == 404
    lines = _log_lines(server)
    assert any("FORGED" in line for line in lines)
    assert not [line for line in lines if line.lstrip().startswith("[E 2026-12-07 15:00:00.000")]


def test_backslash_routes_do_not_log_the_capability(server, make_receiver):
    r = make_receiver()
    port = _port(server)
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        cap = tunnel.secrets[0]
        for target in (f"/osscb/callback\\{cap}/cb", f"/osscb\\callback\\{cap}\\cb", f"/osscb/callback%5C{cap}/cb"):
            resp = raw_http(port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode(),
                            timeout=10)
            assert resp is not None and resp.status == 404
    text = "\n".join(_log_lines(server))
    assert "callback\\***" in text and cap not in text


def test_request_lines_mask_the_token_in_every_form(server):
    port = _port(server)
    for target in (f"/api/nothing?token={server.token}", f"/nothing%3Ftoken%3D{server.token}",
                   f"/nothing?next=%2Flab%3Ftoken%3D{server.token}"):
        resp = raw_http(port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode(),
                        timeout=10)
        assert resp is not None and resp.status == 404
    lines = [line for line in _log_lines(server) if "/nothing" in line]
    assert len(lines) >= 3 and not [line for line in lines if server.token in line]


# -- #26.1: the relay's hop header is never recorded -----------------------------------------------------
def test_the_relay_header_is_in_no_record_and_a_replay_is_not_a_loop(server, make_receiver, tmp_path):
    r = make_receiver(log_path=tmp_path / "cb.jsonl")
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        assert httpx.post(tunnel.callback_url("cb"), content=b"a=1").status_code == 400  # unsigned
        (rec,) = r.wait_for(1)
        shown = "\n".join([repr(rec.headers), repr(rec.resend_headers()), rec.as_curl(), rec.as_curl(reveal=True),
                           json.dumps(rec.to_dict()), (tmp_path / "cb.jsonl").read_text()])
        assert RELAY_HEADER.lower() not in shown.lower()
        again = replay(rec, server.url)  # the recorded target, through the same relay
        assert again.status == 400, again.text  # the receiver's answer again, not 508
    assert len(r.wait_for(2)) == 2
    # a log line written before this fix still carries the header: read back, it is gone
    old = rec.to_dict()
    old["headers"].append([RELAY_HEADER, "1a55329e062bbf5d"])
    assert RELAY_HEADER.lower() not in repr(CallbackRecord.from_dict(old).resend_headers()).lower()


def test_a_loop_through_the_same_relay_is_still_refused(server):
    with open_tunnel("jupyter", _port(server), context=server.context(), check=False) as tunnel:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"x", timeout=15)
    assert resp.status_code == 508


# -- N6: 204 and 304 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [204, 304, 201])
def test_a_receivers_status_comes_back_as_it_is(server, make_receiver, status):
    r = make_receiver(mode="thread")
    r.set_reply(ReplySettings(status=status))
    with open_tunnel("jupyter", r, context=server.context()) as tunnel:
        resp = httpx.post(tunnel.callback_url("cb"), content=b"a=1", timeout=15)
    assert resp.status_code == status and (status == 201 or resp.content == b"")
    assert "Traceback" not in server.log.read_text()


@pytest.mark.parametrize("status", [b"0099", b"1000", b"99999999999999999999"])
def test_an_invalid_status_is_a_502(server, status):
    srv = SocketServer(lambda conn: (read_request(conn), conn.sendall(b"HTTP/1.1 " + status + b" X\r\n"
                                                                      b"Content-Length: 2\r\n\r\nok")))
    try:
        with open_tunnel("jupyter", srv.port, context=server.context(), check=False) as tunnel:
            resp = httpx.post(tunnel.callback_url("cb"), content=b"x", timeout=15)
    finally:
        srv.stop()
    assert resp.status_code == 502


# -- N7: reply headers by allowlist ------------------------------------------------------------------------
def test_reply_headers_pass_by_allowlist(server):
    body = b'{"Status":"OK"}'
    hostile = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Mon, 07 Dec 2026 15:00:00 GMT\r\n"
               b"Server: my-app/1.0\r\nX-Oss-Request-Id: abc\r\nX-My-Trace: 42\r\n"
               b"Refresh: 0; url=https://evil.example/\r\nLocation: https://evil.example/\r\n"
               b"Clear-Site-Data: \"cookies\", \"storage\"\r\nLink: <https://evil.example/x.css>; rel=stylesheet\r\n"
               b"WWW-Authenticate: Basic realm=\"Jupyter login\"\r\nService-Worker-Allowed: /\r\n"
               b"X-Frame-Options: ALLOWALL\r\nX-Forwarded-Host: evil.example\r\nCache-Control: public\r\n"
               b"Content-Security-Policy-Report-Only: default-src *\r\nTiming-Allow-Origin: *\r\n"
               b"Cross-Origin-Resource-Policy: cross-origin\r\nSet-Cookie: a=b\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body) + body)
    srv = SocketServer(lambda conn: (read_request(conn), conn.sendall(hostile)))
    try:
        with open_tunnel("jupyter", srv.port, context=server.context(), check=False) as tunnel:
            target = httpx.URL(tunnel.callback_url("cb")).raw_path.decode()
            resp = raw_http(_port(server), f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                                           f"Connection: close\r\n\r\nx".encode(), timeout=15)
    finally:
        srv.stop()
    assert resp is not None and resp.status == 200 and resp.body == body
    assert set(resp.headers) - {"connection"} == {"content-type", "date", "server", "x-oss-request-id", "x-my-trace", "content-length",
                                 "content-security-policy", "x-content-type-options"}
    assert resp.headers["content-security-policy"] == "sandbox" and resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["server"] == "my-app/1.0" and resp.headers["content-length"] == str(len(body))


# -- 10b: request header hygiene -----------------------------------------------------------------------------
def test_the_relay_applies_hop_by_hop_rules_and_sets_its_own_forwarding_headers(server):
    seen: list[bytes] = []

    def echo(conn) -> None:  # noqa: ANN001
        seen.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    srv = SocketServer(echo)
    try:
        with open_tunnel("jupyter", srv.port, context=server.context(), check=False) as tunnel:
            target = httpx.URL(tunnel.callback_url("cb")).raw_path.decode()
            spoofed = raw_http(_port(server), (
                f"POST {target} HTTP/1.1\r\nHost: attacker.example:1234\r\nConnection: close, X-Secret-Hop\r\n"
                "X-Secret-Hop: 1\r\nX-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Prefix: /evil\r\n"
                "X-Forwarded-Host: evil.example\r\nForwarded: for=6.6.6.6\r\nX-Oss-Pub-Key-Url: aGk=\r\n"
                "Content-Length: 3\r\n\r\na=1").encode(), timeout=15)
            old = raw_http(_port(server), f"POST {target} HTTP/1.0\r\nContent-Length: 3\r\n\r\na=1".encode(), timeout=15)
    finally:
        srv.stop()
    assert spoofed is not None and spoofed.status == 200 and old is not None and old.status == 200
    for request in seen:
        head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        first, *lines = head.split("\r\n")
        names = [line.split(":", 1)[0].lower() for line in lines]
        assert first.endswith(" HTTP/1.1")
        assert f"Host: 127.0.0.1:{srv.port}" in lines and names.count("host") == 1
        assert "X-Forwarded-For: 127.0.0.1" in lines and names.count("x-forwarded-for") == 1
        for gone in ("x-secret-hop", "x-real-ip", "x-forwarded-prefix", "x-forwarded-host", "forwarded", "cookie"):
            assert gone not in names, (gone, head)
        assert request.endswith(b"\r\n\r\na=1")
    assert "X-Oss-Pub-Key-Url: aGk=" in seen[0].decode("latin-1")  # end-to-end headers still pass


# -- N9: listing the listening sockets fails -------------------------------------------------------------------
_LISTING_FAILS = textwrap.dedent("""
    import errno, json, os, socket, sys
    from pathlib import Path
    from osscb_notebook.serverext import listeners, registry

    runtime = Path(sys.argv[1])
    info = registry.publish_server(runtime, "/")
    sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen()
    port = sock.getsockname()[1]
    host, pid, inode = registry.locate(port, "127.0.0.1", os.getpid())
    cap, path = registry.register(info, registry.Registration(port, 1000, host, pid, inode, "i"))
    failing = False

    def hook(event, args):  # the OS refuses what listing needs, as under EMFILE
        if failing and event == "socket.__new__" and args[1] == getattr(socket, "AF_NETLINK", -1):
            raise OSError(errno.EMFILE, "Too many open files")
        if failing and event == "open" and str(args[0]).startswith("/proc/net/tcp"):
            raise OSError(errno.EMFILE, "Too many open files")

    sys.addaudithook(hook)
    failing = True
    try:
        registry.lookup(info.registry, cap)
        outcome = "answered"
    except registry.RegistryUnavailable:
        outcome = "unavailable"
    kept = path.exists()
    failing = False
    again = registry.lookup(info.registry, cap)
    print(json.dumps({"outcome": outcome, "kept": kept, "again": again is not None and again.port == port}))
""")


def test_a_failed_socket_listing_refuses_one_request_and_keeps_the_registration(tmp_path):
    from osscb_notebook.serverext import listeners

    if not listeners.available():
        pytest.skip("no /proc/net/tcp (not Linux): registrations are checked by pid only")
    out = subprocess.run([sys.executable, "-c", _LISTING_FAILS, str(tmp_path / "runtime")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"outcome": "unavailable", "kept": True, "again": True}


# -- N10: a receiver on "localhost" --------------------------------------------------------------------------------
def test_a_receiver_on_localhost_gets_a_tunnel(server, key_server):
    r = start_receiver(host="localhost", mode="thread", trust_key_urls=[key_server.prefix])
    try:
        with open_tunnel("jupyter", r, context=server.context()) as tunnel:
            assert tunnel.details["route"] == "scoped"
            assert httpx.post(tunnel.callback_url("cb"), content=b"a=1", timeout=15).status_code == 400
    finally:
        r.stop()
    assert len(r.history) == 1
