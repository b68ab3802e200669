"""The requests the probe sends, built and signed the way OSS builds them (pure: no I/O).

Valid cases target the user's URL (its path, plus a query or a sub-path); hostile cases are the
valid form callback with a forged key, a tampered byte, or a broken header.
"""

from __future__ import annotations

import base64
import dataclasses
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from ..callback import CallbackRequest, build_callback_request
from ..callback.request import legacy_spelling
from ..params import CallbackTarget

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
#: Laid out as no serialiser would: Python's json.dumps gives {"a": 1, "b": "x"}, JavaScript's {"a":1,"b":"x"}.
ODD_JSON = b'{"a":1, "b" :"x"}'
PROBE_QUERY = "probe=1&v=a%20b&w=a%2541"
#: Appended after a '/': '%20', '%2B', the UTF-8 of U+4E2D, and '%25' sequences whose single and double
#: decoding differ ('a%2541' is 'a%41' once and 'aA' twice; '100%25' is '100%'), which the signature
#: sees decoded exactly once.
ENCODED_SUB_PATH = "probe%20dir/a%2Bb%E4%B8%AD-a%2541-100%25.txt"
#: The size of the "huge" header values (64 KiB): beyond most servers' header limits.
HUGE = 64 * 1024
BUCKET = "osscb-probe"


@dataclass(frozen=True)
class Case:
    """One request to sign: where it goes, its body and content type."""

    target: CallbackTarget
    body: bytes
    content_type: str = FORM
    #: spelled as OSS's older signing example (lower-case authorization, User-Agent: http-client/0.0.1)
    legacy: bool = False


def form_body(etag: str | None = None, extra: str = "") -> bytes:
    """A form body like the docs' default ``callbackBody`` (a fresh etag makes each callback unique)."""
    etag = etag or secrets.token_hex(16).upper()
    text = f"bucket={BUCKET}&object=probe%2Fhello.txt&etag={etag}&size=5&mimeType=text%2Fplain"
    return (text + (f"&{extra}" if extra else "")).encode()


def with_query(target: CallbackTarget, extra: str) -> CallbackTarget:
    return dataclasses.replace(target, query=f"{target.query}&{extra}" if target.query else extra)


def valid_cases(base: CallbackTarget) -> dict[str, Case]:
    """The eight valid cases for the user's URL ``base``."""
    sub = dataclasses.replace(base, path=base.path.rstrip("/") + "/" + ENCODED_SUB_PATH)
    return {
        "valid-form": Case(base, form_body()),
        "valid-json": Case(base, ODD_JSON, JSON),
        "valid-query": Case(with_query(base, PROBE_QUERY), form_body()),
        "valid-no-query": Case(dataclasses.replace(base, query=""), form_body()),
        "valid-encoded-path": Case(sub, form_body()),
        "valid-plus": Case(base, b"name=a+b&plus=%2B&sum=1+1%3D2&raw=C++&" + form_body()),
        "valid-unicode": Case(base, "name=照片/猫 ü.jpg&city=杭州&".encode() + form_body()),
        "valid-header-case": Case(base, form_body(), legacy=True),
    }


class Signer:
    """Signs cases with one key, OSS's headers and a key URL."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key

    def sign(self, case: Case, key_url: str, *, signed_target: CallbackTarget | None = None) -> CallbackRequest:
        """``case`` signed over ``signed_target`` (default: its own target) and sent to its target."""
        signed = signed_target or case.target
        request = build_callback_request(
            signed, case.body, body_type=case.content_type, private_key=self.key, public_key_url=key_url,
            bucket=BUCKET, request_id=secrets.token_hex(12).upper(), requester="osscb-probe",
            host=case.target.netloc,
        )
        if case.legacy:
            request = legacy_spelling(request)
        if signed_target is None:
            return request
        return dataclasses.replace(request, url=case.target.url, target=case.target.target)


# ---- hostile variants ----------------------------------------------------------------------------
def _flip(text: str) -> str:
    """``text`` with its last character replaced by another (one byte changed)."""
    last = text[-1] if text else "/"
    return text[:-1] + ("_" if last != "_" else "-")


def tampered_body(request: CallbackRequest) -> CallbackRequest:
    body = bytearray(request.body)
    body[-1] ^= 0x01
    return dataclasses.replace(request, body=bytes(body))


def tampered_signature(request: CallbackRequest) -> CallbackRequest:
    raw = bytearray(base64.b64decode(request.header("authorization") or ""))
    raw[len(raw) // 2] ^= 0x01
    return with_header(request, "authorization", base64.b64encode(bytes(raw)).decode("ascii"))


def tampered_path(signer: Signer, case: Case, key_url: str) -> CallbackRequest:
    """Sent to ``case``'s path, signed over that path with its last byte changed (so it still routes)."""
    signed = dataclasses.replace(case.target, path=_flip(case.target.path))
    return signer.sign(case, key_url, signed_target=signed)


def tampered_query(signer: Signer, case: Case, key_url: str) -> CallbackRequest:
    """Sent with ``case``'s query, signed over that query with its last byte changed."""
    signed = dataclasses.replace(case.target, query=_flip(case.target.query))
    return signer.sign(case, key_url, signed_target=signed)


def with_header(request: CallbackRequest, name: str, value: str | None) -> CallbackRequest:
    """``request`` with header ``name`` set to ``value`` in place (``None`` removes it)."""
    lower = name.lower()
    if value is None:
        headers = [(k, v) for k, v in request.headers if k.lower() != lower]
    else:
        headers = [(k, value if k.lower() == lower else v) for k, v in request.headers]
    return dataclasses.replace(request, headers=headers)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def missing_header_cases(request: CallbackRequest) -> dict[str, CallbackRequest]:
    return {
        "no Authorization": with_header(request, "authorization", None),
        "no x-oss-pub-key-url": with_header(request, "x-oss-pub-key-url", None),
    }


def malformed_signature_cases(request: CallbackRequest) -> dict[str, CallbackRequest]:
    return {
        "Authorization not Base64": with_header(request, "authorization", "not*base64!"),
        "Authorization empty": with_header(request, "authorization", ""),
        "Authorization 64 KiB": with_header(request, "authorization", "A" * HUGE),
    }


def oss_key_url_variant(request: CallbackRequest, key_url: str) -> CallbackRequest:
    """``request`` with its x-oss-pub-key-url set to ``key_url`` (Base64), nothing else changed."""
    return with_header(request, "x-oss-pub-key-url", _b64(key_url))


def malformed_key_url_cases(request: CallbackRequest) -> dict[str, CallbackRequest]:
    return {
        "x-oss-pub-key-url not Base64": with_header(request, "x-oss-pub-key-url", "not*base64!"),
        "x-oss-pub-key-url empty": with_header(request, "x-oss-pub-key-url", ""),
        "x-oss-pub-key-url 64 KiB": with_header(request, "x-oss-pub-key-url", _b64("http://" + "a" * (HUGE * 3 // 4 - 7))),
        "x-oss-pub-key-url not a URL": with_header(request, "x-oss-pub-key-url", _b64("not a url")),
    }
