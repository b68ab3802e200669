"""UTF-8 object names in every XML body the emulator parses (issue #20 item 2): DeleteMultipleObjects
(the keys are in the body) and CompleteMultipartUpload (the key is in the URL, the body is the part
list), with Chinese names, control characters such as oss2's own ``\\x0C``, and layouts with CRLF."""

from __future__ import annotations

import base64
import hashlib

import oss2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osscb_notebook.emulator._errors import OssError
from osscb_notebook.emulator._xml import parse_xml_body
from tests.emulator.emulator_helpers import unique

NAMES = ["中文/文件.txt", "中文!@#$%^&*()-=文件\x0C-2.txt", "tab\tand\nnewline", "cr\rkey", "bell\x07\x01\x1f",
         "<hello> & 'quotes'", "emoji-\U0001F600", "private-use-\U000F0001\x0C"]


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):  # type: ignore[no-untyped-def]
    return bucket if request.param == "v1" else bucket_v4


@pytest.mark.parametrize("name", NAMES)
def test_batch_delete_keeps_every_utf8_key_as_sent(any_bucket: oss2.Bucket, name: str) -> None:
    key = unique("xml/del") + name
    other = unique("xml/del-other")
    any_bucket.put_object(key, b"x")
    any_bucket.put_object(other, b"y")
    result = any_bucket.batch_delete_objects([key])
    assert result.deleted_keys == [key]
    assert not any_bucket.object_exists(key) and any_bucket.object_exists(other)


def _post_delete(bucket: oss2.Bucket, body: bytes) -> oss2.models.RequestResult:
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    return bucket._Bucket__do_bucket("POST", data=body, params={"delete": "", "encoding-type": "url"},  # type: ignore[attr-defined]
                                     headers={"Content-MD5": md5})


def test_a_crlf_layout_with_a_control_character_in_a_key(bucket: oss2.Bucket) -> None:
    key = unique("xml/crlf") + "\x0c中"
    bucket.put_object(key, b"x")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\r\n<Delete>\r\n  <Quiet>false</Quiet>\r\n'
            f"  <Object>\r\n    <Key>{key}</Key>\r\n  </Object>\r\n</Delete>\r\n").encode()
    r = _post_delete(bucket, body)
    assert r.status == 200 and not bucket.object_exists(key)


def test_complete_multipart_upload_of_a_utf8_key_with_a_crlf_body(any_bucket: oss2.Bucket) -> None:
    key = unique("xml/mp") + "/中文文件"
    upload_id = any_bucket.init_multipart_upload(key).upload_id
    part = any_bucket.upload_part(key, upload_id, 1, b"part one")
    parts = [oss2.models.PartInfo(1, part.etag)]
    any_bucket.complete_multipart_upload(key, upload_id, parts)
    assert any_bucket.get_object(key).read() == b"part one"
    # a hand-written CRLF body (another client's layout) for a key with a control character; the
    # result names the key URL-encoded (encoding-type=url), as raw it would not be XML 1.0 either
    key2 = key + "\x0C-2"
    upload_id = any_bucket.init_multipart_upload(key2, params={"encoding-type": "url"}).upload_id
    etag = any_bucket.upload_part(key2, upload_id, 1, b"two").etag
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\r\n<CompleteMultipartUpload>\r\n<Part>\r\n'
            f"<PartNumber>1</PartNumber>\r\n<ETag>\"{etag}\"</ETag>\r\n</Part>\r\n</CompleteMultipartUpload>\r\n")
    any_bucket._Bucket__do_object("POST", key2, data=body.encode(),
                                  params={"uploadId": upload_id, "encoding-type": "url"})  # type: ignore[attr-defined]
    assert any_bucket.get_object(key2).read() == b"two"


@pytest.mark.parametrize("name", NAMES)
def test_parse_xml_body_gives_back_the_text_as_sent(name: str) -> None:
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    root = parse_xml_body(f"<Delete><Object><Key>{escaped}</Key></Object></Delete>".encode())
    assert root.findtext("Object/Key") == name


@pytest.mark.parametrize("body", [
    b"<Delete><Key>\xff\xfe</Key></Delete>",             # not UTF-8
    b"\x0c<Delete><Key>k</Key></Delete>",                 # a control character outside the root element
    b"<Delete><Key>k\x0c</Key>",                          # not closed
    b"<!DOCTYPE d [<!ENTITY e 'x'>]><Delete><Key>&e;\x0c</Key></Delete>",  # a DTD, on the slow path too
])
def test_what_stays_malformed(body: bytes) -> None:
    with pytest.raises(OssError) as info:
        parse_xml_body(body)
    assert (info.value.status, info.value.code) == (400, "MalformedXML")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), min_size=1)
       .filter(lambda t: t.strip(" \t\r\n") != ""))
def test_any_text_with_something_in_it_comes_back_as_sent(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = f'<?xml version="1.0" encoding="UTF-8"?>\r\n<Delete>\r\n<Object><Key>{escaped}</Key></Object>\r\n</Delete>'
    assert parse_xml_body(body.encode()).findtext("Object/Key") == text
