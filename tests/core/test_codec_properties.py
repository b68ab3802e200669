"""Property tests: any valid callback / callback-var survives encode -> decode unchanged."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from osscb_notebook.params import (
    CallbackParams,
    decode_callback,
    decode_callback_var,
    encode_callback,
    encode_callback_var,
)
from osscb_notebook.params.codec import MAX_PARAM_LENGTH, b64_json

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,20}\.(com|cn|net)", fullmatch=True)
PATHS = st.from_regex(r"(/[A-Za-z0-9._%-]{0,10}){0,3}", fullmatch=True)
BODIES = st.lists(st.sampled_from(["a=${bucket}", "o=${object}", "s=${size}", "u=${x:uid}", "k=v", "x"]), min_size=1).map("&".join)


@st.composite
def callbacks(draw: st.DrawFn) -> dict[str, object]:
    urls = draw(st.lists(st.tuples(st.sampled_from(["", "http://", "https://"]), HOSTS,
                                   st.none() | st.integers(1, 65535), PATHS), min_size=1, max_size=5))
    url = ";".join(f"{s}{h}{'' if p is None else f':{p}'}{path}" for s, h, p, path in urls)
    obj: dict[str, object] = {"callbackUrl": url, "callbackBody": draw(BODIES)}
    if draw(st.booleans()):
        obj["callbackHost"] = draw(HOSTS)
    obj["callbackBodyType"] = draw(st.sampled_from(["application/x-www-form-urlencoded", "application/json"]))
    if draw(st.booleans()):
        obj["callbackSNI"] = draw(st.booleans())
    return obj


@given(callbacks())
def test_callback_round_trip(obj: dict[str, object]) -> None:
    assert decode_callback(encode_callback(obj)).to_json() == CallbackParams.from_json(obj).to_json() == obj


@given(st.dictionaries(st.from_regex(r"x:[a-z0-9_]{1,10}", fullmatch=True), TEXT, max_size=10))
def test_callback_var_round_trip(values: dict[str, str]) -> None:
    if len(b64_json(values)) > MAX_PARAM_LENGTH:
        return
    assert decode_callback_var(encode_callback_var(values)).to_json() == values


@given(st.text(max_size=200))
def test_decoding_garbage_gives_a_typed_error_or_a_value(value: str) -> None:
    from osscb_notebook.errors import CallbackParamError

    for decode in (decode_callback, decode_callback_var):
        try:
            decode(value)
        except CallbackParamError as exc:
            assert exc.oss_message and exc.hint
