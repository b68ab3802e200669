"""Callback parameters: model, Base64 JSON codec, OSS's validation messages, transports."""

from __future__ import annotations

import base64
import json

import pytest

from osscb_notebook.errors import CallbackParamError
from osscb_notebook.params import (
    FORM,
    JSON,
    CallbackParams,
    CallbackVars,
    decode_callback,
    decode_callback_var,
    encode_callback,
    encode_callback_var,
    parse_callback_url,
    pick_transport,
    render_transports,
    split_callback_urls,
)
from osscb_notebook.params.urls import is_private_address

# The seed document's own example (Base64 and the JSON it stands for).
SEED_CALLBACK_B64 = (
    "eyJjYWxsYmFja0hvc3QiOiAieW91ci5jYWxsYmFjay5jb20iLCAiY2FsbGJhY2tVcmwiOiAiaHR0cDovL29zcy1kZW1vLmFsaXl1bmNz"
    "LmNvbToyMzQ1MCIsICJjYWxsYmFja0JvZHkiOiAiYnVja2V0PSR7YnVja2V0fSZvYmplY3Q9JHtvYmplY3R9JnVpZD0ke3g6dWlkfSZv"
    "cmRlcj0ke3g6b3JkZXJfaWR9IiwgImNhbGxiYWNrQm9keVR5cGUiOiAiYXBwbGljYXRpb24veC13d3ctZm9ybS11cmxlbmNvZGVkIiwg"
    "ImNhbGxiYWNrU05JIjogZmFsc2V9"
)
SEED_CALLBACK = {
    "callbackUrl": "http://oss-demo.aliyuncs.com:23450",
    "callbackHost": "your.callback.com",
    "callbackBody": "bucket=${bucket}&object=${object}&uid=${x:uid}&order=${x:order_id}",
    "callbackBodyType": "application/x-www-form-urlencoded",
    "callbackSNI": False,
}
SEED_VAR_B64 = "eyJ4OnVpZCI6ICIxMjM0NSIsICJ4Om9yZGVyX2lkIjogIjY3ODkwIn0="
SEED_VAR = {"x:uid": "12345", "x:order_id": "67890"}


def b64(obj: object) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def test_seed_callback_decodes_to_seed_json() -> None:
    params = decode_callback(SEED_CALLBACK_B64)
    assert params.to_json() == SEED_CALLBACK
    assert params.url == "http://oss-demo.aliyuncs.com:23450"
    assert params.host == "your.callback.com"
    assert params.sni is False
    assert params.body_type == FORM


def test_seed_callback_var_decodes_to_seed_json() -> None:
    assert decode_callback_var(SEED_VAR_B64).to_json() == SEED_VAR


def test_our_encoding_of_seed_json_round_trips() -> None:
    encoded = encode_callback(SEED_CALLBACK)
    assert json.loads(base64.b64decode(encoded)) == SEED_CALLBACK
    assert decode_callback(encoded).to_json() == SEED_CALLBACK
    assert decode_callback_var(encode_callback_var(SEED_VAR)).to_json() == SEED_VAR


def _error(value: str, var: bool = False) -> CallbackParamError:
    with pytest.raises(CallbackParamError) as info:
        (decode_callback_var if var else decode_callback)(value)
    return info.value


@pytest.mark.parametrize(
    ("value", "message", "ec"),
    [
        ("x123-*&", "The callback configuration is not base64 encoded.", "0007-00000002"),
        (base64.b64encode(b'{"callbackUrl":"a.com","callbackBody":"{"bucket":${bucket}}"}').decode(),
         "The callback configuration is not json format.", "0007-00000003"),
        (base64.b64encode(b"[1,2]").decode(), "The callback configuration is not json format.", "0007-00000003"),
        (b64({"callbackUrl": "a.com", "callbackBody": ""}), "The callback body is empty.", "0007-00000011"),
        (b64({"callbackUrl": "a.com", "callbackBody": ["x"]}), "The callback body is invalid.", "0007-00000010"),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=${bucket"}), "The callback body is invalid.", "0007-00000010"),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=1", "callbackBodyType": 123}),
         "The callback body type configuration is invalid.", "0007-00000012"),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=1", "callbackBodyType": "text/plain"}),
         "The body type of callback is not supported.", None),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=1", "callbackSNI": "true"}), "The callback sni is invalid.", None),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=1", "callbackHost": [1, 2, 3]}),
         "The callback host configuration is invalid.", "0007-00000009"),
        (b64({"callbackUrl": "www.callback-example.com:test", "callbackBody": "a=1"}),
         "The callback url configuration is invalid.", "0007-00000004"),
        (b64({"callbackUrl": "10.101.166.30:test", "callbackBody": "a=1"}),
         "The callback url configuration is invalid.", "0007-00000004"),
        (b64({"callbackUrl": "http://[::1]:80/cb", "callbackBody": "a=1"}),
         "The callback url configuration is invalid.", "0007-00000004"),
        (b64({"callbackBody": "a=1"}), "The callback url configuration is invalid.", "0007-00000004"),
        (b64({"callbackUrl": ";".join(f"https://callback{i}.com" for i in range(1, 7)) + ";", "callbackBody": "a=1"}),
         "The number of callback url exceed max value.", "0007-00000005"),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=1", "signatureVersion": "3.0"}),
         "The callback signature version is invalid.", None),
        (b64({"callbackUrl": "a.com", "callbackBody": "a=1", "additionalHeaders": {"x-oss-foo": "1"}}),
         "The callback additional headers is invalid.", "0007-00000026"),
        ("A" * 5121, "The length of callback exceed max value.", "0007-00000001"),
    ],
)
def test_callback_errors_carry_oss_message_and_ec(value: str, message: str, ec: str | None) -> None:
    err = _error(value)
    assert err.oss_message == message
    assert err.ec == ec
    assert err.argument_name == "callback"
    assert err.code == "InvalidArgument" and err.status == 400
    assert err.hint  # every error says what to do


def test_not_json_error_echoes_the_decoded_text() -> None:
    raw = '{"callbackUrl":"8.8.8.8:9090","callbackBody":"{"bucket":${bucket}}"}'
    err = _error(base64.b64encode(raw.encode()).decode())
    assert err.argument_value == raw


@pytest.mark.parametrize(
    ("value", "message", "ec"),
    [
        ("%%%", "The callback var is not base64 encoded.", "0007-00000102"),
        (b64(["x:a"]), "The callback var is not expecten json.", "0007-00000103"),
        (b64({"x:UID": "1"}), "The callback var is not expecten json.", "0007-00000103"),
        (b64({"x:uid": 1}), "The callback var is not expecten json.", "0007-00000103"),
        ("A" * 5121, "The length of callback var exceed max value.", "0007-00000101"),
    ],
)
def test_callback_var_errors(value: str, message: str, ec: str) -> None:
    err = _error(value, var=True)
    assert (err.oss_message, err.ec, err.argument_name) == (message, ec, "callback-var")


def test_five_urls_and_a_trailing_semicolon_are_fine() -> None:
    urls = ";".join(f"https://callback{i}.com/cb" for i in range(1, 6)) + ";"
    params = CallbackParams.from_json({"callbackUrl": urls, "callbackBody": "a=1"})
    assert [t.host for t in params.targets] == [f"callback{i}.com" for i in range(1, 6)]


def test_empty_callback_url_means_no_callback() -> None:
    assert not CallbackParams.from_json({"callbackUrl": "", "callbackBody": "a=1"}).enabled


def test_url_without_scheme_defaults_to_http_and_keeps_raw_target() -> None:
    t = parse_callback_url("121.43.113.8:23456/index.html?a=%2F&b=1")
    assert (t.scheme, t.host, t.port, t.path, t.query) == ("http", "121.43.113.8", 23456, "/index.html", "a=%2F&b=1")
    assert t.target == "/index.html?a=%2F&b=1"
    assert parse_callback_url("https://Example.com").path == "/"
    assert parse_callback_url("https://Example.com").port == 443


def test_split_counts_only_non_empty_segments() -> None:
    assert split_callback_urls("a.com; ;b.com;") == ["a.com", "b.com"]


def test_private_address_literals() -> None:
    for host in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.4", "localhost", "bucket.localhost", "0.0.0.0"):
        assert is_private_address(host), host
    for host in ("8.8.8.8", "oss-demo.aliyuncs.com"):
        assert not is_private_address(host), host


def test_callback_vars_must_be_lowercase_x_keys() -> None:
    assert CallbackVars({"x:uid": "1"}).to_json() == {"x:uid": "1"}
    with pytest.raises(CallbackParamError):
        CallbackVars({"x:Uid": "1"})


def test_body_type_json_accepted_case_insensitively() -> None:
    p = CallbackParams.from_json({"callbackUrl": "a.com", "callbackBody": "{}", "callbackBodyType": "Application/JSON"})
    assert p.body_type == JSON


def test_unknown_fields_pass_through() -> None:
    obj = {"callbackUrl": "a.com", "callbackBody": "a=1", "callbackPolicy": "p1"}
    assert CallbackParams.from_json(obj).to_json()["callbackPolicy"] == "p1"


def test_transports() -> None:
    params = decode_callback(SEED_CALLBACK_B64)
    t = render_transports(params, CallbackVars(SEED_VAR))
    assert t.headers == {"x-oss-callback": t.callback, "x-oss-callback-var": t.callback_var}
    assert t.query == {"callback": t.callback, "callback-var": t.callback_var}
    # In a PostObject form each x: variable is its own field; no callback-var blob.
    assert t.form_fields == {"callback": t.callback, "x:uid": "12345", "x:order_id": "67890"}
    assert t.policy_condition == {"callback": t.callback}
    assert "callback=" in t.query_string and "callback-var=" in t.query_string
    assert render_transports(params).callback_var is None


def test_header_and_query_together_is_the_documented_400() -> None:
    with pytest.raises(CallbackParamError) as info:
        pick_transport("a", "b")
    assert info.value.ec == "0007-00000027"
    assert info.value.oss_message.startswith("Either the callback query string parameter")
    with pytest.raises(CallbackParamError) as info:
        pick_transport("a", "b", var=True)
    assert "callback-var query string" in info.value.oss_message
    assert pick_transport(None, "q") == "q" and pick_transport("h", None) == "h" and pick_transport(None, None) is None


def test_encode_rejects_oversized_callback() -> None:
    with pytest.raises(CallbackParamError) as info:
        encode_callback({"callbackUrl": "a.com", "callbackBody": "a=" + "x" * 5000})
    assert info.value.ec == "0007-00000001"


@pytest.mark.parametrize(("host", "documented"), [("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.9", True),
                                                  ("localhost", True), ("169.254.169.254", False), ("0.0.0.0", False)])
def test_the_private_address_lint_claims_a_real_oss_400_only_for_documented_ranges(host: str, documented: bool) -> None:
    """Review B19: OSS documents refusing loopback and RFC 1918; the other ranges are the kit's extrapolation."""
    from osscb_notebook.params.definition import CallbackDefinition

    lines = CallbackDefinition.evaluate({"callbackUrl": f"http://{host}/cb", "callbackBody": "o=${object}"}).warnings
    (line,) = [x for x in lines if "private address" in x]
    assert ("real OSS answers 400" in line) is documented
    assert ("the kit treats this as private" in line) is (not documented)


def test_the_unknown_variable_lint_does_not_state_what_oss_sends() -> None:
    """Review B18: what OSS puts in place of an unknown variable is undocumented."""
    from osscb_notebook.params.definition import CallbackDefinition

    lines = CallbackDefinition.evaluate({"callbackUrl": "http://example.com/cb", "callbackBody": "u=${x:uid}"}).warnings
    assert any("undocumented (the kit sends it empty)" in x for x in lines), lines
