"""What the Flask, FastAPI and Django hookups must survive in a real app, beyond the common checks:
CSRF protection that is really on (and does not eat the callback), sessions, the raw target
through each server (flask run, gunicorn, uvicorn, runserver) for paths a framework would decode
or normalise."""

from __future__ import annotations

import json
import re

import pytest

from osscb_notebook.exports import HOOK_PATH
from tests.frameworks.apphttp import Browser
from tests.support.signer import Signer

#: Signed paths that a framework would decode, fold or normalise before a route sees them; the
#: query keeps its escapes and '+'. Each must verify: the hookup signs over the raw target.
ODD_TARGETS = [
    HOOK_PATH + "/a//b/c%2Fd%25e%3F.txt?a=%2F+b&c=%E4%B8%AD",
    HOOK_PATH + "/%E7%85%A7%E7%89%87%20x+y.jpg",
    HOOK_PATH + "/%2e/x/%2E%2E/y",
    HOOK_PATH + "/upper%3a%3A%7e~",
]

PYTHON_APPS = ["flask", "flask-gunicorn", "fastapi", "django", "django-gunicorn"]
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("name", PYTHON_APPS)
@pytest.mark.parametrize("target", ODD_TARGETS)
def test_callbacks_to_paths_the_framework_decodes_verify(start_app, emulator_signer: Signer, name: str,  # type: ignore[no-untyped-def]
                                                         target: str) -> None:
    app = start_app(name)
    req = emulator_signer.request(app.base + target)
    assert req.target == target
    reply = Browser(app.port).request("POST", req.target, req.body, dict(req.headers))
    assert reply.status == 200, f"{name} {target}: {reply.status} {reply.body[:300]!r}\n{app.output}"
    assert json.loads(reply.body) == {"Status": "OK"}
    assert reply.header("content-length") == str(len(reply.body))


@pytest.mark.parametrize("name", PYTHON_APPS)
def test_a_json_callback_verifies_and_sets_no_session(start_app, emulator_signer: Signer, name: str) -> None:  # type: ignore[no-untyped-def]
    """Sessions are on, but a callback neither needs nor gets a session cookie."""
    app = start_app(name)
    req = emulator_signer.request(app.callback_url, b'{"object" :"a b.txt",  "size":5}', "application/json")
    browser = Browser(app.port)
    reply = browser.request("POST", req.target, req.body, dict(req.headers))
    assert reply.status == 200, f"{reply.status} {reply.body[:300]!r}\n{app.output}"
    assert browser.cookies == {}


@pytest.mark.parametrize("name", ["flask", "flask-gunicorn"])
def test_flask_csrf_is_on_for_the_app_and_off_for_the_callback(start_app, emulator_signer: Signer, name: str) -> None:  # type: ignore[no-untyped-def]
    app = start_app(name)
    browser = Browser(app.port)
    refused = browser.request("POST", "/notes", b"note=hi", {"Content-Type": FORM})
    assert refused.status == 400 and b"CSRF" in refused.body, refused
    page = browser.request("GET", "/")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
    assert page.status == 200 and token and "session" in browser.cookies, page
    saved = browser.request("POST", "/notes", b"note=hi&csrf_token=" + token[1], {"Content-Type": FORM})
    assert saved.status == 200 and json.loads(saved.body) == {"notes": 1}, saved
    again = browser.request("POST", "/notes", b"note=2&csrf_token=" + token[1], {"Content-Type": FORM})
    assert json.loads(again.body) == {"notes": 2}, "the session keeps the notes"
    # the same form-encoded kind of body, posted by OSS with no token, still reaches the blueprint
    req = emulator_signer.request(app.callback_url, b"note=hi&bucket=b")
    reply = Browser(app.port).request("POST", req.target, req.body, dict(req.headers))
    assert reply.status == 200, f"{reply.status} {reply.body[:300]!r}\n{app.output}"


@pytest.mark.parametrize("name", ["django", "django-gunicorn"])
def test_django_csrf_is_on_for_the_app_and_off_for_the_callback(start_app, emulator_signer: Signer, name: str) -> None:  # type: ignore[no-untyped-def]
    app = start_app(name)
    browser = Browser(app.port)
    refused = browser.request("POST", "/notes/", b"note=hi", {"Content-Type": FORM})
    assert refused.status == 403, refused
    token = json.loads(browser.request("GET", "/notes/").body)["csrf_token"]
    assert "csrftoken" in browser.cookies
    headers = {"Content-Type": FORM, "X-CSRFToken": token, "Referer": app.base + "/notes/"}
    saved = browser.request("POST", "/notes/", b"note=hi", headers)
    assert saved.status == 200 and json.loads(saved.body)["notes"] == 1, saved
    assert "sessionid" in browser.cookies
    assert json.loads(browser.request("POST", "/notes/", b"note=2", headers).body)["notes"] == 2
    req = emulator_signer.request(app.callback_url, b"note=hi&bucket=b")
    reply = Browser(app.port).request("POST", req.target, req.body, dict(req.headers))
    assert reply.status == 200, f"{reply.status} {reply.body[:300]!r}\n{app.output}"


def test_fastapi_sessions_and_json_parsing_are_on(start_app) -> None:  # type: ignore[no-untyped-def]
    app = start_app("fastapi")
    browser = Browser(app.port)
    first = browser.request("POST", "/notes", b'{"note": "hi"}', {"Content-Type": "application/json"})
    assert first.status == 200 and json.loads(first.body) == {"notes": 1}, first
    assert "session" in browser.cookies
    second = browser.request("POST", "/notes", b'{"note": "2"}', {"Content-Type": "application/json"})
    assert json.loads(second.body) == {"notes": 2}
    assert browser.request("POST", "/notes", b"{bad", {"Content-Type": "application/json"}).status == 422
