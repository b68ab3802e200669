"""Hostile input to the emulator's HTTP handlers, over real loopback HTTP: CompleteMultipartUpload
XML, PostObject forms, object keys, header sizes and garbage. Always a clear 4xx (or a clean
close for bytes that are not HTTP), never a 500, never a hang; the emulator keeps serving."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import httpx
import oss2
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from osscb_notebook.emulator import Emulator
from tests.support import exchange, raw_http

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TIMEOUT = 10.0  # a hang shows as a timeout, which fails the test


def bucket_of(emu: Emulator) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")


def assert_clear_4xx(status: int, body: bytes) -> None:
    assert 400 <= status < 500, f"{status}: {body[:300]!r}"
    assert b"<Code>" in body, body[:300]


def assert_alive(emu: Emulator) -> None:
    assert bucket_of(emu).put_object("alive-check", b"ok").status == 200


# -- CompleteMultipartUpload ---------------------------------------------------------------------

part_xml = st.builds(
    lambda n, e: f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>",
    st.one_of(st.integers(-5, 20000), st.text(max_size=8)), st.text(max_size=40),
)
xml_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    # at least one part: an empty part list is a valid request (an empty object, as OSS completes
    # Go SDK V2's empty uploads), not hostile XML
    st.lists(part_xml, min_size=1, max_size=5).map(lambda ps: ("<CompleteMultipartUpload>" + "".join(ps) + "</CompleteMultipartUpload>").encode("utf-8", "surrogatepass")),
    st.sampled_from([
        b"", b"<CompleteMultipartUpload><Part/></CompleteMultipartUpload>",
        b"<x>" * 5000, b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
        b'<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&g;</ETag></Part></CompleteMultipartUpload>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&e;</ETag></Part></CompleteMultipartUpload>',
    ]),
)


def test_complete_multipart_with_hostile_xml(emulator: Emulator) -> None:
    bucket = bucket_of(emulator)
    upload_id = bucket.init_multipart_upload("fuzz/mpu").upload_id
    bucket.upload_part("fuzz/mpu", upload_id, 1, b"p" * 1024)

    @FUZZ
    @given(xml_bodies)
    def check(body: bytes) -> None:
        url = bucket.sign_url("POST", "fuzz/mpu", 300, params={"uploadId": upload_id})
        resp = httpx.post(url, content=body, timeout=TIMEOUT)
        assert_clear_4xx(resp.status_code, resp.content)
        assert b"root:" not in resp.content  # no external entity was read

    check()
    assert_alive(emulator)
    assert not bucket.object_exists("fuzz/mpu")  # no bad XML ever completed the upload


# -- PostObject forms ----------------------------------------------------------------------------

@st.composite
def forms(draw: st.DrawFn) -> tuple[str, bytes]:
    boundary = draw(st.sampled_from(["B0undary", "x", "a" * 70, ""]))
    parts = draw(st.lists(st.tuples(
        st.sampled_from(["key", "policy", "OSSAccessKeyId", "Signature", "file", "callback", "x:v", "success_action_status", "", '"']),
        st.one_of(st.text(max_size=40), st.just("${filename}"), st.just(base64.b64encode(b'{"x":1}').decode())),
        st.sampled_from(["", '; filename="a.txt"', "; filename=", "\r\nContent-Type: text/plain"]),
    ), max_size=6))
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"{extra}\r\n\r\n{v}\r\n'.encode("utf-8", "surrogatepass")
        for n, v, extra in parts
    )
    body += draw(st.sampled_from([f"--{boundary}--\r\n".encode(), b"", b"--", draw(st.binary(max_size=40))]))
    ctype = draw(st.sampled_from([f"multipart/form-data; boundary={boundary}", "multipart/form-data", "text/plain",
                                  f'multipart/form-data; boundary="{boundary}"']))
    return ctype, body


def test_post_object_with_bad_forms(emulator: Emulator) -> None:
    @FUZZ
    @given(forms())
    def check(form: tuple[str, bytes]) -> None:
        ctype, body = form
        resp = httpx.post(f"{emulator.endpoint}/demo", content=body, headers={"Content-Type": ctype}, timeout=TIMEOUT)
        assert_clear_4xx(resp.status_code, resp.content)

    check()
    assert_alive(emulator)


# -- object keys ---------------------------------------------------------------------------------

hostile_keys = st.one_of(
    st.text(min_size=1, max_size=80),
    st.sampled_from([
        "../../../../etc/passwd", "..\\..\\windows\\win.ini", "a/../../b", "./.", "..", "%2e%2e/%2e%2e/x",
        "/abs", "\\abs", "nul\x00byte", "a" * 1024, "é" * 600, "con", "a//b", "a/./b", "\n", " ", "?x=1", "#frag",
        ".osscb/callback_private_key.pem", "../.osscb/callback_private_key.pem",
    ]),
)


def test_hostile_keys_are_stored_inside_the_data_dir_or_rejected(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Emulator(data_dir=data) as emu:
        bucket = bucket_of(emu)
        outside_before = sorted(os.listdir(tmp_path))

        @FUZZ
        @given(hostile_keys, st.binary(max_size=64))
        def check(key: str, payload: bytes) -> None:
            # "." and ".." alone are dot segments the HTTP client itself normalises away before
            # sending (so the signature cannot match); they are sent raw in the next test.
            assume(key not in (".", ".."))
            try:
                result = bucket.put_object(key, payload)
            except oss2.exceptions.OssError as exc:
                assert exc.status == 400 and exc.code in ("InvalidObjectName", "InvalidArgument"), (exc.status, exc.code)
                return
            assert result.status == 200
            assert bucket.get_object(key).read() == payload  # stored under exactly that key

        check()
        assert sorted(os.listdir(tmp_path)) == outside_before  # nothing written beside the data dir
        for path in data.rglob("*"):  # and nothing inside escapes it via a symlink
            assert not path.is_symlink()
        key_pem = data / ".osscb" / "callback_private_key.pem"
        assert b"PRIVATE KEY" in key_pem.read_bytes()  # a key named like it did not overwrite it
        assert_alive(emu)


def test_raw_traversal_paths_never_reach_the_filesystem(emulator: Emulator) -> None:
    """Unencoded ``..`` segments on the wire (oss2 would encode them): still OSS keys, not paths."""
    bucket = bucket_of(emulator)
    for key in ("../../escape.txt", "a/../../../escape2.txt", "..", "."):
        url = bucket.sign_url("PUT", key, 300)
        signed_query = url.split("?", 1)[1]
        raw = (f"PUT /demo/{key}?{signed_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
               "Connection: close\r\n\r\nabc").encode()
        resp = raw_http(emulator.port, raw, timeout=TIMEOUT)
        assert resp is not None and resp.status in (200, 400, 403), resp
        assert not (emulator.data_dir.parent / "escape.txt").exists()
        assert not (emulator.data_dir.parent.parent / "escape.txt").exists()
        assert not (emulator.data_dir.parent / "escape2.txt").exists()
    assert_alive(emulator)


# -- headers and garbage -------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\nContent-Length: 0\r\n\r\n",
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"Content-Length: 0\r\n\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nabc",  # read(-1) would wait for EOF
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n",
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"PUT /demo/k HTTP/1.1\r\nHost: x\r\nx-oss-callback: ;;;\r\nContent-Length: 0\r\n\r\n",
    b"HELLO\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(40)),  # a TLS ClientHello
    b"GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
])
def test_huge_headers_and_garbage_get_4xx_or_close(emulator: Emulator, raw: bytes) -> None:
    resp = raw_http(emulator.port, raw, timeout=TIMEOUT)
    if resp is not None:
        assert 400 <= resp.status < 500, (resp.status, resp.body[:200])
    assert_alive(emulator)


@pytest.mark.parametrize("length", ["-1", "1_0", "+10", " 1 0"])
def test_content_length_must_be_ascii_digits(emulator: Emulator, length: str) -> None:
    # int() would take "1_0" and "+10" as 10 and frame the body from them
    resp = raw_http(emulator.port, f"PUT /demo/k HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nabcdefghij".encode(),
                    timeout=TIMEOUT)
    assert resp is not None and resp.status == 400 and b"<Code>InvalidArgument</Code>" in resp.body
    assert_alive(emulator)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=300))
def test_random_bytes_never_get_a_500(emulator: Emulator, data: bytes) -> None:
    try:
        resp = raw_http(emulator.port, data + b"\r\n\r\n", timeout=TIMEOUT)
    except TimeoutError:  # a request line that promises a body we never send: the server waits
        return
    if resp is not None:
        assert resp.status < 500 or resp.status == 505, (resp.status, data)


wire_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(str.strip)  # what a header carries
callback_headers = st.one_of(
    wire_text,
    st.builds(lambda o: base64.b64encode(json.dumps(o).encode()).decode(), st.dictionaries(
        st.sampled_from(["callbackUrl", "callbackBody", "callbackBodyType", "callbackHost", "callbackSNI"]),
        st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans(), st.just("http://127.0.0.1:1/cb")),
        max_size=5)),
)


def test_hostile_callback_parameters_give_400_not_500(emulator: Emulator) -> None:
    bucket = bucket_of(emulator)

    @FUZZ
    @given(callback_headers, st.one_of(st.none(), callback_headers))
    def check(cb: str, cb_var: str | None) -> None:
        headers = {"x-oss-callback": cb}
        if cb_var is not None:
            headers["x-oss-callback-var"] = cb_var
        try:
            result = bucket.put_object("fuzz/cb", b"x", headers=headers)
        except oss2.exceptions.OssError as exc:
            assert 400 <= exc.status < 500, (exc.status, exc.code, exc.message, headers)
            return
        assert result.status in (200, 203)

    check()


@pytest.mark.parametrize("url", ["[", "http://[::1", "]", "http://[x]:80/cb"])
def test_callback_url_with_a_bracket_is_a_400_not_a_500(emulator: Emulator, url: str) -> None:
    """Found by test_fuzz_core: ``parse_callback_url`` lets urlsplit's ValueError through."""
    cb = base64.b64encode(json.dumps({"callbackUrl": url, "callbackBody": "a=${object}"}).encode()).decode()
    with pytest.raises(oss2.exceptions.OssError) as info:
        bucket_of(emulator).put_object("fuzz/bracket", b"x", headers={"x-oss-callback": cb})
    assert info.value.status == 400 and info.value.code == "InvalidArgument", (info.value.status, info.value.code)


# -- signed requests: past authentication, into body parsing -------------------------------------

def signed_put(emu: Emulator, key: str, framing: str, body: bytes) -> bytes:
    """A PUT presigned through oss2 with the emulator's default credentials, so it reaches the body."""
    url = bucket_of(emu).sign_url("PUT", key, 300)
    target = "/demo/" + url.split("/demo/", 1)[1]
    return f"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n".encode() + body


@pytest.mark.parametrize(("framing", "body"), [
    ("Transfer-Encoding: chunked\r\n", b"zz\r\n"),
    ("Transfer-Encoding: chunked\r\n", b"-5\r\nabc\r\n"),
    ("Transfer-Encoding: chunked\r\n", b"5\r\nabcdefgh\r\n0\r\n\r\n"),
    ("Transfer-Encoding: gzip, chunked\r\n", b"3\r\nabc\r\n0\r\n\r\n"),
    ("Transfer-Encoding: chunked, identity\r\n", b"3\r\nabc\r\n0\r\n\r\n"),
    ("Content-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n", b"3\r\nabc\r\n0\r\n\r\n"),
    ("Content-Length: 3\r\nContent-Length: 4\r\n", b"abcd"),
    ("Content-Length: 3, 4\r\n", b"abcd"),
    ("Content-Length: 99999999999999999999999999\r\n", b"abc"),
    ("Content-Length: " + "9" * 5000 + "\r\n", b"abc"),
])
def test_signed_bad_framing_gets_400_at_once(emulator: Emulator, framing: str, body: bytes) -> None:
    """The client keeps waiting (no half-close): the answer must not wait for more bytes."""
    resp = raw_http(emulator.port, signed_put(emulator, "fuzz/framing", framing, body), timeout=TIMEOUT)
    assert resp is not None and resp.status == 400 and b"<Code>" in resp.body, resp
    assert_alive(emulator)


@st.composite
def chunked_bodies(draw: st.DrawFn) -> tuple[str, bytes, bytes | None]:
    """``(framing, wire bytes, payload)``; payload is None when the encoding was mutated (it may
    still happen to be valid) and TRUNCATED when it was truncated (it can never be complete)."""
    chunks = draw(st.lists(st.binary(min_size=1, max_size=50), max_size=4))
    wire = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    payload: bytes | None = b"".join(chunks)
    how = draw(st.sampled_from(["keep", "truncate", "insert", "replace"]))
    if how != "keep":
        cut = draw(st.integers(0, len(wire) - 1))
        junk = draw(st.binary(min_size=1, max_size=6))
        wire = {"truncate": wire[:cut], "insert": wire[:cut] + junk + wire[cut:],
                "replace": wire[:cut] + junk + wire[cut + len(junk):]}[how]
        payload = TRUNCATED if how == "truncate" else None
    return "Transfer-Encoding: chunked\r\n", wire, payload


@st.composite
def fixed_bodies(draw: st.DrawFn) -> tuple[str, bytes, bytes | None]:
    body, delta = draw(st.binary(max_size=80)), draw(st.integers(-3, 3))
    length = len(body) + delta
    if length < 0:
        return "Content-Length: x\r\n", body, TRUNCATED  # not a length at all
    return f"Content-Length: {length}\r\n", body, (TRUNCATED if delta > 0 else body[:length])


TRUNCATED = b"<sentinel: truncated>"  # compared by identity


def test_signed_fuzzed_bodies_are_stored_whole_or_refused(emulator: Emulator) -> None:
    bucket = bucket_of(emulator)

    @FUZZ
    @given(st.one_of(chunked_bodies(), fixed_bodies()))
    def check(case: tuple[str, bytes, bytes | None]) -> None:
        framing, wire, payload = case
        key = f"fuzz/signed-{os.urandom(6).hex()}"
        # half-close after sending: a short body is then final, so nothing can make the server wait
        resp, _ = exchange(emulator.port, signed_put(emulator, key, framing, wire), shut_write=True, timeout=TIMEOUT)
        assert resp is not None and resp.status < 500, (resp, framing, wire)
        if resp.status == 200:
            assert payload is not TRUNCATED, ("a short body was stored", framing, wire)
            stored = bucket.get_object(key).read()
            assert payload is None or stored == payload, (framing, wire, stored)
        else:
            assert 400 <= resp.status < 500 and b"<Code>" in resp.body, resp
            assert payload is None or payload is TRUNCATED, (resp, framing, wire)
            assert not bucket.object_exists(key)  # a refused body is never stored

    check()
    assert_alive(emulator)
