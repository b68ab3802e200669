"""Body templating, checked against bodies real OSS produced (spec §1.3, vectors G2/G3)."""

from __future__ import annotations

import json
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from osscb_notebook.callback import UploadFacts, render_body, variables_in
from osscb_notebook.params import FORM, JSON

FACTS = UploadFacts(
    bucket="examplebucket", object="dir/a b+c.jpg", etag='"d8e8fca2dc0f896fd7cb4cb0031ba249"', size=112595,
    mime_type="image/jpeg", crc64=18446744073709551615, content_md5="1B2M2Y8AsgTpgAmY7PhCfg==",
    image_height=539, image_width=810, image_format="jpg", client_ip="100.20.30.40",
    req_id="55F6BF87207FB30F2640C548", operation="PutObject",
)


def test_form_body_percent_encodes_like_oss_g3() -> None:
    facts = UploadFacts(bucket="b", object="zmaplex/20210407_14:31:41_286180/20200130021612_pnfqp.jpg", etag="x", size=112595)
    body = render_body("filename=${object}&size=${size}", FORM, facts).text
    assert body == "filename=zmaplex%2F20210407_14%3A31%3A41_286180%2F20200130021612_pnfqp.jpg&size=112595"


def test_json_body_quotes_strings_and_leaves_numbers_bare_like_oss_g2() -> None:
    facts = UploadFacts(bucket="b", object="1/1_hFRtDLgM_2f7b.jpg", etag="x", size=114020, image_width=810, image_height=539)
    template = '{"name":${x:fname},"source_name":${object},"size":${size},"pic_info":"${imageInfo.width},${imageInfo.height}"}'
    body = render_body(template, JSON, facts, {"x:fname": "2f7b.jpg"}).text
    assert body == '{"name":"2f7b.jpg","source_name":"1/1_hFRtDLgM_2f7b.jpg","size":114020,"pic_info":"810,539"}'


def test_every_system_variable_in_json() -> None:
    template = "{" + ",".join(f'"{n}":${{{n}}}' for n in (
        "bucket", "object", "etag", "size", "mimeType", "imageInfo.height", "imageInfo.width", "imageInfo.format",
        "crc64", "contentMd5", "vpcId", "clientIp", "reqId", "operation")) + "}"
    out = json.loads(render_body(template, JSON, FACTS).body)
    assert out == {
        "bucket": "examplebucket", "object": "dir/a b+c.jpg", "etag": "D8E8FCA2DC0F896FD7CB4CB0031BA249",
        "size": 112595, "mimeType": "image/jpeg", "imageInfo.height": 539, "imageInfo.width": 810,
        "imageInfo.format": "jpg", "crc64": 18446744073709551615, "contentMd5": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "vpcId": None, "clientIp": "100.20.30.40", "reqId": "55F6BF87207FB30F2640C548", "operation": "PutObject",
    }


def test_form_mode_encodes_space_slash_plus_and_leaves_empty_image_fields_empty() -> None:
    facts = UploadFacts(bucket="b", object="a b/c+d~e", etag="x", size=1, mime_type="text/plain")
    body = render_body("o=${object}&m=${mimeType}&h=${imageInfo.height}&f=${imageInfo.format}", FORM, facts).text
    assert body == "o=a%20b%2Fc%2Bd~e&m=text%2Fplain&h=&f="


def test_unknown_variables_become_empty_and_are_reported() -> None:
    r = render_body("a=${foo}&b=${x:missing}&c=${Bucket}", FORM, FACTS)
    assert r.text == "a=&b=&c="
    assert r.unknown == ("foo", "x:missing", "Bucket")
    assert render_body('{"a":${foo}}', JSON, FACTS).text == '{"a":""}'


def test_only_literal_dollar_brace_is_substituted() -> None:
    # A template URL-encoded by the client (http_build_query) reaches the server literally.
    assert render_body("b=%24%7Bbucket%7D&c=$(bucket)", FORM, FACTS).text == "b=%24%7Bbucket%7D&c=$(bucket)"


def test_custom_variables_are_json_strings_even_when_numeric() -> None:
    assert render_body('{"uid":${x:uid}}', JSON, FACTS, {"x:uid": "12345"}).text == '{"uid":"12345"}'


def test_variables_in() -> None:
    assert variables_in("a=${bucket}&b=${x:uid}") == ["bucket", "x:uid"]


UTF8_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)))


@given(UTF8_TEXT, UTF8_TEXT)
def test_form_values_round_trip_through_percent_decoding(obj: str, custom: str) -> None:
    facts = UploadFacts(bucket="b", object=obj, etag="x", size=0)
    body = render_body("o=${object}&c=${x:c}", FORM, facts, {"x:c": custom}).text
    obj_out, custom_out = body.split("&")  # values never carry a raw '&'
    assert unquote(obj_out[2:]) == obj
    assert unquote(custom_out[2:]) == custom


@given(UTF8_TEXT, st.integers(min_value=0, max_value=2**64 - 1), UTF8_TEXT)
def test_json_bodies_always_parse_and_carry_values(obj: str, size: int, custom: str) -> None:
    facts = UploadFacts(bucket="b", object=obj, etag="x", size=size)
    rendered = render_body('{"o":${object},"s":${size},"c":${x:c}}', JSON, facts, {"x:c": custom})
    assert json.loads(rendered.body) == {"o": obj, "s": size, "c": custom}
