"""Conditional GET and HEAD (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since)
answered with 304 or 412 as OSS does, and ``oss2.resumable_download`` restarting cleanly when the
object changes mid-download."""

from __future__ import annotations

import os
from email.utils import formatdate

import alibabacloud_oss_v2 as ossv2
import httpx
import oss2
import pytest
from emulator_helpers import unique

PAST = "Mon, 01 Jan 2001 00:00:00 GMT"
FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):
    return bucket if request.param == "v1" else bucket_v4


def test_get_conditions(any_bucket):
    key = unique("cond/get")
    etag = any_bucket.put_object(key, b"payload").etag
    assert any_bucket.get_object(key, headers={"If-Match": etag}).read() == b"payload"
    assert any_bucket.get_object(key, headers={"If-Match": f'"{etag}"'}).read() == b"payload"
    assert any_bucket.get_object(key, headers={"If-None-Match": '"0000"'}).read() == b"payload"
    assert any_bucket.get_object(key, headers={"If-Modified-Since": PAST}).read() == b"payload"
    assert any_bucket.get_object(key, headers={"If-Unmodified-Since": FUTURE}).read() == b"payload"
    with pytest.raises(oss2.exceptions.PreconditionFailed) as info:
        any_bucket.get_object(key, headers={"If-Match": '"0000"'})
    assert info.value.status == 412 and info.value.details["Condition"] == "If-Match"
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        any_bucket.get_object(key, headers={"If-Unmodified-Since": PAST})
    with pytest.raises(oss2.exceptions.NotModified):
        any_bucket.get_object(key, headers={"If-None-Match": etag})
    with pytest.raises(oss2.exceptions.NotModified):
        any_bucket.get_object(key, headers={"If-Modified-Since": FUTURE})
    # If-Match that holds makes If-Unmodified-Since moot (RFC 7232 section 6), as oss2's download sends both
    assert any_bucket.get_object(key, headers={"If-Match": etag, "If-Unmodified-Since": PAST}).read() == b"payload"


def test_head_conditions_and_the_304_has_no_body(bucket, emulator):
    key = unique("cond/head")
    etag = bucket.put_object(key, b"payload").etag
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.head_object(key, headers={"If-None-Match": etag})
    with pytest.raises(oss2.exceptions.ServerError) as info:  # a HEAD error has no body to name the code
        bucket.head_object(key, headers={"If-Match": "nope"})
    assert info.value.status == 412
    url = bucket.sign_url("GET", key, 60)
    r = httpx.get(url, headers={"If-Modified-Since": formatdate(usegmt=True)})
    assert r.status_code == 304 and r.content == b"" and r.headers["ETag"] == f'"{etag}"'


def test_v2_sdk_conditions(client_v2):
    key = unique("cond/v2")
    client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"v2"))
    with pytest.raises(ossv2.exceptions.OperationError) as info:
        client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=key, if_match='"0000"'))
    assert "PreconditionFailed" in str(info.value)
    r = client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=key, if_modified_since=PAST))
    assert r.body.read() == b"v2"


class _ChangesMidDownload(oss2.Bucket):
    """A real oss2 bucket; after its first range GET someone else overwrites the object."""

    def __init__(self, *args, new_data: bytes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.new_data = new_data
        self.gets = 0

    def get_object(self, key, *args, **kwargs):  # type: ignore[override]
        result = super().get_object(key, *args, **kwargs)
        self.gets += 1
        if self.gets == 1:
            oss2.Bucket(self.auth, self.endpoint, self.bucket_name).put_object(key, self.new_data)
        return result


def test_resumable_download_restarts_cleanly_when_the_object_changes(emulator, tmp_path):
    key = unique("cond/download")
    old, new = os.urandom(300 * 1024), os.urandom(300 * 1024)
    auth = oss2.Auth(emulator.access_key_id, emulator.access_key_secret)
    oss2.Bucket(auth, emulator.endpoint, "demo").put_object(key, old)
    b = _ChangesMidDownload(auth, emulator.endpoint, "demo", new_data=new)
    target = tmp_path / "out.bin"
    store = oss2.ResumableDownloadStore(root=str(tmp_path / "cp"))
    with pytest.raises(oss2.exceptions.PreconditionFailed):  # not a CRC InconsistentError over mixed bytes
        oss2.resumable_download(b, key, str(target), multiget_threshold=100 * 1024, part_size=100 * 1024,
                                num_threads=1, store=store)
    assert not target.exists()
    oss2.resumable_download(b, key, str(target), multiget_threshold=100 * 1024, part_size=100 * 1024,
                            num_threads=1, store=store)
    assert target.read_bytes() == new
