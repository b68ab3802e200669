"""The jupyter tunnel on a real JupyterHub with its default settings (token in URLs ignored).

Each student's own kernel runs the quickstart: the emulator, a receiver, ``open_tunnel("jupyter",
receiver)`` and an upload whose callback goes through the hub's proxy to their server.
"""

from __future__ import annotations

import json

import httpx
import pytest

from osscb_notebook.serverext import registry
from tests.hub.hub_harness import CLASS_SCOPED as SCOPED
from tests.hub.hub_harness import Hub

pytestmark = pytest.mark.slow

LESSON = """
import json, os, warnings
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.tunnels import open_tunnel
from osscb_notebook.upload import UploadTarget, upload
warnings.simplefilter("ignore")
emu = Emulator().start()
receiver = start_receiver(trust_key_urls=[emu.public_key_prefix])
tunnel = open_tunnel("jupyter", receiver)
me = os.environ["JUPYTERHUB_USER"]
url = tunnel.callback_url("cb/" + me, "who=" + me)
out = upload(UploadTarget.for_emulator(emu), "a.txt", b"hi", operation="PutObject",
             callback={"callbackUrl": url, "callbackBody": "object=${object}"})
rec = receiver.wait_for(1)[-1]
print(json.dumps({"status": out.status, "verified": rec.verified, "url": url, "route": tunnel.details["route"],
                  "token_in_url": os.environ["JUPYTERHUB_API_TOKEN"] in url, "display": tunnel.display_url,
                  "target": rec.target, "capability_shown": tunnel.secrets[0] in repr(rec) + rec.as_curl()}))
"""


def _lesson(hub: Hub, name: str) -> dict[str, object]:
    return json.loads(hub.execute(name, LESSON).strip().splitlines()[-1])  # type: ignore[no-any-return]


def _requests(hub: Hub, name: str) -> int:
    return int(hub.execute(name, "print(len(receiver.history))").strip())


def test_two_students_each_get_a_verified_callback_through_the_hub_without_a_token(hub):
    results = {name: _lesson(hub, name) for name in SCOPED}
    for name, res in results.items():
        assert res["status"] == 200 and res["verified"], res
        assert res["route"] == "scoped" and not res["token_in_url"] and "token" not in res["url"]
        assert str(res["url"]).startswith(f"{hub.url}user/{name}/osscb/callback/")
        assert res["display"] == f"{hub.url}user/{name}/osscb/callback/***/"
        assert res["target"] == f"/user/{name}/osscb/callback/***/cb/{name}?who={name}"
        assert not res["capability_shown"]
    a, b = (str(results[n]["url"]) for n in SCOPED)
    made_up = registry.new_capability()
    # A's capability on B's path, a made-up one on each: 404, and no receiver sees anything.
    for url in (a.replace("/user/alice/", "/user/bob/"), b.replace("/user/bob/", "/user/alice/"),
                f"{hub.url}user/alice/osscb/callback/{made_up}/cb", f"{hub.url}user/bob/osscb/callback/{made_up}/cb"):
        assert httpx.post(url, content=b"x", timeout=30).status_code == 404, url
    assert [_requests(hub, n) for n in SCOPED] == [1, 1]
    # Revoked: alice stops her receiver; her address answers 404 and reaches nothing. Bob's still works.
    hub.execute("alice", "receiver.stop()")
    assert httpx.post(a, content=b"x", timeout=30).status_code == 404
    assert httpx.post(b, content=b"x", timeout=30).status_code == 400  # reached bob's receiver, unsigned
    assert _requests(hub, "bob") == 2


REPLAY = """
import json
from urllib.parse import urlsplit
from osscb_notebook.receiver import replay
from osscb_notebook.serverext import RELAY_HEADER
parts = urlsplit(url)
again = replay(rec, f"{parts.scheme}://{parts.netloc}")  # the public .../osscb/callback/<capability>/... URL
shown = "\\n".join([repr(rec.headers), repr(rec.resend_headers()), rec.as_curl(), rec.as_curl(reveal=True),
                    json.dumps(rec.to_dict())]).lower()
print(json.dumps({"status": again.status, "body": again.text, "url": again.url, "verified": receiver.last.verified,
                  "records": len(receiver.history), "hop_header_shown": RELAY_HEADER.lower() in shown}))
"""


def test_a_captured_callback_replayed_through_the_hub_gets_200(hub):
    """#26.1: the relay's hop header is in no record, so a replay to the public URL is not a loop (508)."""
    first = _lesson(hub, "bob")
    assert first["status"] == 200 and first["verified"], first
    res = json.loads(hub.execute("bob", REPLAY).strip().splitlines()[-1])
    assert str(res["url"]).startswith(f"{hub.url}user/bob/osscb/callback/")
    assert res["status"] == 200, res
    assert res["verified"] and not res["hop_header_shown"]
    assert res["records"] >= 2


def test_fallback_through_the_proxy_when_the_hub_allows_tokens_in_urls(hub):
    res = _lesson(hub, "dave")
    assert res["status"] == 200 and res["verified"] and res["route"] == "absolute"
    assert res["display"].endswith("?token=***") and "token=***" in str(res["target"])


def test_defaults_without_the_extension_name_both_fixes(hub):
    code = """
import warnings
from osscb_notebook.errors import TunnelError
from osscb_notebook.receiver import start_receiver
from osscb_notebook.tunnels import open_tunnel
warnings.simplefilter("ignore")
receiver = start_receiver()
try:
    open_tunnel("jupyter", receiver)
except TunnelError as exc:
    import os
    print(repr((exc.message, exc.hint, os.environ["JUPYTERHUB_API_TOKEN"] in str(exc))))
"""
    message, hint, leaked = eval(hub.execute("carol", code).strip().splitlines()[-1])  # noqa: S307 - our own repr
    assert "HTTP 302" in message or "HTTP 403" in message
    assert "Authorization header reaches your receiver" in message and "allow_token_in_url" in message
    assert "JUPYTERHUB_ALLOW_TOKEN_IN_URL=1" in hint
    assert "c.HubOAuth.allow_token_in_url = True" in hint and "~/.jupyter/jupyter_server_config.py" in hint
    assert not leaked
