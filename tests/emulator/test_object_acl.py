"""Object ACLs (issue #20 item 2): ``x-oss-object-acl`` on PutObject, PostObject, CopyObject,
InitiateMultipartUpload and CompleteMultipartUpload (accepted and ignored on UploadPart), and
PutObjectAcl / GetObjectAcl, through oss2 and alibabacloud-oss-v2.

Sources: oss2's live ``test_object.py::test_object_acl`` (a new object reads ``default``; each ACL
reads back) and ``test_multipart.py::test_multipart_yes``; the Swift SDK V2's integration test
``ClientObjectACLTests`` (an unknown ACL is 400 InvalidArgument ``no such object access control
exists``, EC 0017-00000104; GetObjectAcl of a missing key is 404 NoSuchKey); OSS's EC page
0017-00000105 (PutObjectAcl without the header); alibabacloud-oss-v2's request models (the header
belongs to PutObject, CopyObject, PutObjectAcl and CompleteMultipartUpload).
"""

from __future__ import annotations

import alibabacloud_oss_v2 as ossv2
import httpx
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import unique
from tests.emulator.test_postobject import _post, _v1_fields


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):  # type: ignore[no-untyped-def]
    return bucket if request.param == "v1" else bucket_v4


def _refused(info: pytest.ExceptionInfo[oss2.exceptions.ServerError], ec: str) -> None:
    assert (info.value.status, info.value.code) == (400, "InvalidArgument")
    assert info.value.message == "no such object access control exists" and info.value.details["EC"] == ec


def test_put_object_with_an_acl(any_bucket: oss2.Bucket) -> None:
    key = unique("acl/put")
    any_bucket.put_object(key, b"x", headers={"x-oss-object-acl": oss2.OBJECT_ACL_PUBLIC_READ})
    assert any_bucket.get_object_acl(key).acl == "public-read"


def test_an_unknown_acl_is_refused_before_storing(any_bucket: oss2.Bucket) -> None:
    key = unique("acl/bad")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        any_bucket.put_object(key, b"x", headers={"x-oss-object-acl": "public"})
    _refused(info, "0017-00000104")
    assert not any_bucket.object_exists(key)
    any_bucket.put_object(key, b"x")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        any_bucket.put_object_acl(key, "invalid")
    _refused(info, "0017-00000104")
    assert any_bucket.get_object_acl(key).acl == "default"


def test_put_object_acl_needs_the_header(bucket: oss2.Bucket) -> None:
    key = unique("acl/none")
    bucket.put_object(key, b"x")
    url = bucket.sign_url("PUT", key, 60, params={"acl": ""})
    r = httpx.put(url)
    assert r.status_code == 400 and b"<EC>0017-00000105</EC>" in r.content


def test_put_object_acl_changes_nothing_else(any_bucket: oss2.Bucket) -> None:
    key = unique("acl/same")
    any_bucket.put_object(key, b"bytes", headers={"x-oss-meta-a": "1"})
    before = any_bucket.head_object(key)
    any_bucket.put_object_acl(key, oss2.OBJECT_ACL_PRIVATE)
    after = any_bucket.head_object(key)
    assert (after.etag, after.last_modified, after.headers["x-oss-meta-a"]) == (before.etag, before.last_modified, "1")
    assert any_bucket.get_object(key).read() == b"bytes"


def test_acl_of_a_missing_object_is_no_such_key(any_bucket: oss2.Bucket) -> None:
    for call in (lambda k: any_bucket.get_object_acl(k), lambda k: any_bucket.put_object_acl(k, "private")):
        with pytest.raises(oss2.exceptions.NoSuchKey):
            call(unique("acl/missing"))


def test_a_new_upload_replaces_the_acl(any_bucket: oss2.Bucket) -> None:
    key = unique("acl/replace")
    any_bucket.put_object(key, b"1", headers={"x-oss-object-acl": "private"})
    any_bucket.put_object(key, b"2")
    assert any_bucket.get_object_acl(key).acl == "default"


def test_copy_takes_its_own_acl_not_the_sources(any_bucket: oss2.Bucket) -> None:
    src, plain, public = unique("acl/src"), unique("acl/copy"), unique("acl/copy-pr")
    any_bucket.put_object(src, b"x", headers={"x-oss-object-acl": "private"})
    any_bucket.copy_object("demo", src, plain)
    any_bucket.copy_object("demo", src, public, headers={"x-oss-object-acl": "public-read"})
    assert [any_bucket.get_object_acl(k).acl for k in (src, plain, public)] == ["private", "default", "public-read"]


def test_multipart_acl_from_initiate_unless_complete_names_one(any_bucket: oss2.Bucket) -> None:
    def upload(key: str, init: dict[str, str], complete: dict[str, str]) -> str:
        upload_id = any_bucket.init_multipart_upload(key, headers=init).upload_id
        part = any_bucket.upload_part(key, upload_id, 1, b"part", headers={"x-oss-object-acl": "public-read-write"})
        any_bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, part.etag)], headers=complete)
        return str(any_bucket.get_object_acl(key).acl)

    assert upload(unique("acl/mp"), {}, {}) == "default"  # the part's ACL header counts for nothing
    assert upload(unique("acl/mp"), {"x-oss-object-acl": "public-read"}, {}) == "public-read"
    assert upload(unique("acl/mp"), {"x-oss-object-acl": "public-read"}, {"x-oss-object-acl": "private"}) == "private"
    with pytest.raises(oss2.exceptions.ServerError) as info:
        any_bucket.init_multipart_upload(unique("acl/mp"), headers={"x-oss-object-acl": "nope"})
    _refused(info, "0017-00000104")


def test_post_object_acl_field(emulator: Emulator, bucket: oss2.Bucket) -> None:
    key = unique("post/acl")
    fields = {"key": key, "x-oss-object-acl": "public-read",
              **_v1_fields(emulator, [{"bucket": "demo"}, ["starts-with", "$key", "post/"]])}
    assert _post(emulator, fields).status_code == 204
    assert bucket.get_object_acl(key).acl == "public-read"


def test_v2_sdk_object_acl(client_v2: ossv2.Client) -> None:
    key = unique("acl/v2")
    client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=b"x", acl="private"))
    got = client_v2.get_object_acl(ossv2.GetObjectAclRequest(bucket="demo", key=key))
    assert got.acl == "private" and got.owner.id
    client_v2.put_object_acl(ossv2.PutObjectAclRequest(bucket="demo", key=key, acl="public-read-write"))
    assert client_v2.get_object_acl(ossv2.GetObjectAclRequest(bucket="demo", key=key)).acl == "public-read-write"


def test_an_acl_opens_nothing_to_anonymous_requests(emulator: Emulator, bucket: oss2.Bucket) -> None:
    """A deliberate difference: OSS would serve a public-read object to anyone; the emulator stores
    and reports ACLs but refuses every anonymous request (README)."""
    key = unique("acl/anon")
    bucket.put_object(key, b"x", headers={"x-oss-object-acl": "public-read"})
    r = httpx.get(f"{emulator.endpoint}/demo/{key}")
    assert r.status_code == 403


def test_other_methods_with_acl_on_an_object_touch_nothing(bucket: oss2.Bucket) -> None:
    key = unique("acl/delete")
    bucket.put_object(key, b"kept")
    for method in ("DELETE", "POST"):
        url = bucket.sign_url(method, key, 60, params={"acl": ""})
        assert httpx.request(method, url).status_code == 501
    assert bucket.get_object(key).read() == b"kept"
