"""What the Express and Gin hookups must survive in a real app, beyond the common checks: the
global body parsers and sessions are on for the rest of the app, and callbacks to paths the
framework decodes or would normalise still verify over the raw target."""

from __future__ import annotations

import json

import pytest

from tests.frameworks.apphttp import Browser
from tests.frameworks.test_python_frameworks import ODD_TARGETS
from tests.support.signer import Signer

SESSION_COOKIE = {"express": "connect.sid", "express-behind-session": "connect.sid", "gin": "session"}


@pytest.mark.parametrize("name", ["express", "express-behind-session", "gin"])
@pytest.mark.parametrize("target", ODD_TARGETS)
def test_callbacks_to_paths_the_framework_decodes_verify(start_app, emulator_signer: Signer, name: str,  # type: ignore[no-untyped-def]
                                                         target: str) -> None:
    app = start_app(name)
    req = emulator_signer.request(app.base + target)
    reply = Browser(app.port).request("POST", req.target, req.body, dict(req.headers))
    assert reply.status == 200, f"{name} {target}: {reply.status} {reply.body[:300]!r}\n{app.output}"
    assert json.loads(reply.body) == {"Status": "OK"}
    assert reply.header("content-length") == str(len(reply.body))


@pytest.mark.parametrize("name", ["express", "express-behind-session", "gin"])
def test_the_apps_parsers_and_sessions_are_on_and_the_callback_still_gets_raw_bytes(start_app, emulator_signer: Signer,  # type: ignore[no-untyped-def]
                                                                                   name: str) -> None:
    app = start_app(name)
    browser = Browser(app.port)
    first = browser.request("POST", "/notes", b'{"note": "hi"}', {"Content-Type": "application/json"})
    assert first.status == 200 and json.loads(first.body) == {"notes": 1}, first
    assert SESSION_COOKIE[name] in browser.cookies
    second = browser.request("POST", "/notes", b"note=2", {"Content-Type": "application/x-www-form-urlencoded"})
    assert json.loads(second.body) == {"notes": 2}, "urlencoded parsed, session kept"
    # bodies the global parsers would re-serialise differently: odd JSON layout, '+' and %2B in a form
    for body, kind in ((b'{"b":2, "a" :"x y"}', "application/json"), (b"name=a+b&plus=%2B&raw=C++", "application/x-www-form-urlencoded")):
        req = emulator_signer.request(app.callback_url, body, kind)
        reply = Browser(app.port).request("POST", req.target, req.body, dict(req.headers))
        assert reply.status == 200, f"{kind}: {reply.status} {reply.body[:300]!r}\n{app.output}"
