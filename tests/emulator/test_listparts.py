"""ListParts, ListMultipartUploads and the SDK code built on them: ``oss2.resumable_upload`` end to
end (3+ parts, the right bytes, resuming after a real interruption) and its callback trap."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import alibabacloud_oss_v2 as ossv2
import oss2
import pytest

from osscb_notebook.upload import UploadTarget, upload
from tests.emulator.emulator_helpers import b64json, unique

PART = 100 * 1024  # OSS's minimum part size


def _callback(url: str) -> str:
    return b64json({"callbackUrl": url, "callbackBody": "object=${object}&size=${size}"})


def test_list_parts_pages_with_markers(bucket):
    key = unique("lp/paged")
    upload_id = bucket.init_multipart_upload(key).upload_id
    for n in (1, 2, 3, 5, 8):
        bucket.upload_part(key, upload_id, n, bytes([n]) * 10)
    first = bucket.list_parts(key, upload_id, max_parts=2)
    assert [p.part_number for p in first.parts] == [1, 2] and first.is_truncated and first.next_marker == "2"
    second = bucket.list_parts(key, upload_id, marker=first.next_marker, max_parts=2)
    assert [p.part_number for p in second.parts] == [3, 5] and second.is_truncated
    last = bucket.list_parts(key, upload_id, marker=second.next_marker, max_parts=2)
    assert [p.part_number for p in last.parts] == [8] and not last.is_truncated
    every = list(oss2.PartIterator(bucket, key, upload_id, max_parts=2))
    assert [(p.part_number, p.size, p.etag) for p in every] == [
        (n, 10, hashlib.md5(bytes([n]) * 10).hexdigest().upper()) for n in (1, 2, 3, 5, 8)]
    assert all(p.last_modified > 0 for p in every)


def test_list_parts_errors(bucket):
    key = unique("lp/errors")
    upload_id = bucket.init_multipart_upload(key).upload_id
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.list_parts(key, "0" * 32)
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.list_parts(key, upload_id, max_parts=0)
    assert info.value.status == 400


def test_list_multipart_uploads_paging_prefix_delimiter(emulator):
    bucket = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "other")
    base = unique("lmu")
    keys = [f"{base}/a/1", f"{base}/a/2", f"{base}/b", f"{base}/b", f"{base}/c/3", f"{base}/d 中"]
    ids = [bucket.init_multipart_upload(k).upload_id for k in keys]
    listed = [(u.key, u.upload_id) for u in oss2.MultipartUploadIterator(bucket, prefix=f"{base}/", max_uploads=2)]
    assert sorted(listed) == sorted(zip(keys, ids, strict=True))
    assert [k for k, _ in listed] == sorted(keys, key=str.encode)
    assert [u.upload_id for u in oss2.ObjectUploadIterator(bucket, f"{base}/b", max_uploads=1)] == ids[2:4]
    top = bucket.list_multipart_uploads(prefix=f"{base}/", delimiter="/")
    assert [u.key for u in top.upload_list] == [f"{base}/b", f"{base}/b", f"{base}/d 中"]
    assert top.prefix_list == [f"{base}/a/", f"{base}/c/"]
    paged = list(oss2.MultipartUploadIterator(bucket, prefix=f"{base}/", delimiter="/", max_uploads=1))
    assert [u.key for u in paged] == [f"{base}/a/", f"{base}/b", f"{base}/b", f"{base}/c/", f"{base}/d 中"]
    for k, i in zip(keys, ids, strict=True):
        bucket.abort_multipart_upload(k, i)
    assert bucket.list_multipart_uploads(prefix=f"{base}/").upload_list == []


def test_one_keys_uploads_are_in_initiation_order_and_page_by_upload_id(bucket):
    """Issue #20 item 2: ids sort in the order the uploads started, and ``upload-id-marker`` means
    "ids greater than this one" (OSS's ListMultipartUploads page), even once that upload is gone."""
    key = unique("lmu/order")
    started = [bucket.init_multipart_upload(key).upload_id for _ in range(5)]
    assert started == sorted(started)
    listed = bucket.list_multipart_uploads(prefix=key)
    assert [u.upload_id for u in listed.upload_list] == started
    bucket.abort_multipart_upload(key, started[1])
    after = bucket.list_multipart_uploads(prefix=key, key_marker=key, upload_id_marker=started[1])
    assert [u.upload_id for u in after.upload_list] == started[2:]
    page = bucket.list_multipart_uploads(prefix=key, max_uploads=2)
    assert page.is_truncated and (page.next_key_marker, page.next_upload_id_marker) == (key, started[2])
    rest = bucket.list_multipart_uploads(prefix=key, key_marker=key, upload_id_marker=started[2])
    assert [u.upload_id for u in rest.upload_list] == started[3:] and not rest.is_truncated
    assert bucket.list_multipart_uploads(prefix=key, key_marker=key).upload_list == []


def test_v2_sdk_list_parts_and_uploads(client_v2):
    key = unique("v2lp")
    init = client_v2.initiate_multipart_upload(ossv2.InitiateMultipartUploadRequest(bucket="demo", key=key))
    for n in (1, 2, 3):
        client_v2.upload_part(ossv2.UploadPartRequest(bucket="demo", key=key, upload_id=init.upload_id,
                                                      part_number=n, body=b"x" * n))
    pages = client_v2.list_parts_paginator(limit=2).iter_page(
        ossv2.ListPartsRequest(bucket="demo", key=key, upload_id=init.upload_id))
    assert [[p.part_number for p in page.parts] for page in pages] == [[1, 2], [3]]
    uploads = client_v2.list_multipart_uploads(ossv2.ListMultipartUploadsRequest(bucket="demo", prefix=key))
    assert [(u.key, u.upload_id) for u in uploads.uploads] == [(key, init.upload_id)]


def _file(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    return path, data


def test_resumable_upload_of_four_parts(bucket_v4, tmp_path):
    path, data = _file(tmp_path, 3 * PART + 1234)
    key = unique("resumable/ok")
    store = oss2.ResumableStore(root=str(tmp_path / "cp"))
    r = oss2.resumable_upload(bucket_v4, key, str(path), store=store, multipart_threshold=PART, part_size=PART,
                              num_threads=2)
    assert r.status == 200 and r.etag.endswith("-4")
    assert bucket_v4.get_object(key).read() == data
    assert bucket_v4.head_object(key).object_type == "Multipart"


class _FailsOnce(oss2.Bucket):
    """A real oss2 bucket whose part 3 upload raises once, as a dropped connection would."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[int] = []
        self.failed = False

    def upload_part(self, key, upload_id, part_number, data, *args, **kwargs):  # type: ignore[override]
        if part_number == 3 and not self.failed:
            self.failed = True
            raise oss2.exceptions.RequestError(ConnectionResetError("connection reset mid-part"))
        self.sent.append(part_number)
        return super().upload_part(key, upload_id, part_number, data, *args, **kwargs)


def test_resumable_upload_resumes_after_an_interruption(emulator, tmp_path):
    path, data = _file(tmp_path, 4 * PART + 99)
    key = unique("resumable/again")
    checkpoints = tmp_path / "checkpoints"
    b = _FailsOnce(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    with pytest.raises(oss2.exceptions.RequestError):
        oss2.resumable_upload(b, key, str(path), store=oss2.ResumableStore(root=str(checkpoints)),
                              multipart_threshold=PART, part_size=PART, num_threads=1)
    assert not b.object_exists(key)
    saved = [json.loads(p.read_text()) for p in checkpoints.rglob("*") if p.is_file()]
    assert len(saved) == 1 and saved[0]["upload_id"]
    assert [p.part_number for p in b.list_parts(key, saved[0]["upload_id"]).parts] == [1, 2]
    b.sent.clear()
    r = oss2.resumable_upload(b, key, str(path), store=oss2.ResumableStore(root=str(checkpoints)),
                              multipart_threshold=PART, part_size=PART, num_threads=1)
    assert b.sent == [3, 4, 5]  # parts 1 and 2 were not sent again
    assert r.etag.endswith("-5") and b.get_object(key).read() == data
    assert not any(p.is_file() for p in checkpoints.rglob("*"))  # the checkpoint is gone once done


def test_resumable_upload_callback_fires_for_small_files_only(bucket, emulator, callback_server, tmp_path):
    """aliyun-oss-python-sdk issue 51: the multipart path passes only request-payer/ACL headers
    to CompleteMultipartUpload, so a callback in ``headers=`` is dropped, exactly as on OSS."""
    headers = {"x-oss-callback": _callback(callback_server.url("/ok"))}
    small = tmp_path / "small.txt"
    small.write_bytes(b"small")
    n = callback_server.count()
    r = oss2.resumable_upload(bucket, unique("trap/small"), str(small), headers=headers, multipart_threshold=PART)
    assert r.status == 200 and callback_server.count() == n + 1  # PutObject carried it
    assert emulator.last_record.operation == "PutObject" and emulator.last_record.outcome == "callback_ok"
    path, data = _file(tmp_path, 3 * PART)
    key = unique("trap/big")
    r = oss2.resumable_upload(bucket, key, str(path), headers=headers, multipart_threshold=PART, part_size=PART,
                              store=oss2.ResumableStore(root=str(tmp_path / "cp")))
    assert r.status == 200 and bucket.get_object(key).read() == data
    assert callback_server.count() == n + 1  # no callback for the multipart upload
    rec = emulator.last_record
    assert rec.operation == "CompleteMultipartUpload" and rec.outcome == "stored" and rec.callback is None


def test_callback_on_complete_multipart_upload_fires(bucket, emulator, callback_server, tmp_path):
    """The fix: put the callback on CompleteMultipartUpload itself, by hand or with the kit's upload()."""
    key = unique("trap/fixed")
    data = os.urandom(2 * PART + 7)
    upload_id = bucket.init_multipart_upload(key).upload_id
    parts = []
    for n, start in enumerate(range(0, len(data), PART), 1):
        parts.append(oss2.models.PartInfo(n, bucket.upload_part(key, upload_id, n, data[start:start + PART]).etag))
    n = callback_server.count()
    r = bucket.complete_multipart_upload(key, upload_id, parts,
                                         headers={"x-oss-callback": _callback(callback_server.url("/ok"))})
    assert r.status == 200 and json.loads(r.resp.read())["Status"] == "OK"
    got = callback_server.since(n)
    assert len(got) == 1 and got[0].verified and got[0].body == f"object={key.replace('/', '%2F')}&size={len(data)}".encode()

    path = tmp_path / "kit.bin"
    path.write_bytes(data)
    outcome = upload(UploadTarget.for_emulator(emulator), unique("trap/kit"), path, operation="Multipart",
                     callback={"callbackUrl": callback_server.url("/ok"), "callbackBody": "object=${object}&size=${size}"},
                     part_size=PART)
    assert outcome.callback_ok and emulator.last_record.operation == "CompleteMultipartUpload"
