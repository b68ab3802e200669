"""Issue #12: hostile input to the emulator gets a clear 4xx, never a 500, a hang or a huge echo."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import time
from urllib.parse import unquote

import alibabacloud_oss_v2 as ossv2
import httpx
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import b64json, unique, v2_client


def _multipart(bucket: oss2.Bucket, key: str) -> tuple[str, str]:
    upload_id = bucket.init_multipart_upload(key).upload_id
    etag = bucket.upload_part(key, upload_id, 1, b"part one").etag
    return upload_id, etag


def test_complete_xml_with_a_dtd_is_refused_before_expansion(bucket: oss2.Bucket) -> None:
    key = unique("dtd")
    upload_id, _ = _multipart(bucket, key)
    entity = "A" * (1024 * 1024)
    body = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "{entity}">]>'
            f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{'&e;' * 60}</ETag></Part>"
            "</CompleteMultipartUpload>").encode()
    url = bucket.sign_url("POST", key, 60, params={"uploadId": upload_id})
    started = time.monotonic()
    r = httpx.post(url, content=body, timeout=30)
    assert r.status_code == 400
    assert b"<Code>MalformedXML</Code>" in r.content
    assert len(r.content) < 4096
    assert time.monotonic() - started < 5


def test_a_long_etag_is_truncated_in_invalid_part(bucket: oss2.Bucket) -> None:
    key = unique("etag")
    upload_id, _ = _multipart(bucket, key)
    body = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{'B' * 200_000}</ETag></Part>"
            "</CompleteMultipartUpload>").encode()
    r = httpx.post(bucket.sign_url("POST", key, 60, params={"uploadId": upload_id}), content=body, timeout=30)
    assert r.status_code == 400
    assert b"<Code>InvalidPart</Code>" in r.content
    assert len(r.content) < 4096


@pytest.mark.parametrize("value", ["²", "1" * 5000, "٣"])
def test_non_ascii_or_huge_max_keys_is_invalid_argument(bucket: oss2.Bucket, value: str) -> None:
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.list_objects(max_keys=value)  # type: ignore[arg-type]
    assert (info.value.status, info.value.code) == (400, "InvalidArgument")
    assert len(info.value.body) < 4096


@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_non_ascii_or_huge_part_number_is_invalid_argument(bucket: oss2.Bucket, value: str) -> None:
    key = unique("pn")
    upload_id = bucket.init_multipart_upload(key).upload_id
    url = bucket.sign_url("PUT", key, 60, params={"uploadId": upload_id, "partNumber": value})
    r = httpx.put(url, content=b"x", timeout=10)
    assert r.status_code == 400, r.text
    assert b"<Code>InvalidArgument</Code>" in r.content


@pytest.mark.parametrize("value", ["²", "7" * 5000])
def test_non_ascii_or_huge_part_number_in_complete_xml_is_malformed(bucket: oss2.Bucket, value: str) -> None:
    key = unique("pnx")
    upload_id, etag = _multipart(bucket, key)
    body = (f"<CompleteMultipartUpload><Part><PartNumber>{value}</PartNumber><ETag>{etag}</ETag></Part>"
            "</CompleteMultipartUpload>").encode()
    r = httpx.post(bucket.sign_url("POST", key, 60, params={"uploadId": upload_id}), content=body, timeout=10)
    assert r.status_code == 400, r.text
    assert b"<Code>MalformedXML</Code>" in r.content


@pytest.mark.parametrize("value", ["²", "8" * 5000])
def test_huge_or_non_ascii_presigned_expires_is_invalid_argument(emulator: Emulator, value: str) -> None:
    url = f"{emulator.endpoint}/demo/k?OSSAccessKeyId={emulator.access_key_id}&Expires={value}&Signature=x"
    r = httpx.get(url, timeout=10)
    assert r.status_code == 400, r.text
    assert b"<Code>InvalidArgument</Code>" in r.content


@pytest.mark.parametrize("value", ["²", "8" * 5000])
def test_huge_or_non_ascii_v4_expires_is_invalid_argument(emulator: Emulator, value: str) -> None:
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    cred = f"{emulator.access_key_id}/{now[:8]}/cn-hangzhou/oss/aliyun_v4_request"
    url = (f"{emulator.endpoint}/demo/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential={cred}"
           f"&x-oss-date={now}&x-oss-expires={value}&x-oss-signature=00")
    r = httpx.get(url, timeout=10)
    assert r.status_code == 400, r.text
    assert b"<Code>InvalidArgument</Code>" in r.content


def test_head_errors_carry_x_oss_err_for_oss2(emulator: Emulator) -> None:
    auth = oss2.Auth(emulator.access_key_id, emulator.access_key_secret)
    missing = oss2.Bucket(auth, emulator.endpoint, "no-such-bucket-here")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        missing.object_exists("k")
    wrong = oss2.Bucket(oss2.Auth(emulator.access_key_id, "wrong-secret"), emulator.endpoint, "demo")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        wrong.head_object("k")
    assert (info.value.status, info.value.code) == (403, "SignatureDoesNotMatch")


def test_head_errors_carry_x_oss_err_for_sdk_v2(emulator: Emulator) -> None:
    client = v2_client(emulator)
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        client.head_object(ossv2.models.HeadObjectRequest(bucket="demo", key=unique("missing")))
    error = info.value.unwrap()
    assert isinstance(error, ossv2.exceptions.ServiceError)
    assert (error.status_code, error.code) == (404, "NoSuchKey")
    assert error.ec == "0026-00000001"


TOKEN = "0123456789abcdef0123456789abcdef0123"


def _leaks(record_dict: dict) -> list[str]:  # type: ignore[type-arg]
    """Every place in a record (as JSON) where the token can be read, Base64 included."""
    text = json.dumps(record_dict)
    found = [TOKEN] if TOKEN in text else []
    for blob in re.findall(r"[A-Za-z0-9+/=%]{40,}", text):
        with contextlib.suppress(ValueError):
            if TOKEN.encode() in base64.b64decode(unquote(blob) + "==="):
                found.append(blob[:20])
    return found


@pytest.mark.parametrize("transport", ["header", "query"])
def test_a_jupyter_token_cannot_be_decoded_back_from_a_record(emulator: Emulator, bucket: oss2.Bucket,
                                                              callback_server, transport: str) -> None:  # noqa: ANN001
    cb = b64json({"callbackUrl": callback_server.url(f"/ok?token={TOKEN}"), "callbackBody": "bucket=${bucket}"})
    key = unique("tok")
    if transport == "header":
        bucket.put_object(key, b"x", headers={"x-oss-callback": cb})
    else:
        assert httpx.put(bucket.sign_url("PUT", key, 60, params={"callback": cb}), content=b"x").status_code == 200
    record = emulator.last_record
    assert record is not None and record.key == key
    assert _leaks(record.to_dict()) == []
    assert "***" in record.to_dict()["callback"]["callbackUrl"]


@pytest.mark.parametrize("refused", [False, True])
@pytest.mark.parametrize("transport", ["header", "query"])
def test_a_scoped_endpoint_capability_cannot_be_decoded_back_from_a_record(emulator: Emulator, bucket: oss2.Bucket,
                                                                           transport: str, refused: bool) -> None:
    capability = "Zm9vYmFyQ2FwYWJpbGl0eTAxMjM0NTY3"  # the shape the Jupyter server extension mints
    url = f"http://127.0.0.1:1/user/a/osscb/callback/{capability}/cb"  # nothing listens: a 203, still recorded
    callback = {"callbackUrl": url, "callbackBody": "bucket=${bucket}"}
    if refused:  # OSS's 400 before storing: the record has only the raw parameter to mask
        callback["callbackBodyType"] = "bad"
    cb = b64json(callback)
    key = unique("cap")
    if transport == "header":
        with contextlib.suppress(oss2.exceptions.ServerError):
            assert bucket.put_object(key, b"x", headers={"x-oss-callback": cb}).status == 203
    else:
        status = httpx.put(bucket.sign_url("PUT", key, 60, params={"callback": cb}), content=b"x").status_code
        assert status == (400 if refused else 203)
    record = emulator.last_record
    assert record is not None and record.key == key
    assert (record.outcome == "rejected") is refused
    text = json.dumps(record.to_dict())
    assert capability not in text
    for blob in re.findall(r"[A-Za-z0-9+/=%]{40,}", text):
        with contextlib.suppress(ValueError):
            assert capability.encode() not in base64.b64decode(unquote(blob) + "===")


def test_a_token_in_a_refused_callback_is_masked_too(emulator: Emulator, bucket: oss2.Bucket) -> None:
    cb = b64json({"callbackUrl": f"http://127.0.0.1:1/cb?token={TOKEN}", "callbackBody": "x", "callbackBodyType": "bad"})
    key = unique("tokbad")
    with pytest.raises(oss2.exceptions.ServerError):
        bucket.put_object(key, b"x", headers={"x-oss-callback": cb})
    record = emulator.last_record
    assert record is not None and record.key == key and record.outcome == "rejected"
    assert _leaks(record.to_dict()) == []


def _form(fields: list[tuple[str, bytes]], boundary: str = "osscbBoundary") -> bytes:
    out = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n'.encode() + v + b"\r\n"
                   for n, v in fields)
    return out + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nx\r\n--{boundary}--\r\n'.encode()


@pytest.mark.parametrize(("fields", "needle"), [
    ([(f"f{i}", b"v") for i in range(1001)], b"Too many form fields"),
    ([(f"f{i}", b"v" * 60_000) for i in range(141)], b"8 MB in total"),
])
def test_post_object_caps_unauthenticated_form_fields(emulator: Emulator, bucket: oss2.Bucket,
                                                      fields: list[tuple[str, bytes]], needle: bytes) -> None:
    key = unique("capped")
    body = _form([("key", key.encode()), *fields])
    r = httpx.post(f"{emulator.endpoint}/demo", content=body, timeout=30,
                   headers={"Content-Type": "multipart/form-data; boundary=osscbBoundary"})
    assert r.status_code == 400, r.text[:300]
    assert b"<Code>InvalidArgument</Code>" in r.content and needle in r.content
    assert not bucket.object_exists(key)


@pytest.mark.parametrize("bounds", [["a", "b"], [0, "²"], [0, 1e400], [None, 5], [0, "9" * 5000]])
def test_a_bad_content_length_range_is_invalid_policy_not_500(emulator: Emulator, bounds: list[object]) -> None:
    policy = base64.b64encode(json.dumps({"expiration": "2099-01-01T00:00:00Z",
                                          "conditions": [["content-length-range", *bounds]]}).encode()).decode()
    signature = base64.b64encode(hmac.new(emulator.access_key_secret.encode(), policy.encode(), hashlib.sha1).digest())
    body = _form([("key", b"k"), ("OSSAccessKeyId", emulator.access_key_id.encode()), ("policy", policy.encode()),
                  ("Signature", signature)])
    r = httpx.post(f"{emulator.endpoint}/demo", content=body, timeout=30,
                   headers={"Content-Type": "multipart/form-data; boundary=osscbBoundary"})
    assert r.status_code == 400, r.text[:300]
    assert b"<Code>InvalidPolicyDocument</Code>" in r.content
