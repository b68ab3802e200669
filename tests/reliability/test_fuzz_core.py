"""Hypothesis fuzzing of the core: parameter decoding, body templating, raw-request parsing and
verification. Whatever the input, the answer is a value or a typed error, never a crash."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osscb_notebook.callback import UploadFacts, render_body
from osscb_notebook.errors import CallbackParamError, RawRequestError
from osscb_notebook.params import (
    CallbackParams,
    CallbackVars,
    decode_callback,
    decode_callback_var,
    parse_callback_url,
)
from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
callback_like = st.fixed_dictionaries(
    {},
    optional={
        "callbackUrl": st.one_of(st.text(max_size=60), json_values,
                                 st.sampled_from(["http://127.0.0.1:1/cb", "a.com;b.com", "h:0", "h:x", "h:99999", "[::1]:80", "http://[x"])),
        "callbackBody": st.one_of(st.text(max_size=60), json_values, st.just("${bucket}&${x:a}&${")),
        "callbackBodyType": st.one_of(st.text(max_size=20), json_values, st.just("application/json")),
        "callbackHost": st.one_of(st.text(max_size=20), json_values),
        "callbackSNI": json_values,
        "signatureVersion": json_values,
        "additionalHeaders": json_values,
    },
)


def b64(obj: object) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


@FUZZ
@given(st.text(max_size=300))
def test_decode_callback_any_text_is_a_model_or_oss_400(value: str) -> None:
    try:
        params = decode_callback(value)
    except CallbackParamError as exc:
        assert exc.status == 400 and exc.code == "InvalidArgument" and exc.oss_message
        return
    assert isinstance(params, CallbackParams)


@FUZZ
@given(callback_like)
def test_decode_callback_any_json_object_is_a_model_or_oss_400(obj: dict) -> None:
    try:
        params = decode_callback(b64(obj))
    except CallbackParamError as exc:
        assert exc.oss_message.startswith("The ") or "callback" in exc.oss_message.lower()
        return
    assert params.body and params.body_type in ("application/x-www-form-urlencoded", "application/json")
    for t in params.targets:  # accepted URLs are usable: scheme, host and a numeric port
        assert t.scheme in ("http", "https") and t.host and t.port > 0


@FUZZ
@given(st.one_of(st.text(max_size=200), json_values.map(b64), st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode())))
def test_decode_callback_var_is_vars_or_oss_400(value: str) -> None:
    try:
        variables = decode_callback_var(value)
    except CallbackParamError as exc:
        assert exc.argument_name == "callback-var"
        return
    assert all(k.startswith("x:") and k == k.lower() and isinstance(v, str) for k, v in variables.values.items())


@pytest.mark.parametrize("value", ["[", "]", "http://[::1", "http://[::1]:80/cb", "a.com;[x]"])
def test_callback_url_with_brackets_is_an_oss_400(value: str) -> None:
    with pytest.raises(CallbackParamError):
        decode_callback(b64({"callbackUrl": value, "callbackBody": "a=${object}"}))


@FUZZ
@given(st.text(max_size=120))
def test_parse_callback_url_any_text(value: str) -> None:
    try:
        t = parse_callback_url(value)
    except CallbackParamError:
        return
    assert t.target.startswith("/") and 0 < t.port < 2**32


facts = st.builds(
    UploadFacts,
    bucket=st.text(max_size=20), object=st.text(max_size=60), etag=st.text("0123456789ABCDEF", max_size=32),
    size=st.integers(0, 2**63), mime_type=st.text(max_size=30), crc64=st.none() | st.integers(0, 2**64 - 1),
    content_md5=st.text(max_size=24), client_ip=st.text(max_size=15), req_id=st.text(max_size=24),
)
custom_vars = st.dictionaries(st.text(min_size=1, max_size=8).map(lambda s: "x:" + s.lower()), st.text(max_size=40), max_size=4)


@FUZZ
@given(st.text(max_size=200), st.sampled_from(["application/json", "application/x-www-form-urlencoded"]), facts, custom_vars)
def test_render_body_any_template_never_raises(template: str, body_type: str, f: UploadFacts, custom: dict) -> None:
    rendered = render_body(template, body_type, f, custom)
    assert isinstance(rendered.body, bytes)
    rendered.body.decode("utf-8")  # always valid UTF-8


@FUZZ
@given(facts, st.text(max_size=60))
def test_json_body_with_unquoted_placeholders_is_valid_json_with_exact_values(f: UploadFacts, var: str) -> None:
    template = '{"object":${object},"size":${size},"crc":${crc64},"mime":${mimeType},"v":${x:v},"vpc":${vpcId}}'
    out = json.loads(render_body(template, "application/json", f, {"x:v": var}).body)
    assert out["object"] == f.object and out["size"] == f.size and out["mime"] == f.mime_type
    assert out["v"] == var and out["vpc"] is None
    assert out["crc"] == (f.crc64 if f.crc64 is not None else "")


@FUZZ
@given(facts, st.text(max_size=60))
def test_form_body_values_survive_form_decoding(f: UploadFacts, var: str) -> None:
    body = render_body("object=${object}&mime=${mimeType}&v=${x:v}", "application/x-www-form-urlencoded", f, {"x:v": var}).text
    assert all(c.isalnum() or c in "%-._~=&" for c in body)  # RFC 3986 unreserved + the separators
    pairs = dict(parse_qsl(body, keep_blank_values=True))
    assert pairs == {"object": f.object, "mime": f.mime_type, "v": var}


@FUZZ
@given(st.binary(max_size=600))
def test_parse_raw_request_any_bytes(data: bytes) -> None:
    try:
        request = parse_raw_request(data)
    except RawRequestError as exc:
        assert str(exc)
        return
    assert request.target.startswith("/") and request.method


header_names = st.sampled_from(["Content-Length", "authorization", "x-oss-pub-key-url", "Content-MD5", "Host", "X-Junk"])


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["POST", "GET", "PUT", "BREW", "post"]))
    target = draw(st.one_of(st.just("/cb?x=1"), st.text(max_size=30).map(lambda s: "/" + s)))
    headers = draw(st.lists(st.tuples(header_names, st.text(max_size=60)), max_size=6))
    body = draw(st.binary(max_size=100))
    sep = draw(st.sampled_from(["\r\n", "\n"]))
    head = f"{method} {target} HTTP/1.1{sep}" + "".join(f"{k}: {v}{sep}" for k, v in headers)
    return head.encode("utf-8", "surrogatepass") + sep.encode() + body


def test_fuzzed_requests_never_fetch_untrusted_keys_and_never_crash_verify(counting_server) -> None:
    resolver = KeyResolver()  # default allowlist: OSS's host only; the counting server is untrusted
    key_url = base64.b64encode((counting_server.prefix + "k.pem").encode()).decode()

    @FUZZ
    @given(raw_requests(), st.booleans())
    def check(data: bytes, point_at_counter: bool) -> None:
        try:
            request = parse_raw_request(data)
        except RawRequestError:
            return
        if point_at_counter:
            request = type(request)(request.method, request.target,
                                    [*request.headers, ("x-oss-pub-key-url", key_url)], request.body)
        trace = verify_request(request, resolver)
        assert not trace.ok and trace.failed_step is not None and trace.summary

    check()
    assert counting_server.hits == [] and resolver.fetch_count == 0


@FUZZ
@given(st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=5))
def test_callback_vars_model_accepts_only_lowercase_x_keys(obj: dict) -> None:
    try:
        CallbackVars(obj)
    except CallbackParamError:
        assert any(not k.startswith("x:") or k != k.lower() or len(k) == 2 for k in obj)
        return
    assert all(k.startswith("x:") for k in obj)
