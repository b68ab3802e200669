"""Issue #24: the Java, Go, Python V2 and Node.js OSS clients, unchanged, against the emulator.

For every client and configuration of ``harness.CLIENTS``, the client's program runs OSS's three
client flows (PutObject with a form and a JSON callback body, a multipart upload completed with a
callback, a presigned PUT URL carrying the callback then a plain HTTP PUT), each once against the
exported receiver of the same language (trusting the emulator's key prefix) and once against a
server answering 500. Each flow checks:

- the SDK's own result carries the receiver's JSON reply ({"Status":"OK"}, sent only after the
  receiver verified the signature; a refused callback would be its 400 and a 203 here), and the
  receiver's slow-work hook (run only for verified callbacks) logged the body;
- the emulator's record: the callback went to that receiver, was answered 200, and its body
  carried the ``x:uid`` callback variable the client set;
- the failure path: the SDK's own 203 / CallbackFailed (error or result), the object stored.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote

import pytest

from osscb_notebook.emulator import Emulator
from tests.clients.conftest import Receivers
from tests.clients.harness import CLIENTS, FLOWS, Builds, Client, run_client

CASES = [pytest.param(name, sign, style, id=f"{name}-{sign}-{style}")
         for name, client in CLIENTS.items() for sign, style in client.configs]
_RUNS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
CONTENT = {"multipart": 100 * 1024 + len(b"the last part")}


@pytest.fixture
def steps(request: pytest.FixtureRequest, emulator: Emulator, builds: Builds, exported_receivers: Receivers,
          fail_url: str) -> dict[str, dict[str, Any]]:
    """The client's steps in this configuration (the program runs once per configuration)."""
    name, sign, style = request.node.callspec.params["client_config"]
    client = CLIENTS[name]
    key = (name, sign, style)
    if key not in _RUNS:
        out = builds.get(client.toolchain)
        _RUNS[key] = run_client(client, out, endpoint=emulator.endpoint, access_key_id=emulator.access_key_id,
                                access_key_secret=emulator.access_key_secret, sign=sign, style=style,
                                ok_url=exported_receivers.url(client.receiver), fail_url=fail_url,
                                prefix="clients")
    return _RUNS[key]


def _record(emulator: Emulator, key: str) -> Any:
    found = [r for r in emulator.records if r.key == key and r.operation != "InitiateMultipartUpload"]
    assert found, f"the emulator recorded no upload of {key!r}"
    return found[-1]


def _uid_in(body: bytes, flow: str) -> str:
    if flow == "presigned" or flow == "put-form":
        return parse_qs(body.decode(), keep_blank_values=True)["uid"][0]
    return str(json.loads(body)["uid"])


def _stored_size(emulator: Emulator, key: str) -> int | None:
    path = emulator.object_path("demo", key)
    return None if path is None else path.stat().st_size


@pytest.mark.parametrize("flow", FLOWS)
@pytest.mark.parametrize("client_config", [p.values for p in CASES], ids=[p.id for p in CASES])
def test_flow(client_config: tuple[str, str, str], flow: str, steps: dict[str, dict[str, Any]],
              emulator: Emulator, exported_receivers: Receivers) -> None:
    client: Client = CLIENTS[client_config[0]]
    ok, fail = steps[f"{flow}/ok"], steps[f"{flow}/fail"]

    # 1. the SDK's own result carries the receiver's JSON reply
    assert not ok["error"] and not ok["code"], ok
    assert ok["status"] == 200 and ok["reply"] == {"Status": "OK"}, ok
    # 2. the receiver got it and verified it: it answered 200, and the signed body held the x: variable
    record = _record(emulator, ok["key"])
    assert record.outcome == "callback_ok", (record.outcome, record.error_message)
    (attempt,) = record.attempts
    assert attempt.url == exported_receivers.url(client.receiver) and attempt.status == 200
    assert _uid_in(attempt.request_body, flow) == ok["uid"]
    # ... and its slow-work hook, which runs only for a verified callback, logged that body
    sent = quote(ok["uid"], safe="") if flow in ("put-form", "presigned") else ok["uid"]
    assert exported_receivers.logged(client.receiver, sent), exported_receivers.running[client.receiver].output[-2000:]
    # 3. a receiver answering 500: the SDK's 203 / CallbackFailed, the object stored
    assert fail["code"] == "CallbackFailed" and not fail["error"], fail
    # (the presigned upload is a plain HTTP client's, which always sees the status)
    assert fail["status"] == (203 if client.status_on_203 or flow == "presigned" else None), fail
    assert "Error status : 500." in fail["message"], fail
    # the SDK's own call fails on a 203, or hands it back as a result (as the README's table says)
    assert fail["raised"] == (client.raises_on_203 and flow != "presigned"), fail
    assert not ok["raised"], ok
    failed = _record(emulator, fail["key"])
    assert failed.outcome == "callback_failed" and failed.status == 203
    expected_size = CONTENT.get(flow)
    size = _stored_size(emulator, fail["key"])
    assert size is not None and size > 0, f"{fail['key']} was not stored"
    if expected_size is not None:
        assert size == expected_size and _stored_size(emulator, ok["key"]) == expected_size
