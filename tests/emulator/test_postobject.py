"""PostObject (browser form upload): policy and signature (V1 and V4), success_action_status,
and callbacks carried as form fields."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from alibabacloud_oss_v2.signer import SignerV4

from osscb_notebook.params import messages as m
from tests.emulator.emulator_helpers import REGION, b64json, unique


def _iso(delta: float) -> str:
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _v1_fields(emulator, conditions: list, *, expires_in: float = 300, secret: str | None = None) -> dict[str, str]:
    policy = base64.b64encode(json.dumps({"expiration": _iso(expires_in), "conditions": conditions}).encode()).decode()
    sig = base64.b64encode(hmac.new((secret or emulator.access_key_secret).encode(), policy.encode(),
                                    hashlib.sha1).digest()).decode()
    return {"OSSAccessKeyId": emulator.access_key_id, "policy": policy, "Signature": sig}


def _v4_fields(emulator, conditions: list) -> dict[str, str]:
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    credential = f"{emulator.access_key_id}/{day}/{REGION}/oss/aliyun_v4_request"
    conditions = [*conditions, {"x-oss-signature-version": "OSS4-HMAC-SHA256"}, {"x-oss-credential": credential},
                  {"x-oss-date": stamp}]
    policy = base64.b64encode(json.dumps({"expiration": _iso(300), "conditions": conditions}).encode()).decode()
    sig = SignerV4()._calc_signature(emulator.access_key_secret, day, REGION, "oss", policy)
    return {"x-oss-signature-version": "OSS4-HMAC-SHA256", "x-oss-credential": credential, "x-oss-date": stamp,
            "policy": policy, "x-oss-signature": sig}


def _post(emulator, fields: dict[str, str], content: bytes = b"form data", filename: str = "f.txt"):
    return httpx.post(f"{emulator.endpoint}/demo", data=fields,
                      files={"file": (filename, content, "text/plain")}, timeout=30)


def _err(resp) -> dict[str, str]:
    return {c.tag: c.text or "" for c in ET.fromstring(resp.content)}


@pytest.mark.parametrize("status", [None, "200", "201"])
def test_post_v1_success_action_status(emulator, bucket, status):
    key = unique("post/v1")
    fields = {"key": key, **_v1_fields(emulator, [{"bucket": "demo"}, ["starts-with", "$key", "post/"]])}
    if status:
        fields["success_action_status"] = status
    resp = _post(emulator, fields)
    assert resp.status_code == {None: 204, "200": 200, "201": 201}[status]
    assert resp.headers["ETag"] == f'"{hashlib.md5(b"form data").hexdigest().upper()}"'
    if status == "201":
        assert ET.fromstring(resp.content).findtext("Key") == key
    assert bucket.get_object(key).read() == b"form data"
    assert bucket.head_object(key).content_type == "text/plain"


def test_post_v4_and_filename_substitution(emulator, bucket):
    prefix = unique("post/v4")
    resp = _post(emulator, {"key": prefix + "/${filename}", **_v4_fields(emulator, [["starts-with", "$key", prefix]])},
                 filename="photo.txt")
    assert resp.status_code == 204, resp.text
    assert bucket.get_object(prefix + "/photo.txt").read() == b"form data"


def test_post_bad_signature_expired_and_conditions(emulator, bucket):
    key = unique("post/bad")
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, [], secret="nope")})
    assert resp.status_code == 403 and _err(resp)["Code"] == "SignatureDoesNotMatch"
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, [], expires_in=-60)})
    assert resp.status_code == 403 and _err(resp)["Message"] == "Invalid according to Policy: Policy expired."
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, [["eq", "$key", "other"]])})
    assert resp.status_code == 403 and _err(resp)["Message"].startswith("Invalid according to Policy: Policy Condition failed")
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, [["content-length-range", 1, 4]])})
    assert resp.status_code == 400 and _err(resp)["Code"] == "EntityTooLarge"
    resp = _post(emulator, {"key": key})  # anonymous, private bucket
    assert resp.status_code == 403 and _err(resp)["Code"] == "AccessDenied"
    assert not bucket.object_exists(key)


def test_post_callback_with_x_fields(emulator, bucket, callback_server):
    key = unique("post/cb")
    cb = b64json({"callbackUrl": callback_server.url("/ok"),
                  "callbackBody": "o=${object}&u=${x:uid}&r=${x:order}&op=${operation}&md5=${contentMd5}"})
    fields = {"key": key, **_v1_fields(emulator, [{"callback": cb}]), "callback": cb, "x:uid": "7",
              "callback-var": b64json({"x:order": "from-blob"})}
    n = callback_server.count()
    resp = _post(emulator, fields)
    assert resp.status_code == 200 and resp.json()["Status"] == "OK"
    [cap] = callback_server.since(n)
    md5 = base64.b64encode(hashlib.md5(b"form data").digest()).decode().replace("=", "%3D").replace("+", "%2B").replace("/", "%2F")
    assert cap.body.decode() == f"o={key.replace('/', '%2F')}&u=7&r=from-blob&op=PostObject&md5={md5}"
    assert cap.verified
    record = emulator.last_record
    assert record.operation == "PostObject" and record.callback_transport == "form" and record.auth == "post-v1"


def test_post_callback_failure_is_203(emulator, bucket, callback_server):
    key = unique("post/cb203")
    cb = b64json({"callbackUrl": callback_server.url("/bom"), "callbackBody": "o=${object}"})
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, []), "callback": cb, "success_action_status": "201"})
    assert resp.status_code == 203 and _err(resp)["Message"] == m.MSG_NOT_JSON
    assert bucket.object_exists(key)


def test_post_invalid_callback_is_400(emulator, bucket):
    key = unique("post/cb400")
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, []), "callback": "###"})
    assert resp.status_code == 400
    assert _err(resp)["Message"] == m.CALLBACK_NOT_BASE64.message
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, []), "x:Bad": "v",
                            "callback": b64json({"callbackUrl": "http://a.example.com/", "callbackBody": "a"})})
    assert resp.status_code == 400 and _err(resp)["Message"] == m.VAR_NOT_JSON.message
    assert not bucket.object_exists(key)


def test_post_streams_a_large_file(emulator, bucket):
    key = unique("post/large")
    data = bytes(range(256)) * (20 * 4096)  # 20 MB
    resp = _post(emulator, {"key": key, **_v1_fields(emulator, [])}, content=data)
    assert resp.status_code == 204
    assert hashlib.md5(bucket.get_object(key).read()).hexdigest() == hashlib.md5(data).hexdigest()
