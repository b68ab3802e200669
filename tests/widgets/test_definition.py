"""Callback definitions as the cell magic and the builder read them, validated as OSS does."""

from __future__ import annotations

import pytest

from osscb_notebook.callback import render_body
from osscb_notebook.errors import CallbackParamError
from osscb_notebook.params import (
    CallbackParams,
    CallbackVars,
    decode_callback,
    decode_callback_var,
    render_transports,
)
from osscb_notebook.widgets.definition import Definition, parse_definition, sample_facts
from osscb_notebook.widgets.snippets import oss2_snippet, sdk_v2_snippet


def test_key_value_lines_split_callback_and_vars() -> None:
    cb, var = parse_definition(
        "# a comment\ncallbackUrl: http://example.com:8080/cb?a=1\ncallbackBody: a=${x:uid}\n"
        "callbackSNI: true\nx:uid: 42\n"
    )
    assert cb == {"callbackUrl": "http://example.com:8080/cb?a=1", "callbackBody": "a=${x:uid}", "callbackSNI": True}
    assert var == {"x:uid": "42"}  # numbers stay text: callback-var values are strings


def test_json_forms() -> None:
    flat = parse_definition('{"callbackUrl": "http://h/cb", "callbackBody": "a=1", "x:k": "v"}')
    nested = parse_definition('{"callback": {"callbackUrl": "http://h/cb", "callbackBody": "a=1"}, "callback-var": {"x:k": "v"}}')
    assert flat == nested == ({"callbackUrl": "http://h/cb", "callbackBody": "a=1"}, {"x:k": "v"})


def test_unparseable_text_is_oss_not_json_error() -> None:
    with pytest.raises(CallbackParamError) as err:
        parse_definition("callbackUrl http://h/cb")
    assert err.value.ec == "0007-00000003"
    assert "Line 1" in err.value.hint
    d = Definition.from_text("{not json")
    assert d.error is not None and d.error.oss_message == "The callback configuration is not json format."


def test_valid_definition_matches_core() -> None:
    d = Definition.from_text("callbackUrl: http://example.com/cb\ncallbackBody: object=${object}&u=${x:uid}\nx:uid: 7\n")
    assert d.ok
    params = CallbackParams.from_json({"callbackUrl": "http://example.com/cb", "callbackBody": "object=${object}&u=${x:uid}"})
    expected = render_transports(params, CallbackVars({"x:uid": "7"}))
    assert d.transports == expected
    assert decode_callback(d.transports.callback) == params
    assert decode_callback_var(d.transports.callback_var or "").to_json() == {"x:uid": "7"}
    facts = sample_facts()
    assert d.preview == render_body(params.body, params.body_type, facts, {"x:uid": "7"})
    assert d.preview.text == "object=uploads%2Fphoto%201.jpg&u=7"
    assert d.warnings == []
    text = d.render_text()
    assert expected.callback in text and "x-oss-callback-var" in text and "x:uid = 7" in text


@pytest.mark.parametrize(
    ("text", "message", "ec"),
    [
        ("callbackUrl: http://h/cb\ncallbackBody: ", "The callback body is empty.", "0007-00000011"),
        ('callbackUrl: http://h/cb\ncallbackBody: a=1\ncallbackSNI: "true"', "The callback sni is invalid.", None),
        ("callbackUrl: http://h:port/cb\ncallbackBody: a=1", "The callback url configuration is invalid.", "0007-00000004"),
        ("callbackUrl: http://h/cb\ncallbackBody: a=${x:Uid}\nx:Uid: 1", "The callback var is not expecten json.", "0007-00000103"),
        ('{"callbackUrl":"http://h/cb","callbackBody":"a=1","additionalHeaders":{"x-oss-a":"1"}}',
         "The callback additional headers is invalid.", "0007-00000026"),
    ],
)
def test_invalid_definitions_show_oss_message_ec_and_hint(text: str, message: str, ec: str | None) -> None:
    d = Definition.from_text(text)
    assert not d.ok and d.error is not None
    assert d.error.oss_message == message and d.error.ec == ec
    shown = repr(d)
    assert shown.startswith("OSS would reject this callback.") and message in shown and "hint:" in shown
    assert "Traceback" not in shown and message in d._repr_html_()
    assert d.snippets() == {}


def test_warnings_for_what_oss_accepts_but_surprises() -> None:
    d = Definition.from_text(
        "callbackUrl: https://127.0.0.1:9000/cb\ncallbackBody: a=${Object}&b=${x:missing}\nx:unused: 1\n"
    )
    assert d.ok
    joined = "\n".join(d.warnings)
    assert "${Object} is not an OSS system variable" in joined
    assert "${x:missing} has no value" in joined
    assert "x:unused is defined but callbackBody does not reference it" in joined
    assert "Private address is forbidden to callback." in joined
    assert "callbackSNI" in joined


def test_snippets_are_valid_python_that_check_203() -> None:
    d = Definition.from_text("callbackUrl: http://example.com/cb\ncallbackBody: a=${object}\nx:uid: 1\n")
    assert d.params is not None
    oss2_code, v2_code = oss2_snippet(d.params, d.variables), sdk_v2_snippet(d.params, d.variables)
    for code in (oss2_code, v2_code):
        compile(code, "<snippet>", "exec")
        assert "== 203" in code
    # credentials come from the environment, never inlined
    assert 'os.environ["OSS_ACCESS_KEY_SECRET"]' in oss2_code
    assert "EnvironmentVariableCredentialsProvider()" in v2_code
    snippets = d.snippets()
    assert set(snippets) == {"header", "query", "form", "oss2", "sdk_v2"}
    assert snippets["header"].startswith("x-oss-callback: ")
    assert '<input type="hidden" name="x:uid" value="1">' in snippets["form"]


def test_a_token_in_the_callback_url_is_never_shown() -> None:
    token = "feedfacefeedfacefeedface"
    d = Definition.from_text(f"callbackUrl: http://h/cb?token={token}\ncallbackBody: a=1\n")
    d.secrets = (token,)
    d.show_snippets = True
    assert d.ok and d.transports is not None
    for shown in (repr(d), d._repr_html_()):
        assert token not in shown and d.transports.callback not in shown
        assert "***" in shown
