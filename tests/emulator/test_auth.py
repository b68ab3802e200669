"""Authentication as OSS does it: V1, V2 and V4 headers, presigned URLs, and OSS's 403s."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from email.utils import formatdate

import httpx
import oss2
import pytest
from alibabacloud_oss_v2.credentials import Credentials
from alibabacloud_oss_v2.signer import SignerV4
from alibabacloud_oss_v2.types import HttpRequest, SigningContext

from tests.emulator.emulator_helpers import REGION, unique, v2_client


def _error(body: bytes) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(body)}


@pytest.mark.parametrize("auth_class", [oss2.Auth, oss2.AuthV2])
def test_v1_and_v2_headers(emulator, auth_class):
    b = oss2.Bucket(auth_class(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    key = unique("auth/" + auth_class.__name__)
    b.put_object(key, b"x", headers={"x-oss-meta-who": "me", "Content-Type": "text/plain"})
    assert b.get_object(key, params={"response-content-type": "text/csv"}).headers["Content-Type"] == "text/csv"
    assert b.head_object(key).headers["x-oss-meta-who"] == "me"


def _oss2_v4_signed(emulator, key: str) -> oss2.http.Request:
    auth = oss2.AuthV4(emulator.access_key_id, emulator.access_key_secret)
    req = oss2.http.Request("PUT", f"{emulator.endpoint}/demo/{key}", data=b"v4 data",
                            headers={"Content-Type": "text/plain", "x-oss-meta-a": "1"}, region=REGION,
                            product="oss")
    auth._sign_request(req, "demo", key)
    return req


@pytest.mark.parametrize("separator", [", ", ","])
def test_v4_authorization_with_and_without_spaces(emulator, separator):
    key = unique("v4sep")
    req = _oss2_v4_signed(emulator, key)
    auth = req.headers["authorization"]
    assert ", " in auth  # oss2 writes a space after each comma
    headers = {k: v for k, v in req.headers.items() if v is not None}
    headers["authorization"] = auth.replace(", ", separator)
    resp = httpx.put(req.url, content=b"v4 data", headers=headers)
    assert resp.status_code == 200, resp.text


def test_v4_sdks(bucket_v4, client_v2):
    import alibabacloud_oss_v2 as ossv2

    key = unique("v4sdk/a b")
    bucket_v4.put_object(key, b"oss2 v4")
    got = client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=key))  # V2 SDK: "," without spaces
    assert got.body.read() == b"oss2 v4"


def test_bad_signature_is_403_with_oss_error_body(emulator):
    b = oss2.Bucket(oss2.Auth(emulator.access_key_id, "wrong-secret"), emulator.endpoint, "demo")
    key = unique("badsig")
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as info:
        b.put_object(key, b"x")
    e = info.value
    assert e.status == 403 and e.code == "SignatureDoesNotMatch"
    assert e.message == ("The request signature we calculated does not match the signature you provided. "
                         "Check your key and signing method.")
    assert e.details["OSSAccessKeyId"] == emulator.access_key_id
    assert e.details["StringToSign"].endswith(f"/demo/{key}")
    assert e.details["EC"] == "0002-00000040"
    assert len(e.request_id) == 24
    good = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    assert not good.object_exists(key)


def test_bad_signature_v4(emulator):
    b = oss2.Bucket(oss2.AuthV4(emulator.access_key_id, "wrong"), emulator.endpoint, "demo", region=REGION)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as info:
        b.put_object(unique("badv4"), b"x")
    assert info.value.details["CanonicalRequest"].startswith("PUT\n/demo/")


def test_unknown_access_key_and_anonymous(emulator):
    b = oss2.Bucket(oss2.Auth("someone-else", emulator.access_key_secret), emulator.endpoint, "demo")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        b.put_object("x", b"x")
    assert info.value.status == 403 and info.value.code == "InvalidAccessKeyId"
    resp = httpx.put(f"{emulator.endpoint}/demo/anon", content=b"x")
    assert resp.status_code == 403 and _error(resp.content)["Code"] == "AccessDenied"
    assert httpx.get(f"{emulator.endpoint}/demo/anon").status_code == 403


@pytest.mark.parametrize("auth_class", [oss2.Auth, oss2.AuthV4, oss2.AuthV2])
def test_presigned_get_and_put(emulator, auth_class):
    b = oss2.Bucket(auth_class(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo",
                    region=REGION)
    key = unique("pre/" + auth_class.__name__ + "/ü")
    put_url = b.sign_url("PUT", key, 60)
    assert httpx.put(put_url, content=b"signed").status_code == 200
    assert httpx.get(b.sign_url("GET", key, 60)).content == b"signed"
    tampered = b.sign_url("GET", key, 60).replace(key.split("/")[0], "other-prefix", 1)
    assert httpx.get(tampered).status_code in (403, 404)


def test_expired_presigned_v1(bucket):
    url = bucket.sign_url("GET", "whatever", -5)
    resp = httpx.get(url)
    assert resp.status_code == 403
    err = _error(resp.content)
    assert err["Code"] == "AccessDenied" and err["Message"] == "Request has expired."


def test_expired_presigned_v4(emulator):
    """Signed by the V2 SDK's own V4 signer, an hour ago, valid for 60 s."""
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    request = HttpRequest("GET", f"{emulator.endpoint}/demo/whatever")
    ctx = SigningContext(product="oss", region=REGION, bucket="demo", key="whatever", request=request,
                         credentials=Credentials(emulator.access_key_id, emulator.access_key_secret),
                         signing_time=past)
    ctx.auth_method_query = True
    ctx.expiration_time = past + datetime.timedelta(seconds=60)
    SignerV4().sign(ctx)
    resp = httpx.get(request.url)
    assert resp.status_code == 403
    assert _error(resp.content)["Message"] == "Request has expired."
    # the same signer, now: accepted (the object does not exist, so 404 after auth)
    request = HttpRequest("GET", f"{emulator.endpoint}/demo/whatever")
    ctx = SigningContext(product="oss", region=REGION, bucket="demo", key="whatever", request=request,
                         credentials=Credentials(emulator.access_key_id, emulator.access_key_secret))
    ctx.auth_method_query = True
    SignerV4().sign(ctx)
    assert httpx.get(request.url).status_code == 404


def test_v2_sdk_presign_put_with_callback_header(emulator, callback_server):
    import alibabacloud_oss_v2 as ossv2

    from tests.emulator.emulator_helpers import b64json

    client = v2_client(emulator)
    key = unique("v2presign")
    cb = b64json({"callbackUrl": callback_server.url("/ok"), "callbackBody": "o=${object}"})
    result = client.presign(ossv2.PutObjectRequest(bucket="demo", key=key, callback=cb))
    assert "x-oss-callback" in {k.lower() for k in result.signed_headers}
    resp = httpx.put(result.url, content=b"presigned v2", headers=result.signed_headers)
    assert resp.status_code == 200 and resp.json()["Status"] == "OK"


def test_request_time_too_skewed(emulator):
    """A correctly signed V1 request dated 20 minutes ago is refused, as OSS refuses it."""
    key = unique("skew")
    date = formatdate(time.time() - 20 * 60, usegmt=True)
    string_to_sign = f"PUT\n\napplication/octet-stream\n{date}\n/demo/{key}"
    sig = base64.b64encode(hmac.new(emulator.access_key_secret.encode(), string_to_sign.encode(), hashlib.sha1).digest())
    headers = {"Date": date, "Content-Type": "application/octet-stream",
               "Authorization": f"OSS {emulator.access_key_id}:{sig.decode()}"}
    resp = httpx.put(f"{emulator.endpoint}/demo/{key}", content=b"x", headers=headers)
    assert resp.status_code == 403 and _error(resp.content)["Code"] == "RequestTimeTooSkewed"
    date = formatdate(time.time(), usegmt=True)
    string_to_sign = f"PUT\n\napplication/octet-stream\n{date}\n/demo/{key}"
    sig = base64.b64encode(hmac.new(emulator.access_key_secret.encode(), string_to_sign.encode(), hashlib.sha1).digest())
    headers.update({"Date": date, "Authorization": f"OSS {emulator.access_key_id}:{sig.decode()}"})
    assert httpx.put(f"{emulator.endpoint}/demo/{key}", content=b"x", headers=headers).status_code == 200
