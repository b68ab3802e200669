"""CopyObject and UploadPartCopy through the real oss2 and the V2 SDK: the bytes are copied,
never lost (a copy used to become an empty PutObject: a 0-byte target)."""

from __future__ import annotations

import hashlib
import os

import alibabacloud_oss_v2 as ossv2
import oss2
import pytest
from emulator_helpers import unique

DATA = b"0123456789abcdef" * 4096 + b"tail"  # 64 KiB and a bit


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):
    return bucket if request.param == "v1" else bucket_v4


def test_copy_object_copies_bytes_and_metadata(any_bucket):
    src, dst = unique("copy/src"), unique("copy/dst")
    any_bucket.put_object(src, DATA, headers={"Content-Type": "text/x-src", "x-oss-meta-color": "blue",
                                              "Cache-Control": "no-cache"})
    r = any_bucket.copy_object("demo", src, dst)
    assert r.status == 200 and r.etag == hashlib.md5(DATA).hexdigest().upper()
    assert any_bucket.get_object(dst).read() == DATA  # oss2 checks the CRC-64 too
    head = any_bucket.head_object(dst)
    assert head.content_type == "text/x-src" and head.headers["x-oss-meta-color"] == "blue"
    assert head.headers["Cache-Control"] == "no-cache"


def test_copy_source_with_characters_to_escape(any_bucket):
    # the key of oss2's own test_copy_object_source_with_escape
    src, dst = unique("阿里云/加油/:?;@&=+$, /<>{}[]|/"), unique("copy/escaped")
    any_bucket.put_object(src, b"escaped")
    any_bucket.copy_object("demo", src, dst)
    assert any_bucket.get_object(dst).read() == b"escaped"


def test_copy_with_replace_takes_the_new_metadata(bucket):
    src, dst = unique("copy/src"), unique("copy/dst")
    bucket.put_object(src, DATA, headers={"Content-Type": "text/x-src", "x-oss-meta-color": "blue"})
    bucket.copy_object("demo", src, dst, headers={"x-oss-metadata-directive": "REPLACE",
                                                  "Content-Type": "image/png", "x-oss-meta-size": "big"})
    head = bucket.head_object(dst)
    assert head.content_type == "image/png" and head.headers["x-oss-meta-size"] == "big"
    assert "x-oss-meta-color" not in head.headers
    assert bucket.get_object(dst).read() == DATA


def test_update_object_meta_keeps_the_bytes(any_bucket):
    key = unique("meta/update")
    any_bucket.put_object(key, b"thirty-six bytes of precious content", headers={"x-oss-meta-old": "1"})
    any_bucket.update_object_meta(key, {"Content-Type": "application/json", "x-oss-meta-new": "2"})
    head = any_bucket.head_object(key)
    assert head.content_length == 36 and head.content_type == "application/json"
    assert head.headers["x-oss-meta-new"] == "2" and "x-oss-meta-old" not in head.headers
    assert any_bucket.get_object(key).read() == b"thirty-six bytes of precious content"


def test_copy_across_buckets_and_of_a_multipart_object(emulator, bucket):
    key = unique("copy/mp")
    data = os.urandom(100 * 1024) + b"end"
    upload_id = bucket.init_multipart_upload(key).upload_id
    p1 = bucket.upload_part(key, upload_id, 1, data[: 100 * 1024])
    p2 = bucket.upload_part(key, upload_id, 2, data[100 * 1024:])
    done = bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, p1.etag), oss2.models.PartInfo(2, p2.etag)])
    other = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "other")
    r = other.copy_object("demo", key, "copied/" + key)
    assert r.etag == done.etag
    assert other.get_object("copied/" + key).read() == data
    assert other.head_object("copied/" + key).object_type == "Multipart"


def test_copy_source_conditions(bucket):
    src, dst = unique("cond/src"), unique("cond/dst")
    etag = bucket.put_object(src, DATA).etag
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.copy_object("demo", src, dst, headers={"x-oss-copy-source-if-match": '"0000"'})
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.copy_object("demo", src, dst, headers={"x-oss-copy-source-if-none-match": f'"{etag}"'})
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.copy_object("demo", src, dst, headers={"x-oss-copy-source-if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.copy_object("demo", src, dst, headers={"x-oss-copy-source-if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert not bucket.object_exists(dst)
    bucket.copy_object("demo", src, dst, headers={"x-oss-copy-source-if-match": etag,
                                                  "x-oss-copy-source-if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert bucket.get_object(dst).read() == DATA


def test_copy_of_a_missing_source_is_404_and_stores_nothing(bucket):
    dst = unique("copy/none")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.copy_object("demo", unique("absent"), dst)
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        bucket.copy_object("no-such-bucket", "x", dst)
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.copy_object("demo", "x", dst, headers={"x-oss-metadata-directive": "MOVE"})
    assert info.value.status == 400
    assert not bucket.object_exists(dst)


def test_upload_part_copy_with_ranges(bucket_v4):
    src, dst = unique("upc/src"), unique("upc/dst")
    data = os.urandom(250 * 1024)
    bucket_v4.put_object(src, data)
    upload_id = bucket_v4.init_multipart_upload(dst).upload_id
    ranges = [(0, 100 * 1024 - 1), (100 * 1024, 200 * 1024 - 1), (200 * 1024, len(data) - 1)]
    parts = []
    for n, span in enumerate(ranges, 1):
        r = bucket_v4.upload_part_copy("demo", src, span, dst, upload_id, n)
        chunk = data[span[0]: span[1] + 1]
        assert r.etag == hashlib.md5(chunk).hexdigest().upper()
        parts.append(oss2.models.PartInfo(n, r.etag))
    listed = bucket_v4.list_parts(dst, upload_id)
    assert [p.size for p in listed.parts] == [100 * 1024, 100 * 1024, 50 * 1024]
    bucket_v4.complete_multipart_upload(dst, upload_id, parts)
    assert bucket_v4.get_object(dst).read() == data


def test_upload_part_copy_bad_range_is_416(bucket):
    src, dst = unique("upc/src"), unique("upc/bad")
    bucket.put_object(src, b"short")
    upload_id = bucket.init_multipart_upload(dst).upload_id
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.upload_part_copy("demo", src, (10, 20), dst, upload_id, 1)
    assert info.value.status == 416
    assert bucket.list_parts(dst, upload_id).parts == []


def test_v2_sdk_copy_object(client_v2):
    src, dst = unique("v2copy/src"), unique("v2copy/dst")
    client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=src, body=DATA))
    r = client_v2.copy_object(ossv2.CopyObjectRequest(bucket="demo", key=dst, source_bucket="demo", source_key=src))
    assert r.status_code == 200
    assert client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=dst)).body.read() == DATA


@pytest.mark.parametrize("threshold", [200 * 1024 * 1024, 100 * 1024], ids=["single-copy", "multipart-copy"])
def test_v2_sdk_copier(client_v2, threshold):
    src, dst = unique("v2copier/src"), unique("v2copier/dst")
    data = os.urandom(300 * 1024)
    client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=src, body=data))
    copier = client_v2.copier(part_size=100 * 1024, multipart_copy_threshold=threshold)
    copier.copy(ossv2.CopyObjectRequest(bucket="demo", key=dst, source_bucket="demo", source_key=src))
    assert client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=dst)).body.read() == data
