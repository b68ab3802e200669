"""What each JVM, PHP and Ruby framework does around the hookup, checked on the running apps
(Spring, Laravel, Rails, Sinatra): the rest of the app keeps CSRF protection and sessions while the
callback paths verify; signed callbacks that framework middleware would rewrite (method-override
fields, bodies the parsers choke on, format suffixes, encoded paths) still verify; hostile or
broken input gets a 4xx, never a 5xx.

Callbacks are signed with a test key served under the probe's trusted prefix (every app trusts
``http://127.0.0.1:<probe_key_port>/osscb-probe/`` from its start)."""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from osscb_notebook.exports import HOOK_PATH
from tests.frameworks import harness
from tests.receivers.harness import Reply, post, post_request
from tests.support.signer import Signer

NAMES = ["laravel", "rails", "sinatra", "spring"]
pytestmark = pytest.mark.parametrize("hookup", NAMES, indirect=True)

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def signer(probe_key_port: int) -> Iterator[Signer]:
    """A test key at a fresh URL under the probe's prefix, served for this module's tests."""
    signer = Signer()
    path = f"/osscb-probe/fw-tests-{secrets.token_hex(4)}.pem"
    pem = signer.pem

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            ok = self.path == path
            body = pem if ok else b"not found"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", probe_key_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signer.key_url = f"http://127.0.0.1:{probe_key_port}{path}"
    yield signer
    server.shutdown()
    server.server_close()


def _send(app: harness.RunningApp, signer: Signer, target: str, body: bytes, body_type: str = FORM,
          **overrides: object) -> Reply:
    req = signer.request(f"http://127.0.0.1:{app.port}{target}", body, body_type)
    return post_request(app.port, req, **overrides)


def _ok(reply: Reply, what: str, app: harness.RunningApp) -> None:
    assert reply.status == 200, f"{app.hookup.name}, {what}: {reply.status} {reply.body[:300]!r}\n{app.output[-3000:]}"
    assert json.loads(reply.body) == {"Status": "OK"}
    assert reply.headers.get("content-length") == str(len(reply.body)), f"{what}: {reply.headers}"
    assert "chunked" not in reply.headers.get("transfer-encoding", "")


def _refused(reply: Reply, what: str, app: harness.RunningApp) -> None:
    assert 400 <= reply.status < 500, f"{app.hookup.name}, {what}: {reply.status} {reply.body[:300]!r}\n{app.output[-3000:]}"


def _get(app: harness.RunningApp, path: str, cookie: str = "") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def test_the_rest_of_the_app_keeps_its_sessions_and_csrf_protection(app: harness.RunningApp, signer: Signer) -> None:
    first = _get(app, "/")
    assert first.status == 200
    cookies = [c.split(";", 1)[0] for c in first.headers.get_all("Set-Cookie") or []]
    assert cookies, f"{app.hookup.name}: no session cookie from /"
    again = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    again.request("GET", "/", headers={"Cookie": "; ".join(cookies)})
    assert json.loads(again.getresponse().read())["visits"] == 2, f"{app.hookup.name}: the session did not persist"
    again.close()
    # a form POST without a CSRF token elsewhere in the app is refused (403 Spring/Sinatra, 419 Laravel, 422 Rails)
    forged = post(app.port, "/notes", {"Content-Type": FORM, "Cookie": "; ".join(cookies)}, b"text=hi")
    assert forged.status in (403, 419, 422), f"{app.hookup.name}: CSRF is off for /notes: {forged.status} {forged.body[:200]!r}"
    # while a signed callback with the same cookies and no token verifies
    req = signer.request(app.callback_url, b"bucket=b&object=a.txt")
    _ok(post_request(app.port, req, headers=[*req.headers, ("Cookie", "; ".join(cookies))]), "callback with cookies", app)


@pytest.mark.parametrize(("what", "target", "body", "body_type"), [
    ("a form body with a method-override field", HOOK_PATH, b"_method=PUT&object=a.txt", FORM),
    ("a form body with a CSRF-token field", HOOK_PATH, b"authenticity_token=x&_token=y&_csrf=z", FORM),
    ("a form body with spaces and '+' the parsers trim", HOOK_PATH, b"name=%20a+b%20&empty=&x=%2B", FORM),
    ("a JSON body laid out as no serialiser would", HOOK_PATH, b'{"a" :1,  "b":[ "x" ]}', "application/json"),
    ("a JSON body with a '_method' key", HOOK_PATH, b'{"_method":"DELETE","a":1}', "application/json"),
    ("a body in no declared format", HOOK_PATH, b"\x00\x01 raw \xff bytes", "application/octet-stream"),
    ("a sub-path ending in .json", HOOK_PATH + "/report.json", b"a=1", FORM),
    ("a sub-path ending in .php", HOOK_PATH + "/upload.php", b"a=1", FORM),
    ("a sub-path with escapes", HOOK_PATH + "/%E7%85%A7%E7%89%87/a%2Bb%20c.jpg", b"a=1", FORM),
    ("a query like a method override", HOOK_PATH + "?_method=DELETE&x=a%2Bb", b"a=1", FORM),
])
def test_signed_callbacks_the_middleware_would_rewrite_still_verify(app: harness.RunningApp, signer: Signer,
                                                                    what: str, target: str, body: bytes,
                                                                    body_type: str) -> None:
    _ok(_send(app, signer, target, body, body_type), what, app)


def test_a_path_the_router_folds_is_verified_as_sent(app: harness.RunningApp, signer: Signer) -> None:
    """``%2F``, ``%2e%2e`` and ``//``: Rack::Protection folds them in PATH_INFO, Tomcat and Spring
    Security's firewall refuse them (400); whatever the route sees, the hookup verifies the raw
    target, so the answer is a verified 200 or a 4xx, never a 200 for a path other than the signed one."""
    for target in (HOOK_PATH + "/dir%2Fname.txt", HOOK_PATH + "/a/%2e%2e/b.txt", HOOK_PATH + "//double"):
        reply = _send(app, signer, target, b"a=1")
        if app.hookup.name == "spring":
            _refused(reply, f"{target} (Tomcat/Spring Security refuse it)", app)
        else:
            _ok(reply, target, app)


@pytest.mark.parametrize(("what", "headers", "body"), [
    ("no signature headers", [("Content-Type", FORM)], b"a=1"),
    ("an authorization that is not Base64", [("Content-Type", FORM), ("authorization", "%%%"),
                                              ("x-oss-pub-key-url", "aHR0cDovL3g=")], b"a=1"),
    ("a form body with a malformed escape", [("Content-Type", FORM)], b"a=100%&b=%zz"),
    ("a body of invalid UTF-8", [("Content-Type", FORM + "; charset=utf-8")], b"a=\xff\xfe"),
    ("broken JSON", [("Content-Type", "application/json")], b'{"a":'),
    ("a multipart body without its boundary", [("Content-Type", "multipart/form-data; boundary=zz")], b"--zz\r\nbroken"),
    ("a deeply nested form", [("Content-Type", FORM)], b"a" + b"[b]" * 200 + b"=1"),
])
def test_bad_input_gets_a_4xx_never_a_5xx(app: harness.RunningApp, what: str, headers: list[tuple[str, str]],
                                          body: bytes) -> None:
    _refused(post(app.port, HOOK_PATH, headers, body), what, app)


def test_a_tampered_callback_that_otherwise_verifies_is_refused_with_a_reason(app: harness.RunningApp, signer: Signer) -> None:
    req = signer.request(app.callback_url, b"a=1")
    reply = post_request(app.port, req, body=b"a=2")
    _refused(reply, "tampered body", app)
    assert json.loads(reply.body)["Reason"] == "signature does not match"


def test_a_body_over_1_mib_is_refused(app: harness.RunningApp, signer: Signer) -> None:
    reply = post(app.port, HOOK_PATH, {"Content-Type": FORM}, b"a=" + b"x" * (1024 * 1024))
    _refused(reply, "a body over 1 MiB", app)


def test_other_methods_get_a_405(app: harness.RunningApp) -> None:
    reply = post(app.port, HOOK_PATH, {}, b"", method="GET")
    assert reply.status == 405, f"{app.hookup.name}: {reply.status} {reply.body[:200]!r}"
    assert json.loads(reply.body)["Status"] == "method not allowed"


def test_slow_work_runs_after_the_reply(app: harness.RunningApp, signer: Signer) -> None:
    """The exported slow-work hook (instrumented by the hookup's ``prepare``: 1 s, then a marker
    file) runs for a verified callback, and the reply does not wait for it."""
    name = secrets.token_hex(6)
    marker = app.folder / f"slow-work-{name}"
    _ok(_send(app, signer, HOOK_PATH, f"bucket=b&slow-work-marker={name}".encode()), "a callback with slow work", app)
    assert not marker.exists(), f"{app.hookup.name}: the reply waited for the slow work"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), f"{app.hookup.name}: the slow work never ran\n{app.output[-3000:]}"
