"""What OSS does with callback-var keys (docs/callback-var-keys.md): a JSON object of string
values is accepted; keys without ``x:`` are ignored; ``x:`` keys must be lowercase names."""

from __future__ import annotations

import base64
import json

import pytest

from osscb_notebook.errors import CallbackParamError
from osscb_notebook.params import (
    CallbackVars,
    decode_callback_var,
    ignored_var_keys,
    is_custom_var_key,
)


def b64(obj: object) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def test_keys_without_x_prefix_are_accepted_and_ignored() -> None:
    # the object oss2's own test_sign_url_with_callback sends, which OSS answers with 203
    sent = {"callbackUrl": "http://cbsrv.oss.demo.com", "callbackBody": "bucket=${bucket}&object=${object}"}
    assert decode_callback_var(b64(sent)).to_json() == {}
    assert decode_callback_var(b64({"uid": "1", "x:uid": "2"})).to_json() == {"x:uid": "2"}
    assert ignored_var_keys({"uid": "1", "x:uid": "2", "X:uid": "3"}) == ["uid", "X:uid"]


@pytest.mark.parametrize("obj", [{"x:UID": "1"}, {"x:": "1"}, {"uid": 1}, {"x:a": ["b"]}, ["x:a"]])
def test_still_refused(obj: object) -> None:
    with pytest.raises(CallbackParamError) as info:
        decode_callback_var(b64(obj))
    assert info.value.ec == "0007-00000103"


def test_the_kit_builds_only_custom_variables() -> None:
    assert is_custom_var_key("x:uid") and not is_custom_var_key("uid") and not is_custom_var_key("x:Uid")
    with pytest.raises(CallbackParamError):
        CallbackVars({"uid": "1"})


def test_the_builder_definition_accepts_an_unprefixed_key_with_a_warning_as_oss_does() -> None:
    from osscb_notebook.params.definition import CallbackDefinition

    d = CallbackDefinition.evaluate({"callbackUrl": "http://127.0.0.1:9/cb", "callbackBody": "a=${x:uid}"},
                                    {"uid": "1", "x:uid": "7"})
    assert d.ok and d.error is None
    assert d.variables is not None and d.variables.to_json() == {"x:uid": "7"}
    assert any(w.startswith("uid does not start with x:") for w in d.warnings)
    upper = CallbackDefinition.evaluate({"callbackUrl": "http://127.0.0.1:9/cb", "callbackBody": "a=${x:Uid}"},
                                        {"x:Uid": "1"})
    assert not upper.ok and upper.error is not None and upper.error.ec == "0007-00000103"
