"""The jupyter-server-proxy tunnel, end to end against a real Jupyter Server with a token."""

from __future__ import annotations

import json
import warnings
from urllib.parse import unquote

import httpx
import pytest

from osscb_notebook.errors import TunnelError, TunnelUnavailableError
from osscb_notebook.tunnels import TokenExposureWarning, detect_jupyter, open_tunnel
from tests.support import free_port, send

# A path with what proxies like to touch: percent-encoded UTF-8, a space, an encoded slash, a plus.
TRICKY_PATH = "/oss/%E5%9B%9E%E8%B0%83%20cb/a%2Fb+c.php"


def test_the_proxy_forwards_the_full_path_and_query_token_included(jupyter_server, make_receiver):
    """What jupyter-server-proxy does, found empirically: /proxy/absolute/PORT/ forwards the full path
    re-quoted (an encoded slash arrives decoded, other escapes are kept: the *decoded* path, which is
    what OSS signs, is unchanged) and the query byte for byte, token included; /proxy/PORT/ strips
    the prefix and says so in X-Forwarded-Prefix; without a token a POST gets 403."""
    r = make_receiver()
    base = jupyter_server.url
    token = jupyter_server.token
    httpx.post(f"{base}proxy/absolute/{r.port}{TRICKY_PATH}?token={token}&id=1&k=a%2Fb+c", content=b"x=1")
    httpx.post(f"{base}proxy/{r.port}/cb?token={token}&id=1", content=b"x=1")
    denied = httpx.post(f"{base}proxy/absolute/{r.port}/cb?id=1", content=b"x=1")
    assert denied.status_code in (302, 403)
    absolute, prefixed = r.wait_for(2)
    path, _, query = absolute.raw_target.partition("?")
    assert path == f"/proxy/absolute/{r.port}{TRICKY_PATH}".replace("%2F", "/")
    assert unquote(path) == unquote(f"/proxy/absolute/{r.port}{TRICKY_PATH}")
    assert query == f"token={token}&id=1&k=a%2Fb+c"
    assert prefixed.raw_target == f"/cb?token={token}&id=1"
    assert prefixed.header("x-forwarded-prefix") == f"/proxy/{r.port}"
    assert len(r.history) == 2  # the unauthenticated POST never reached the receiver


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_callback_signed_over_the_public_url_verifies_through_the_proxy(jupyter_server, make_receiver, signer,
                                                                        tmp_path, mode):
    log = tmp_path / "cb.jsonl"
    r = make_receiver(mode=mode, log_path=log)
    with pytest.warns(TokenExposureWarning, match="full access"):
        tunnel = open_tunnel("jupyter", r, server_url=jupyter_server.url, token=jupyter_server.token)
    with tunnel:
        url = tunnel.callback_url(TRICKY_PATH, "id=1&index=2")
        assert url == (f"{jupyter_server.url}proxy/absolute/{r.port}{TRICKY_PATH}"
                       f"?token={jupyter_server.token}&id=1&index=2")
        req = signer.request(url, body=b'{"bucket":"demo","size":5}', body_type="application/json")
        resp = send(req)
        assert resp.status_code == 200 and resp.content == b'{"Status":"OK"}'
        (rec,) = r.wait_for(1)
        assert rec.verified
        # The token is masked everywhere it could be seen.
        token = jupyter_server.token
        for text in (repr(tunnel), str(tunnel), tunnel.display_url, tunnel._repr_html_(), repr(rec),
                     json.dumps(rec.to_dict()), rec.as_curl(), rec.trace.render_text(), log.read_text()):
            assert token not in text
        assert "token=***" in tunnel.display_url and "token=***" in rec.target
        assert "full access" in tunnel.warning


def test_prefix_route_verifies_by_rebuilding_the_signed_path(jupyter_server, make_receiver, signer):
    r = make_receiver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TokenExposureWarning)
        tunnel = open_tunnel("jupyter", r, server_url=jupyter_server.url, token=jupyter_server.token, route="prefix")
    with tunnel:
        url = tunnel.callback_url("/cb", "id=7")
        assert f"/proxy/{r.port}/cb?" in url
        assert send(signer.request(url)).status_code == 200
    (rec,) = r.wait_for(1)
    assert rec.verified and "X-Forwarded-Prefix" in rec.note
    assert rec.target == "/cb?token=***&id=7"


def test_wrong_token_fails_fast_and_does_not_leak(jupyter_server, make_receiver):
    r = make_receiver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TokenExposureWarning)
        with pytest.raises(TunnelError, match="HTTP (302|403)") as info:
            open_tunnel("jupyter", r.port, server_url=jupyter_server.url, token="not-the-token-123")
    assert "not-the-token-123" not in str(info.value)


def test_unreachable_server_fails_fast(make_receiver):
    r = make_receiver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TokenExposureWarning)
        with pytest.raises(TunnelUnavailableError, match="unreachable"):
            open_tunnel("jupyter", r.port, server_url=f"http://127.0.0.1:{free_port()}/", token="abcd1234")


def test_detects_the_running_server_that_started_the_kernel(jupyter_server, make_receiver, signer):
    ctx = detect_jupyter({}, runtime_dir=jupyter_server.runtime_dir, parent_pid=jupyter_server.pid)
    assert ctx.kind == "server" and ctx.server_url == jupyter_server.url and ctx.token == jupyter_server.token
    assert jupyter_server.token not in repr(ctx)
    r = make_receiver()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TokenExposureWarning)
        with open_tunnel("jupyter", r, context=ctx) as tunnel:
            assert send(signer.request(tunnel.callback_url("cb"))).status_code == 200


@pytest.mark.parametrize(("env", "kind", "url"), [
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_API_TOKEN": "t0k3n",
      "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example.org/hub/"}, "jupyterhub", "https://hub.example.org/user/alice/"),
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/x-abc/", "JUPYTERHUB_API_TOKEN": "t0k3n", "BINDER_LAUNCH_HOST": "https://mybinder.org/",
      "BINDER_REPO_URL": "https://github.com/o/r", "JUPYTERHUB_PUBLIC_URL": "https://hub.2i2c.mybinder.org"},
     "binder", "https://hub.2i2c.mybinder.org/user/x-abc/"),
    ({"JUPYTER_SERVER_URL": "http://localhost:8888/base", "JUPYTER_TOKEN": "t0k3n"}, "server", "http://localhost:8888/base/"),
])
def test_environment_detection(env, kind, url):
    ctx = detect_jupyter(env, runtime_dir="/nonexistent")
    assert (ctx.kind, ctx.server_url, ctx.token) == (kind, url, "t0k3n")


def test_hub_without_a_public_address_asks_for_server_url(make_receiver):
    from osscb_notebook.tunnels import detect_jupyter as detect

    ctx = detect({"JUPYTERHUB_SERVICE_PREFIX": "/user/bob/", "BINDER_REF_URL": "x"}, runtime_dir="/nonexistent")
    assert ctx.kind == "binder" and ctx.server_url == ""
    with pytest.raises(TunnelUnavailableError, match="server_url="):
        open_tunnel("jupyter", free_port(), context=ctx)
    none = detect({}, runtime_dir="/nonexistent", parent_pid=1)
    assert none.kind == "none"
    with pytest.raises(TunnelUnavailableError, match="No Jupyter server found"):
        open_tunnel("jupyter", free_port(), context=none)
