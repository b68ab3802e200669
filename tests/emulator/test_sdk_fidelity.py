"""SDK code pointed at the emulator behaves as on OSS: DeleteMultipleObjects, GetObjectMeta,
non-ASCII metadata under V1/V4 signing, the V4 region, no server-side Content-Type guessing,
callback-var keys without ``x:``, and 501 for what the emulator does not implement (touching
nothing)."""

from __future__ import annotations

import base64
import hashlib
import signal
import subprocess
import sys

import alibabacloud_oss_v2 as ossv2
import httpx
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import b64json, unique, v2_client


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):
    return bucket if request.param == "v1" else bucket_v4


def test_batch_delete_objects(any_bucket):
    keys = [unique("bd/a"), unique("bd/中 b"), unique("bd/c&d")]
    for k in keys:
        any_bucket.put_object(k, b"x")
    r = any_bucket.batch_delete_objects(keys + [unique("bd/never-existed")])
    assert sorted(r.deleted_keys) == sorted(keys + [r.deleted_keys[-1]]) and len(r.deleted_keys) == 4
    assert not any(any_bucket.object_exists(k) for k in keys)


def _bucket_request(bucket: oss2.Bucket, method: str, **kwargs):  # type: ignore[no-untyped-def]
    """A signed bucket-level request through oss2's own request path (no public call for these)."""
    return bucket._Bucket__do_bucket(method, **kwargs)  # type: ignore[attr-defined]


def test_batch_delete_quiet_and_bad_digest(bucket):
    key = unique("bd/quiet")
    bucket.put_object(key, b"x")
    body = f"<Delete><Quiet>true</Quiet><Object><Key>{key}</Key></Object></Delete>".encode()
    with pytest.raises(oss2.exceptions.ServerError) as info:
        _bucket_request(bucket, "POST", data=body, params={"delete": ""},
                        headers={"Content-MD5": base64.b64encode(b"0" * 16).decode()})
    assert info.value.status == 400 and info.value.code == "InvalidDigest" and bucket.object_exists(key)
    with pytest.raises(oss2.exceptions.ServerError) as info:
        _bucket_request(bucket, "POST", data=body, params={"delete": ""})
    assert info.value.status == 400 and bucket.object_exists(key)
    r = _bucket_request(bucket, "POST", data=body, params={"delete": ""},
                        headers={"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})
    assert r.status == 200 and b"<Deleted>" not in r.read() and not bucket.object_exists(key)


def test_v2_sdk_delete_multiple_objects(client_v2):
    keys = [unique("v2bd/a"), unique("v2bd/b")]
    for k in keys:
        client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=k, body=b"x"))
    r = client_v2.delete_multiple_objects(ossv2.DeleteMultipleObjectsRequest(
        bucket="demo", objects=[ossv2.DeleteObject(key=k) for k in keys]))
    assert sorted(o.key for o in r.deleted_objects) == sorted(keys)
    assert not client_v2.is_object_exist("demo", keys[0])


def test_get_object_meta(any_bucket):
    key = unique("meta/get")
    etag = any_bucket.put_object(key, b"12345").etag
    meta = any_bucket.get_object_meta(key)
    assert meta.content_length == 5 and meta.etag == etag and meta.last_modified > 0


def test_non_ascii_metadata_is_signed_over_its_utf8_bytes(any_bucket):
    key = unique("meta/utf8")
    r = any_bucket.put_object(key, b"x", headers={"x-oss-meta-name": "测试".encode()})
    assert r.status == 200
    got = any_bucket.head_object(key).headers["x-oss-meta-name"]  # requests reads header bytes as Latin-1
    assert got.encode("latin-1").decode("utf-8") == "测试"
    any_bucket.update_object_meta(key, {"x-oss-meta-name": "改了".encode()})
    assert any_bucket.head_object(key).headers["x-oss-meta-name"].encode("latin-1").decode() == "改了"


def test_v4_presigned_url_with_an_empty_region_is_refused(emulator):
    b = oss2.Bucket(oss2.AuthV4(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo",
                    region="")
    key = unique("region/empty")
    r = httpx.put(b.sign_url("PUT", key, 60), content=b"x")
    assert r.status_code == 400 and b"The signing region in credential is invalid." in r.content
    assert emulator.object_path("demo", key) is None


def test_v4_header_signed_with_another_region_is_refused(emulator):
    b = oss2.Bucket(oss2.AuthV4(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo",
                    region="cn-beijing")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        b.put_object(unique("region/other"), b"x")
    assert info.value.status == 400 and info.value.message == "Invalid signing region in Authorization header."
    client = v2_client(emulator, region="cn-beijing")
    with pytest.raises(ossv2.exceptions.OperationError) as err:
        client.put_object(ossv2.PutObjectRequest(bucket="demo", key=unique("region/v2"), body=b"x"))
    assert "Invalid signing region" in str(err.value)


def test_emulator_with_another_region(tmp_path):
    with Emulator(data_dir=tmp_path / "d", region="cn-beijing") as emu:
        auth = oss2.AuthV4(emu.access_key_id, emu.access_key_secret)
        oss2.Bucket(auth, emu.endpoint, "demo", region="cn-beijing").put_object("k", b"beijing")
        with pytest.raises(oss2.exceptions.ServerError):
            oss2.Bucket(auth, emu.endpoint, "demo", region="cn-hangzhou").get_object("k")
        assert oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo").get_object(
            "k").read() == b"beijing"  # V1 has no region
    with pytest.raises(ValueError):
        Emulator(data_dir=tmp_path / "e", region="")


def test_cli_region_option(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "osscb_notebook", "emulator", "--port", "0", "--data-dir",
                             str(tmp_path / "d"), "--region", "ap-southeast-1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        assert any("ap-southeast-1" in line for line in lines)
        endpoint = lines[0].split()[-1]
        b = oss2.Bucket(oss2.AuthV4("osscb-local-id", "osscb-local-secret"), endpoint, "demo", region="ap-southeast-1")
        b.put_object("k", b"x")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "osscb_notebook", "emulator", "--region", "NO WAY", "--port", "0",
                          "--data-dir", str(tmp_path / "e")], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "invalid region" in bad.stderr and "Traceback" not in bad.stderr


def test_presigned_put_without_content_type_is_octet_stream(any_bucket):
    key = unique("ctype/photo") + ".jpg"
    r = httpx.put(any_bucket.sign_url("PUT", key, 60), content=b"not really a jpeg")
    assert r.status_code == 200 and "content-type" not in r.request.headers
    assert any_bucket.head_object(key).content_type == "application/octet-stream"
    # oss2 guesses the type itself for a normal put_object, so that one is image/jpeg
    any_bucket.put_object(key, b"x")
    assert any_bucket.head_object(key).content_type == "image/jpeg"


def test_callback_var_keys_without_x_are_accepted(bucket, callback_server):
    """oss2's own test_sign_url_with_callback: callback-var keys callbackUrl/callbackBody, and OSS
    answers 203 (it attempted the callback against an unreachable URL)."""
    key = unique("cbvar/keys")
    cb = {"callbackUrl": "http://127.0.0.1:1/unreachable", "callbackBody": "bucket=${bucket}&object=${object}"}
    url = bucket.sign_url("PUT", key, 60, params={"callback": b64json(cb), "callback-var": b64json(cb)})
    r = httpx.put(url, content=b"x")
    assert r.status_code == 203 and b"CallbackFailed" in r.content
    assert bucket.object_exists(key)
    n = callback_server.count()
    ok = {"callbackUrl": callback_server.url("/ok"), "callbackBody": "v=${x:v}&o=${object}"}
    r2 = bucket.put_object(unique("cbvar/mixed"), b"x", headers={
        "x-oss-callback": b64json(ok), "x-oss-callback-var": b64json({"uid": "ignored", "x:v": "used"})})
    assert r2.status == 200 and callback_server.since(n)[0].body.startswith(b"v=used&o=")


UNIMPLEMENTED = [
    ("PUT", {"append": "", "position": "0"}, {}),
    ("POST", {"append": "", "position": "0"}, {}),
    ("PUT", {"symlink": ""}, {"x-oss-symlink-target": "target"}),
    ("PUT", {"tagging": ""}, {}),
    ("DELETE", {"tagging": ""}, {}),
    ("PUT", {}, {"x-oss-tagging": "a=b"}),
    ("DELETE", {"acl": ""}, {}),
    ("POST", {"restore": ""}, {}),
    ("PUT", {}, {"x-oss-server-side-encryption": "AES256"}),
    ("PUT", {}, {"x-oss-storage-class": "Archive"}),
    ("DELETE", {"versionId": "CAEQ"}, {}),
    ("GET", {"x-oss-process": "image/resize,w_10"}, {}),
    ("PUT", {}, {"x-oss-copy-source": "/demo/SOURCE", "x-oss-tagging": "a=b"}),
]


@pytest.mark.parametrize(("method", "params", "headers"), UNIMPLEMENTED,
                         ids=[f"{m}-{'&'.join(p) or '-'}-{'&'.join(h) or '-'}" for m, p, h in UNIMPLEMENTED])
def test_unimplemented_is_501_and_touches_nothing(emulator, bucket, method, params, headers):
    key = unique("untouched")
    bucket.put_object(key, b"original bytes", headers={"x-oss-meta-v": "1"})
    bucket.put_object(key + "-src", b"source")
    before = bucket.head_object(key)
    headers = {k: v.replace("SOURCE", key + "-src") for k, v in headers.items()}
    url = bucket.sign_url(method, key, 60, params=params, headers=headers)
    r = httpx.request(method, url, content=b"new bytes" if method in ("PUT", "POST") else None, headers=headers)
    assert r.status_code == 501 and b"<Code>NotImplemented</Code>" in r.content
    after = bucket.head_object(key)
    assert (after.etag, after.last_modified, after.headers["x-oss-meta-v"]) == (before.etag, before.last_modified, "1")
    assert bucket.get_object(key).read() == b"original bytes"
    assert [o.key for o in oss2.ObjectIterator(bucket, prefix=key)] == [key, key + "-src"]


def test_unimplemented_bucket_subresources_are_501(bucket):
    for method, sub in (("PUT", "acl"), ("PUT", "cors"), ("PUT", "lifecycle"), ("GET", "versions")):
        with pytest.raises(oss2.exceptions.ServerError) as info:
            _bucket_request(bucket, method, params={sub: ""})
        assert info.value.status == 501 and info.value.code == "NotImplemented", (method, sub)
    with pytest.raises(oss2.exceptions.ServerError) as info:
        _bucket_request(bucket, "PUT", headers={"x-oss-acl": "public-read"})
    assert info.value.status == 501


def test_forbid_overwrite_on_copy(bucket):
    src, dst = unique("fo/src"), unique("fo/dst")
    bucket.put_object(src, b"new")
    bucket.put_object(dst, b"old")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.copy_object("demo", src, dst, headers={"x-oss-forbid-overwrite": "true"})
    assert info.value.status == 409 and bucket.get_object(dst).read() == b"old"


def test_list_buckets_names_the_region(emulator):
    service = oss2.Service(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint)
    demo = next(b for b in service.list_buckets().buckets if b.name == "demo")
    assert demo.location == "oss-cn-hangzhou" and demo.region == "cn-hangzhou"


def test_every_entry_of_the_not_implemented_tables_is_501_and_touches_nothing(emulator, bucket):
    from osscb_notebook.emulator._table import NOT_IMPLEMENTED_HEADERS, NOT_IMPLEMENTED_PARAMS

    key = unique("table")
    bucket.put_object(key, b"original bytes")
    before = bucket.head_object(key)
    requests = [("PUT", {name: "1"}, {}) for name in NOT_IMPLEMENTED_PARAMS]
    requests += [("POST", {name: "1"}, {}) for name in NOT_IMPLEMENTED_PARAMS]
    requests += [("PUT", {}, {name: "something-else"}) for name in NOT_IMPLEMENTED_HEADERS]
    for method, params, headers in requests:
        url = bucket.sign_url(method, key, 60, params=params, headers=headers)
        r = httpx.request(method, url, content=b"new bytes", headers=headers)
        assert r.status_code == 501, (method, params, headers, r.content)
    after = bucket.head_object(key)
    assert (after.etag, after.last_modified) == (before.etag, before.last_modified)
    assert bucket.get_object(key).read() == b"original bytes"
    assert bucket.list_multipart_uploads(prefix=key).upload_list == []
