"""The callback builder, driven through the widget API as a user would."""

from __future__ import annotations

import json

from osscb_notebook.params import FORM, JSON, decode_callback, decode_callback_var
from osscb_notebook.widgets import CallbackBuilder


def test_default_is_valid_and_base64_round_trips() -> None:
    b = CallbackBuilder()
    assert b.valid and b.error_message == ""
    params = decode_callback(b.callback_b64)
    assert params.url == b.url.value and params.body == b.body.value and params.body_type == FORM
    assert decode_callback_var(b.callback_var_b64).to_json() == {"x:uid": "42"}
    assert b.params == params


def test_emptying_the_body_shows_oss_message_live() -> None:
    b = CallbackBuilder()
    b.body.value = ""
    assert not b.valid and b.callback_b64 == ""
    assert "The callback body is empty." in b.error_message and "0007-00000011" in b.error_message
    assert "The callback body is empty." in b.status.value
    assert "Fix the error above" in b.snippet_views["oss2"].value
    b.body.value = "a=${bucket}"
    assert b.valid


def test_palette_inserts_variables_for_each_body_type() -> None:
    b = CallbackBuilder(body="", variables={})
    button = next(x for x in b.palette_system.children if x.description == "${object}")
    button.click()
    assert b.body.value == "object=${object}"
    b.insert_variable("imageInfo.width")
    assert b.body.value == "object=${object}&width=${imageInfo.width}"
    b.body_type.value = JSON
    b.body.value = "{}"
    b.insert_variable("size")
    b.insert_variable("bucket")
    assert b.body.value == '{"size":${size},"bucket":${bucket}}'
    assert b.valid
    preview = json.loads(b.definition.preview.text)  # type: ignore[union-attr]
    assert preview == {"size": 26, "bucket": "demo"}


def test_custom_variable_rows_and_their_palette() -> None:
    b = CallbackBuilder(body="a=1", variables={})
    assert b.callback_var_b64 == ""
    b.add_var.click()
    row = b.var_rows.children[-1]
    row.key.value = "x:order"
    row.value.value = "A-1"
    assert [x.description for x in b.palette_custom.children] == ["${x:order}"]
    b.palette_custom.children[0].click()
    assert b.body.value == "a=1&order=${x:order}"
    assert decode_callback_var(b.callback_var_b64).to_json() == {"x:order": "A-1"}
    assert "order=A-1" in b.snippet_views["Preview"].value
    row.key.value = "x:Order"  # OSS wants lowercase keys
    assert not b.valid and "0007-00000103" in b.error_message
    row.remove.click()
    assert b.var_rows.children == () and b.palette_custom.children == ()


def test_every_field_reaches_the_callback_json() -> None:
    b = CallbackBuilder(url="https://example.com/cb", body="a=${object}", variables={})
    b.host.value = "cb.example.com"
    b.sni.value = True  # the JSON boolean, shown as "true"
    b.signature_version.value = "1.0"
    b.additional_headers.value = "x-trace: 1"
    decoded = decode_callback(b.callback_b64).to_json()
    assert decoded == {
        "callbackUrl": "https://example.com/cb", "callbackHost": "cb.example.com", "callbackBody": "a=${object}",
        "callbackBodyType": FORM, "callbackSNI": True, "signatureVersion": "1.0", "additionalHeaders": {"x-trace": "1"},
    }
    b.additional_headers.value = "x-oss-meta: 1"
    assert "0007-00000026" in b.error_message
    b.additional_headers.value = ""
    b.signature_version.value = "2.0"
    # OSS accepts 2.0; the kit cannot sign it and says so in its own words, not OSS's
    assert "The callback signature version is invalid." not in b.error_message
    assert "The kit cannot sign callbacks with signatureVersion 2.0" in b.error_message
    assert "not OSS's: OSS accepts 2.0" in b.error_message
    b.signature_version.value = "1.0"
    assert b.valid


def test_load_fills_the_fields() -> None:
    b = CallbackBuilder()
    b.load({"callbackUrl": "http://h/cb", "callbackBody": '{"k":${etag}}', "callbackBodyType": JSON, "callbackSNI": False},
           {"x:a": "1"})
    assert (b.url.value, b.body_type.value, b.sni.value, b.sni.label) == ("http://h/cb", JSON, False, "false")
    assert b.vars_object() == {"x:a": "1"}
    assert b.valid
    assert '"k":"' in b.definition.preview.text  # type: ignore[union-attr]  # etag is a JSON string


def test_text_repr_for_non_widget_frontends() -> None:
    b = CallbackBuilder()
    bundle = b._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == repr(b)
    assert b.callback_b64 in bundle["text/plain"]  # not truncated at 110 characters like the base class
    b.body.value = ""
    assert "The callback body is empty." in repr(b)


def test_secrets_are_masked_everywhere_shown() -> None:
    token = "0123456789abcdef0123456789abcdef"
    b = CallbackBuilder(url=f"https://lab.example.com/proxy/absolute/9000/cb?token={token}", secrets=(token,))
    assert b.valid and token in decode_callback(b.callback_b64).url  # the real value still works
    shown = repr(b) + "".join(v.value for v in b.snippet_views.values()) + b.status.value
    assert token not in shown and b.callback_b64 not in shown
    assert "hidden: carries a secret token" in shown
