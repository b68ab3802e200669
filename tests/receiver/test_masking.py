"""Issue #20 item 7: what a receiver keeps of credentials a browser or the scoped endpoint passes
on (Jupyter's session and ``_xsrf`` cookies, an endpoint capability) is masked everywhere."""

from __future__ import annotations

import json

import httpx
import pytest

from osscb_notebook.receiver.history import load_log
from osscb_notebook.serverext.registry import new_capability
from tests.support.signer import send


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_cookies_and_an_unknown_capability_are_masked_in_history_log_and_curl(make_receiver, signer, tmp_path,
                                                                              mode) -> None:  # noqa: ANN001
    log = tmp_path / "cb.jsonl"
    r = make_receiver(mode=mode, log_path=log)
    cap = new_capability()  # never added with add_secret: the receiver learns it from the path
    cookies = "_xsrf=2|c0ffee|xsrf-cookie-value|1700000000; username-127-0-0-1-8888=2|1:0|session-cookie-value"
    req = signer.request(r.url.rstrip("/") + f"/osscb/callback/{cap}/cb", body=b"a=1")
    req.headers.append(("Cookie", cookies))
    assert send(req).status_code == 200
    (rec,) = r.wait_for(1)
    assert rec.verified  # verified over the real path before it was masked
    texts = [repr(rec), repr(rec.headers), json.dumps(rec.to_dict()), rec.as_curl(), log.read_text(),
             rec.trace.render_text(), json.dumps(load_log(log)[0].to_dict())]
    for text in texts:
        assert cap not in text and "cookie-value" not in text
    assert rec.header("cookie") == "_xsrf=***; username-127-0-0-1-8888=***"
    assert rec.target == "/osscb/callback/***/cb"
    assert httpx.get(r.url + "_osscb_ping").text.startswith("osscb-receiver ")
