"""Issue #24 item 2: what the Java and Go SDKs send, pinned without their toolchains.

Each test is one thing a client of ``tests/clients`` sent that the emulator had to speak (or a
refusal a client ran into that is OSS's documented answer). The signatures are computed here, from
the SDKs' algorithms, independently of the emulator's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import REGION, unique


def _go_v1_v4_put(emu: Emulator, key: str, data: bytes, when: datetime, *, scope_day: str | None = None,
                  extra: dict[str, str] | None = None, secret: str | None = None) -> httpx.Response:
    """A PutObject signed as the Go SDK V1 (3.0.2) signs V4 headers: no x-oss-date, the Date
    header's text as the string to sign's timestamp, its UTC day in the scope."""
    date = format_datetime(when, usegmt=True)
    day = scope_day or when.strftime("%Y%m%d")
    headers = {"Date": date, "Content-Type": "text/plain", "x-oss-content-sha256": "UNSIGNED-PAYLOAD", **(extra or {})}
    signed = sorted((k.lower(), v.strip()) for k, v in headers.items()
                    if k.lower().startswith("x-oss-") or k.lower() in ("content-type", "content-md5"))
    canonical = "\n".join(["PUT", f"/demo/{key}", "", "".join(f"{k}:{v}\n" for k, v in signed), "", "UNSIGNED-PAYLOAD"])
    scope = f"{day}/{REGION}/oss/aliyun_v4_request"
    to_sign = f"OSS4-HMAC-SHA256\n{date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signing_key = ("aliyun_v4" + (secret or emu.access_key_secret)).encode()
    for part in (day, REGION, "oss", "aliyun_v4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"OSS4-HMAC-SHA256 Credential={emu.access_key_id}/{scope},Signature={signature}"
    return httpx.put(f"{emu.endpoint}/demo/{key}", content=data, headers=headers, timeout=10)


def _stored(emu: Emulator, key: str) -> bytes | None:
    path = emu.object_path("demo", key)
    return None if path is None else path.read_bytes()


def test_v4_header_signature_with_the_date_header_and_no_x_oss_date(emulator: Emulator) -> None:
    """Go SDK V1 with AuthV4 sends no x-oss-date; the emulator answered 400 'Invalid x-oss-date'.
    OSS accepts these requests (the SDK's V4 tests run against it); its V4 page documents only
    x-oss-date, so the Date fallback is inferred from the SDK, not documented."""
    key = unique("go-v1-v4")
    r = _go_v1_v4_put(emulator, key, b"signed with Date", datetime.now(timezone.utc))
    assert r.status_code == 200, r.text
    assert _stored(emulator, key) == b"signed with Date"


def test_v4_date_fallback_still_checks_the_signature_scope_and_skew(emulator: Emulator) -> None:
    now = datetime.now(timezone.utc)
    key = unique("go-v1-v4-bad")
    wrong_secret = _go_v1_v4_put(emulator, key, b"x", now, secret="not-the-secret")
    assert wrong_secret.status_code == 403 and "SignatureDoesNotMatch" in wrong_secret.text
    other_day = (now - timedelta(days=2)).strftime("%Y%m%d")
    wrong_day = _go_v1_v4_put(emulator, key, b"x", now, scope_day=other_day)
    assert wrong_day.status_code == 400 and "does not match the credential scope" in wrong_day.text
    stale = _go_v1_v4_put(emulator, key, b"x", now - timedelta(hours=1))
    assert stale.status_code == 403 and "RequestTimeTooSkewed" in stale.text
    assert _stored(emulator, key) is None


def test_v4_with_neither_x_oss_date_nor_a_date_header_is_still_refused(emulator: Emulator) -> None:
    r = httpx.put(f"{emulator.endpoint}/demo/{unique('nodate')}", content=b"x", timeout=10, headers={
        "Authorization": f"OSS4-HMAC-SHA256 Credential={emulator.access_key_id}/20260101/{REGION}/oss/"
                         "aliyun_v4_request,Signature=00"})
    assert r.status_code == 400 and "Invalid x-oss-date" in r.text


def test_the_x_oss_date_header_wins_over_date(emulator: Emulator) -> None:
    """With both headers (oss2, the V2 SDKs), x-oss-date is the timestamp, as before: a request
    signed over the Date text instead does not match."""
    now = datetime.now(timezone.utc)
    key = unique("both-dates")
    r = _go_v1_v4_put(emulator, key, b"x", now, extra={"x-oss-date": now.strftime("%Y%m%dT%H%M%SZ")})
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


def test_an_h2c_upgrade_offer_on_a_presigned_put_is_answered_in_http_1_1(emulator: Emulator) -> None:
    """The JDK's java.net.http.HttpClient (the plain client of the Java presigned flow) offers
    HTTP/2 on every http:// request: Connection: Upgrade, HTTP2-Settings / Upgrade: h2c. The
    emulator, like an HTTP/1.1 server, ignores the offer and answers the PUT."""
    import oss2

    bucket = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    key = unique("h2c")
    url = bucket.sign_url("PUT", key, 600)
    r = httpx.put(url, content=b"upgrade offered", timeout=10, headers={
        "Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c", "HTTP2-Settings": "AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA"})
    assert r.status_code == 200 and r.http_version == "HTTP/1.1", r.text
    assert _stored(emulator, key) == b"upgrade offered"


def test_java_sdk_v1_json_callback_body_must_be_escaped_by_the_app(emulator: Emulator) -> None:
    """The Java SDK V1 (3.18.5) writes callbackBody into its callback JSON without escaping it, so
    a JSON body written plainly makes invalid JSON; OSS's answer is the 400 below (EC
    0007-00000003). OSS's Java demo escapes the quotes itself, which tests/clients/java does."""
    body = '{"bucket":${bucket},"uid":${x:uid}}'
    as_sent = '{"callbackUrl":"http://127.0.0.1:9/cb","callbackBody":"' + body + '","callbackBodyType":"application/json"}'
    escaped = as_sent.replace(body, body.replace('"', '\\"'))
    assert json.loads(escaped)["callbackBody"] == body
    import oss2

    bucket = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    key = unique("java-json")
    headers = {"x-oss-callback": base64.b64encode(as_sent.encode()).decode()}
    try:
        bucket.put_object(key, b"x", headers=headers)
        raise AssertionError("an unescaped JSON callbackBody was accepted")
    except oss2.exceptions.OssError as e:
        assert e.status == 400 and e.message == "The callback configuration is not json format."
        assert e.ec == "0007-00000003"
    assert _stored(emulator, key) is None


def test_a_chunked_put_object_with_a_callback_and_its_crc64(emulator: Emulator, callback_server: object) -> None:
    """The Java SDK V1 (3.18.5) sends PutObject from an InputStream with Transfer-Encoding: chunked
    and, by default, checks the answer's x-oss-hash-crc64ecma against its own CRC-64: the object,
    the callback and the CRC must all come out of a chunked body as from a sized one."""
    import oss2

    from osscb_notebook._crc64 import crc64
    from tests.emulator.emulator_helpers import b64json

    bucket = oss2.Bucket(oss2.Auth(emulator.access_key_id, emulator.access_key_secret), emulator.endpoint, "demo")
    key = unique("chunked")
    chunks = [b"first chunk|", b"", b"second chunk|" * 100, b"end"]
    data = b"".join(chunks)
    callback = b64json({"callbackUrl": callback_server.url("/ok"),  # type: ignore[attr-defined]
                        "callbackBody": "object=${object}&size=${size}"})
    r = bucket.put_object(key, iter(chunks), headers={"x-oss-callback": callback})
    assert r.status == 200 and json.loads(r.resp.read())["Status"] == "OK"
    record = emulator.last_record
    assert record is not None
    assert ("transfer-encoding", "chunked") in [(k.lower(), v) for k, v in record.request_headers]
    assert r.headers["x-oss-hash-crc64ecma"] == str(crc64(data))
    assert record.attempts[-1].request_body == f"object={key.replace('/', '%2F')}&size={len(data)}".encode()
    assert _stored(emulator, key) == data
