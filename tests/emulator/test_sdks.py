"""The unmodified SDKs against the emulator: oss2 (V1, V4) and alibabacloud-oss-v2 (V4, path
style and virtual-host ``bucket.localhost``)."""

from __future__ import annotations

import hashlib
import json
import socket

import alibabacloud_oss_v2 as ossv2
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import b64json, unique, v2_client


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):
    return bucket if request.param == "v1" else bucket_v4


def test_object_lifecycle(any_bucket):
    key = unique("life/dir/file") + ".txt"
    r = any_bucket.put_object(key, b"hello world")
    assert r.status == 200 and r.etag == hashlib.md5(b"hello world").hexdigest().upper()
    meta = any_bucket.head_object(key)
    assert meta.content_length == 11 and meta.content_type == "text/plain" and meta.object_type == "Normal"
    assert any_bucket.get_object(key).read() == b"hello world"  # oss2 checks the CRC-64 here
    assert any_bucket.get_object(key, byte_range=(6, 10)).read() == b"world"
    any_bucket.delete_object(key)
    assert not any_bucket.object_exists(key)
    with pytest.raises(oss2.exceptions.NoSuchKey):
        any_bucket.get_object(key)


def test_keys_with_slashes_percent_and_unicode(bucket):
    for key in ("a/b/c", "lit%2Fpercent", "sp ace+plus", "中文/键.txt", "q?x=1&y", "../not-a-path"):
        bucket.put_object(key, key.encode())
        assert bucket.get_object(key).read() == key.encode()
    listed = {o.key for o in oss2.ObjectIterator(bucket)}
    assert {"a/b/c", "lit%2Fpercent", "sp ace+plus", "中文/键.txt", "q?x=1&y", "../not-a-path"} <= listed


def test_listing_prefix_delimiter_and_pages(emulator):
    auth = oss2.Auth(emulator.access_key_id, emulator.access_key_secret)
    bucket = oss2.Bucket(auth, emulator.endpoint, "other")
    base = unique("list")
    keys = [f"{base}/a/1", f"{base}/a/2", f"{base}/b", f"{base}/c/3", f"{base}/d"]
    for k in keys:
        bucket.put_object(k, b"x")
    top = bucket.list_objects(prefix=f"{base}/", delimiter="/")
    assert [o.key for o in top.object_list] == [f"{base}/b", f"{base}/d"]
    assert top.prefix_list == [f"{base}/a/", f"{base}/c/"]
    paged = [o.key for o in oss2.ObjectIterator(bucket, prefix=f"{base}/", max_keys=2)]
    assert paged == sorted(keys)
    paged_v2 = [o.key for o in oss2.ObjectIteratorV2(bucket, prefix=f"{base}/", max_keys=2)]
    assert paged_v2 == sorted(keys)
    with_delim = list(oss2.ObjectIterator(bucket, prefix=f"{base}/", delimiter="/", max_keys=1))
    assert [o.key for o in with_delim] == [f"{base}/a/", f"{base}/b", f"{base}/c/", f"{base}/d"]


def test_chunked_upload_from_a_generator(bucket):
    key = unique("chunked")
    chunks = [b"part-%d;" % i * 1000 for i in range(50)]
    r = bucket.put_object(key, iter(chunks))  # no length: oss2 sends Transfer-Encoding: chunked
    assert r.status == 200
    assert bucket.get_object(key).read() == b"".join(chunks)


def test_multipart_with_oss2(bucket_v4):
    key = unique("mp/oss2")
    upload_id = bucket_v4.init_multipart_upload(key).upload_id
    data = [bytes([65 + i]) * (100 * 1024 + i) for i in range(3)]
    parts = []
    for i, d in enumerate(data):
        up = bucket_v4.upload_part(key, upload_id, i + 1, d)  # oss2 checks each part's CRC-64
        parts.append(oss2.models.PartInfo(i + 1, up.etag, size=len(d), part_crc=up.crc))
    result = bucket_v4.complete_multipart_upload(key, upload_id, parts)
    assert result.status == 200 and result.etag.endswith("-3")
    assert bucket_v4.get_object(key).read() == b"".join(data)
    assert bucket_v4.head_object(key).object_type == "Multipart"


def test_multipart_rules(bucket):
    key = unique("mp/rules")
    upload_id = bucket.init_multipart_upload(key).upload_id
    small = bucket.upload_part(key, upload_id, 1, b"small")
    last = bucket.upload_part(key, upload_id, 2, b"last")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, small.etag), oss2.models.PartInfo(2, last.etag)])
    assert info.value.code == "EntityTooSmall"
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, '"0000"')])
    assert info.value.code == "InvalidPart"
    bucket.abort_multipart_upload(key, upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part(key, upload_id, 3, b"x")
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part(key, "../../etc", 1, b"x")


def test_buckets(emulator):
    auth = oss2.Auth(emulator.access_key_id, emulator.access_key_secret)
    name = f"made-{socket.gethostname().lower()[:8].replace('_', '-')}-x"
    b = oss2.Bucket(auth, emulator.endpoint, name)
    b.create_bucket()
    b.put_object("k", b"v")
    names = [x.name for x in oss2.BucketIterator(oss2.Service(auth, emulator.endpoint))]
    assert {"demo", "other", name} <= set(names)
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        b.delete_bucket()
    b.delete_object("k")
    b.delete_bucket()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        b.put_object("k", b"v")
    with pytest.raises(ValueError):
        Emulator(buckets=("Bad_Name",))


# ----------------------------------------------------------------------------- the V2 SDK


def test_v2_sdk_path_style_round_trip(client_v2):
    key = unique("v2/k ey+é")
    r = client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"v2 body"))
    assert r.status_code == 200 and r.etag == f'"{hashlib.md5(b"v2 body").hexdigest().upper()}"'
    assert client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=key)).body.read() == b"v2 body"
    head = client_v2.head_object(ossv2.HeadObjectRequest(bucket="demo", key=key))
    assert head.content_length == 7
    pages = client_v2.list_objects_v2_paginator().iter_page(ossv2.ListObjectsV2Request(bucket="demo", prefix="v2/"))
    assert key in [o.key for page in pages for o in page.contents]
    client_v2.delete_object(ossv2.DeleteObjectRequest(bucket="demo", key=key))
    assert not client_v2.is_object_exist("demo", key)


@pytest.fixture
def localhost_subdomains(monkeypatch):
    """Many resolvers do not map ``*.localhost`` to loopback; browsers and systemd do. Make it so
    here (the client library's DNS lookup only; the emulator is untouched)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_v2_sdk_virtual_host_bucket_localhost(emulator, localhost_subdomains, callback_server):
    client = v2_client(emulator, endpoint=emulator.endpoint.replace("127.0.0.1", "localhost"))
    key = unique("vhost/a%2Fb")
    cb = b64json({"callbackUrl": callback_server.url("/ok"), "callbackBody": "b=${bucket}&o=${object}"})
    n = callback_server.count()
    r = client.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"vh", callback=cb))
    assert r.status_code == 200
    assert json.loads(r.callback_result)["Status"] == "OK"
    assert callback_server.since(n)[0].headers["x-oss-bucket"] == "demo"
    record = emulator.last_record
    assert record.request_headers and dict((k.lower(), v) for k, v in record.request_headers)["host"].startswith("demo.localhost:")
    assert client.get_object(ossv2.GetObjectRequest(bucket="demo", key=key)).body.read() == b"vh"


def test_v2_sdk_failed_callback_is_a_203_result_not_an_exception(client_v2, callback_server):
    cb = b64json({"callbackUrl": callback_server.url("/status/500"), "callbackBody": "o=${object}"})
    r = client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=unique("v2fail"), body=b"x", callback=cb))
    assert r.status_code == 203
    assert "<Code>CallbackFailed</Code>" in r.callback_result


def test_v2_sdk_multipart_with_callback(client_v2, callback_server):
    key = unique("v2mp")
    init = client_v2.initiate_multipart_upload(ossv2.InitiateMultipartUploadRequest(bucket="demo", key=key))
    body = b"z" * (100 * 1024)
    parts = []
    for n, data in ((1, body), (2, b"end")):
        up = client_v2.upload_part(ossv2.UploadPartRequest(bucket="demo", key=key, upload_id=init.upload_id,
                                                           part_number=n, body=data))
        parts.append(ossv2.UploadPart(part_number=n, etag=up.etag))
    cb = b64json({"callbackUrl": callback_server.url("/ok"), "callbackBody": '{"size":${size}}',
                  "callbackBodyType": "application/json"})
    r = client_v2.complete_multipart_upload(ossv2.CompleteMultipartUploadRequest(
        bucket="demo", key=key, upload_id=init.upload_id, callback=cb,
        complete_multipart_upload=ossv2.CompleteMultipartUpload(parts=parts)))
    assert r.status_code == 200
    assert json.loads(json.loads(r.callback_result)["echo"]) == {"size": len(body) + 3}
    # without a callback the SDK parses the XML result
    key2 = unique("v2mp-plain")
    init = client_v2.initiate_multipart_upload(ossv2.InitiateMultipartUploadRequest(bucket="demo", key=key2))
    up = client_v2.upload_part(ossv2.UploadPartRequest(bucket="demo", key=key2, upload_id=init.upload_id,
                                                       part_number=1, body=b"one"))
    r = client_v2.complete_multipart_upload(ossv2.CompleteMultipartUploadRequest(
        bucket="demo", key=key2, upload_id=init.upload_id,
        complete_multipart_upload=ossv2.CompleteMultipartUpload(parts=[ossv2.UploadPart(part_number=1, etag=up.etag)])))
    assert r.key == key2 and r.etag.strip('"').endswith("-1")


def test_v2_sdk_uploader(client_v2, tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"0123456789" * 50_000)
    key = unique("v2uploader")
    uploader = client_v2.uploader(part_size=100 * 1024)
    result = uploader.upload_file(ossv2.PutObjectRequest(bucket="demo", key=key), filepath=str(path))
    assert result.status_code == 200
    got = client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=key)).body.read()
    assert got == path.read_bytes()
