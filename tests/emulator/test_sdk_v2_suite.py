"""The Python SDK V2's own live-service suite against the emulator (issue #24 item 5).

aliyun/alibabacloud-oss-python-sdk-v2 @ 1.3.2, ``tests/integration`` (it reads ``OSS_TEST_*``), was
run against ``osscb emulator`` (README: "The SDKs' own suites against the emulator"). Its code is
not copied here: each test below checks, through the real ``alibabacloud_oss_v2``, a behaviour
that a test of that suite asserts and that the emulator got wrong (the deviations D1-D5 and the
service sub-resources), named after the suite's test.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import alibabacloud_oss_v2 as ossv2
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import unique, v2_client


@pytest.fixture(params=["v4", "v1"])
def client(request: pytest.FixtureRequest, emulator: Emulator) -> ossv2.Client:
    return v2_client(emulator, signature_version=request.param)


@pytest.fixture(params=["v4", "v1"])
def invalid_client(request: pytest.FixtureRequest, emulator: Emulator) -> ossv2.Client:
    """The suite's ``get_invalid_ak_client()``: an AccessKeyId the emulator does not know."""
    cfg = ossv2.config.load_default()
    cfg.credentials_provider = ossv2.credentials.StaticCredentialsProvider("invalid-ak", "invalid")
    cfg.region, cfg.endpoint, cfg.retry_max_attempts = "cn-hangzhou", emulator.endpoint, 1
    cfg.signature_version = request.param
    return ossv2.Client(cfg)


def service_error(exc: BaseException) -> ossv2.exceptions.ServiceError:
    assert isinstance(exc, ossv2.exceptions.OperationError), exc
    inner = exc.unwrap()
    assert isinstance(inner, ossv2.exceptions.ServiceError), inner
    return inner


def missing_bucket() -> str:
    return unique("nobucket")


# ------------------------------------------------------------------ D1: the bucket first


def test_list_objects_v2_fail_missing_bucket_is_no_such_bucket_before_the_access_key(
        invalid_client: ossv2.Client) -> None:
    """``test_client.py::TestBucketBasic::test_list_objects_v2_fail``: an unknown AccessKeyId on a
    missing bucket is 404 NoSuchBucket (OSS looks the bucket up first), with all the listing options."""
    bucket = missing_bucket()
    for request in (ossv2.ListObjectsV2Request(bucket=bucket),
                    ossv2.ListObjectsV2Request(bucket=bucket, delimiter="/", start_after="b", encoding_type="url",
                                               max_keys=10, prefix="aaa", fetch_owner=True)):
        with pytest.raises(ossv2.exceptions.OperationError) as info:
            invalid_client.list_objects_v2(request)
        err = service_error(info.value)
        assert (err.status_code, err.code, err.ec, len(err.request_id)) == (404, "NoSuchBucket", "0015-00000101", 24)


def test_is_object_exist_names_the_missing_bucket_and_the_unknown_key(
        client: ossv2.Client, invalid_client: ossv2.Client) -> None:
    """``test_client.py::TestExtension::test_is_object_exist``: HeadObject in a missing bucket is
    NoSuchBucket for any caller; in an existing bucket an unknown AccessKeyId is InvalidAccessKeyId."""
    key = unique("exists")
    client.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"x"))
    assert client.is_object_exist("demo", key) is True
    assert client.is_object_exist("demo", key + "-no") is False
    for caller in (client, invalid_client):
        with pytest.raises(ossv2.exceptions.OperationError, match="NoSuchBucket"):
            caller.is_object_exist(missing_bucket(), key)
    with pytest.raises(ossv2.exceptions.OperationError, match="InvalidAccessKeyId"):
        invalid_client.is_object_exist("demo", key)


def test_is_bucket_exist_is_false_for_a_missing_bucket(client: ossv2.Client, invalid_client: ossv2.Client) -> None:
    """``test_client.py::TestExtension::test_is_bucket_exist``: ``is_bucket_exist`` is a GetBucketAcl
    that only a 404 NoSuchBucket makes False. The emulator does not implement bucket ACLs, but a
    missing bucket is looked up before that 501, so the answer is right for every caller."""
    for caller in (client, invalid_client):
        assert caller.is_bucket_exist("demo") is True
        assert caller.is_bucket_exist(missing_bucket()) is False


def test_get_bucket_acl_fail_on_a_missing_bucket(invalid_client: ossv2.Client) -> None:
    """``test_client.py::TestBucketBasic::test_get_bucket_acl_fail``: 404 NoSuchBucket."""
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        invalid_client.get_bucket_acl(ossv2.GetBucketAclRequest(bucket=missing_bucket()))
    err = service_error(info.value)
    assert (err.status_code, err.code) == (404, "NoSuchBucket")


def test_put_bucket_checks_the_access_key_not_the_bucket(invalid_client: ossv2.Client) -> None:
    """PutBucket (and PutBucketAcl, once a form of it) name a bucket that need not exist: an unknown
    AccessKeyId is 403 InvalidAccessKeyId (``test_put_bucket_acl_fail`` expects it for PutBucketAcl,
    an operation the emulator does not implement, so that one is a 501 here but never a 404)."""
    bucket = missing_bucket()
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        invalid_client.put_bucket(ossv2.PutBucketRequest(bucket=bucket))
    err = service_error(info.value)
    assert (err.status_code, err.code, err.ec) == (403, "InvalidAccessKeyId", "0002-00000902")
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        invalid_client.put_bucket_acl(ossv2.PutBucketAclRequest(bucket=bucket, acl="public-read-write"))
    assert service_error(info.value).status_code != 404


def test_object_operations_with_an_unknown_key_in_an_existing_bucket_are_403(invalid_client: ossv2.Client) -> None:
    """``test_client.py::TestObjectBasic::test_get_object_fail`` and the other ``*_fail`` tests:
    in a bucket that exists the AccessKeyId is what fails."""
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        invalid_client.get_object(ossv2.GetObjectRequest(bucket="demo", key=unique("k")))
    err = service_error(info.value)
    assert (err.status_code, err.code) == (403, "InvalidAccessKeyId")


# ------------------------------------------------------------------ D2: control characters in DeleteMultipleObjects


def test_delete_multiple_objects_takes_control_characters_as_character_references(client: ossv2.Client) -> None:
    """``test_client.py::TestObjectBasic::test_delete_multiple_objects``: SDK V2 writes a key's
    control characters as numeric character references (``&#1;``), which XML 1.0 parsers refuse
    and OSS accepts; every C0 control but NUL, in one request."""
    base = unique("ctl")
    keys = [base + chr(c) + "end" for c in range(1, 0x20)]
    for key in keys:
        client.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"x"))
    result = client.delete_multiple_objects(ossv2.DeleteMultipleObjectsRequest(
        bucket="demo", objects=[ossv2.DeleteObject(key=k) for k in keys]))
    assert sorted(d.key for d in result.deleted_objects) == sorted(keys)
    for key in keys:
        assert client.is_object_exist("demo", key) is False


@pytest.mark.parametrize("reference", ["&#01;", "&#1;", "&#x1f;", "&#X1F;", "&#0000031;"])
def test_delete_multiple_objects_reference_spellings(emulator: Emulator, client: ossv2.Client, reference: str) -> None:
    """Decimal with leading zeros and hex in either case, as a hand-written body may spell them
    (signed with oss2, sent as raw bytes)."""
    import oss2

    char = chr(int(reference[3:-1], 16)) if reference[2] in "xX" else chr(int(reference[2:-1]))
    key = unique("ref") + char
    client.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"x"))
    body = f"<Delete><Quiet>false</Quiet><Object><Key>{key[:-1]}{reference}</Key></Object></Delete>".encode()
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(), "Content-Type": "application/xml"}
    bucket = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    resp = bucket._do("POST", "demo", "", params={"delete": ""}, data=body, headers=headers)  # noqa: SLF001
    assert resp.status == 200
    assert client.is_object_exist("demo", key) is False


# ------------------------------------------------------------------ D3: ListMultipartUploads' next markers


def test_list_multipart_uploads_fills_next_markers_when_not_truncated(emulator: Emulator) -> None:
    """``test_client.py::TestMultipartUpload::test_multipart_upload_object_encoding_type``: with
    IsTruncated false, NextKeyMarker and NextUploadIdMarker name the last upload listed (as OSS's
    documented sample shows), keys with control characters included."""
    emu = Emulator(buckets=("lmu",))
    with emu:
        client = v2_client(emu)
        key = unique("mpu") + "\x01\x02\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10"
        init = client.initiate_multipart_upload(ossv2.InitiateMultipartUploadRequest(bucket="lmu", key=key))
        client.upload_part(ossv2.UploadPartRequest(bucket="lmu", key=key, part_number=1,
                                                   upload_id=init.upload_id, body=b"hello world"))
        listed = client.list_multipart_uploads(ossv2.ListMultipartUploadsRequest(bucket="lmu"))
        assert listed.is_truncated is False
        assert listed.key_marker is None
        assert (listed.next_key_marker, listed.next_upload_id_marker) == (key, init.upload_id)
        assert [(u.key, u.upload_id) for u in listed.uploads] == [(key, init.upload_id)]
        client.abort_multipart_upload(ossv2.AbortMultipartUploadRequest(bucket="lmu", key=key,
                                                                        upload_id=init.upload_id))
        empty = client.list_multipart_uploads(ossv2.ListMultipartUploadsRequest(bucket="lmu"))
        assert (empty.next_key_marker, empty.next_upload_id_marker, empty.uploads) == (None, None, None)


# ------------------------------------------------------------------ D4: ListParts of a client-side-encrypted upload


def _rsa_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return public, private


def test_list_parts_carries_the_client_side_encryption_fields(client: ossv2.Client) -> None:
    """``test_encryption_client.py::TestEncryptionCLient::test_multipart_from_bytes``: ListParts of
    an upload initiated by ``EncryptionClient`` names its wrapped key, IV, algorithms and sizes, so
    another process can resume it; the object then decrypts to what was uploaded."""
    public, private = _rsa_pems()
    eclient = ossv2.EncryptionClient(client, ossv2.crypto.MasterRsaCipher(
        mat_desc={"tag": "value"}, public_key=public, private_key=private))
    part_size, data_size = 100 * 1024, 300 * 1024 + 1234
    data = os.urandom(data_size)
    key = unique("cse")
    init = eclient.initiate_multipart_upload(ossv2.InitiateMultipartUploadRequest(
        bucket="demo", key=key, cse_part_size=part_size, cse_data_size=data_size))
    parts = []
    for number, start in enumerate(range(0, data_size, part_size), start=1):
        up = eclient.upload_part(ossv2.UploadPartRequest(
            bucket="demo", key=key, upload_id=init.upload_id, part_number=number,
            cse_multipart_context=init.cse_multipart_context, body=data[start:start + part_size]))
        parts.append(ossv2.UploadPart(part_number=number, etag=up.etag))
    listed: Any = eclient.list_parts(ossv2.ListPartsRequest(bucket="demo", key=key, upload_id=init.upload_id))
    assert listed.client_encryption_key and listed.client_encryption_start
    assert (listed.client_encryption_part_size, listed.client_encryption_data_size) == (part_size, data_size)
    assert listed.client_encryption_wrap_alg == "RSA/NONE/PKCS1Padding"
    assert listed.client_encryption_cek_alg == "AES/CTR/NoPadding"
    eclient.complete_multipart_upload(ossv2.CompleteMultipartUploadRequest(
        bucket="demo", key=key, upload_id=init.upload_id,
        complete_multipart_upload=ossv2.CompleteMultipartUpload(parts=parts)))
    got = eclient.get_object(ossv2.GetObjectRequest(bucket="demo", key=key))
    assert got.body.read() == data


def test_list_parts_of_a_plain_upload_has_no_encryption_fields(client: ossv2.Client) -> None:
    key = unique("plain")
    init = client.initiate_multipart_upload(ossv2.InitiateMultipartUploadRequest(bucket="demo", key=key))
    listed = client.list_parts(ossv2.ListPartsRequest(bucket="demo", key=key, upload_id=init.upload_id))
    assert listed.client_encryption_key is None and listed.client_encryption_part_size is None
    client.abort_multipart_upload(ossv2.AbortMultipartUploadRequest(bucket="demo", key=key, upload_id=init.upload_id))


# ------------------------------------------------------------------ D5: ListBuckets' prefix, marker and max-keys


def test_list_buckets_paginator_honours_prefix_marker_and_max_keys(client: ossv2.Client) -> None:
    """``test_client.py::TestPaginator::test_list_buckets_paginator``: three buckets under one
    prefix come one to a page with ``limit=1``, three to a page with ``limit=3``, and as a single
    page by default; buckets outside the prefix never appear."""
    prefix = unique("lb").lower()
    names = [f"{prefix}-{i}" for i in (1, 2, 3)]
    for name in names:
        client.put_bucket(ossv2.PutBucketRequest(bucket=name))
    try:
        pages = list(client.list_buckets_paginator(limit=1).iter_page(ossv2.ListBucketsRequest(prefix=prefix)))
        assert [[b.name for b in p.buckets] for p in pages] == [[n] for n in names]
        assert [p.is_truncated for p in pages] == [True, True, False]
        assert [p.next_marker for p in pages[:2]] == names[:2]
        assert all(p.max_keys == 1 and p.prefix == prefix for p in pages)
        pages = list(client.list_buckets_paginator().iter_page(ossv2.ListBucketsRequest(prefix=prefix), limit=3))
        assert [[b.name for b in p.buckets] for p in pages] == [names]
        pages = list(client.list_buckets_paginator().iter_page(ossv2.ListBucketsRequest(prefix=prefix)))
        assert [[b.name for b in p.buckets] for p in pages] == [names]
        after = client.list_buckets(ossv2.ListBucketsRequest(prefix=prefix, marker=names[0]))
        assert [b.name for b in after.buckets] == names[1:]
    finally:
        for name in names:
            client.delete_bucket(ossv2.DeleteBucketRequest(bucket=name))


def test_list_buckets_refuses_a_max_keys_out_of_range(emulator: Emulator) -> None:
    import oss2

    service = oss2.Service(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint)
    with pytest.raises(oss2.exceptions.ServerError) as info:
        service.list_buckets(max_keys=1001)
    assert (info.value.status, info.value.code) == (400, "InvalidArgument")


# ------------------------------------------------------------------ service sub-resources


@pytest.mark.parametrize("query", ["regions", "regions=oss-cn-hangzhou", "cloudboxes"])
def test_describe_regions_and_list_cloud_boxes_are_not_implemented(emulator: Emulator, query: str) -> None:
    """``TestRegion::test_describe_regions`` and ``TestCloudBoxes::test_cloud_boxes``: ``GET /?regions``
    and ``GET /?cloudboxes`` are other operations than ListBuckets; the emulator says 501 rather than
    answer with a bucket list (which SDK V2 failed to parse as a RegionInfoList)."""
    resp = httpx.get(f"{emulator.endpoint}/?{query}")
    assert resp.status_code == 501
    assert b"<Code>NotImplemented</Code>" in resp.content


def test_cloudboxes_is_a_v1_signed_sub_resource(emulator: Emulator) -> None:
    """SDK V2 signs ``cloudboxes`` into a V1 signature's resource; the emulator's list has it, so a
    signed ``GET /?cloudboxes`` is refused as not implemented, never as a signature mismatch."""
    from osscb_notebook.emulator._auth import SUBRESOURCES

    assert "cloudboxes" in SUBRESOURCES
    client = v2_client(emulator, signature_version="v1")
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        client.list_cloud_boxes(ossv2.ListCloudBoxesRequest())
    assert service_error(info.value).status_code == 501
