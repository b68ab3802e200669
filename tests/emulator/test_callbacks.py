"""Callbacks end to end: real oss2 uploads, a real callback server that verifies signatures the
way OSS's sample does, and every success and failure path OSS documents."""

from __future__ import annotations

import base64
import json
import socket
import xml.etree.ElementTree as ET

import httpx
import oss2
import pytest

from osscb_notebook.emulator import PUBLIC_KEY_PATH, Emulator, Record
from osscb_notebook.params import messages as m
from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request
from tests.emulator.emulator_helpers import CallbackServer, b64json, unique


def _error(body: bytes) -> dict[str, str]:
    root = ET.fromstring(body)
    return {child.tag: child.text or "" for child in root}


def _put(bucket: oss2.Bucket, key: str, callback: dict, variables: dict | None = None, data: bytes = b"hello"):
    headers = {"x-oss-callback": b64json(callback)}
    if variables is not None:
        headers["x-oss-callback-var"] = b64json(variables)
    return bucket.put_object(key, data, headers=headers)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- success


def test_success_passes_the_reply_through_with_upload_headers(bucket, emulator, callback_server: CallbackServer):
    key = unique("ok/α b")
    n = callback_server.count()
    result = _put(bucket, key, {
        "callbackUrl": callback_server.url("/ok?id=1&index=2"),
        "callbackBody": "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}"
                        "&crc=${crc64}&md5=${contentMd5}&uid=${x:uid}&op=${operation}&req=${reqId}",
    }, {"x:uid": "42 / ok"})
    assert result.status == 200
    reply = json.loads(result.resp.read())
    assert reply["Status"] == "OK"
    assert result.resp.headers["Content-Type"] == "application/json"
    assert result.etag == "5D41402ABC4B2A76B9719D911017C592"
    assert result.resp.headers["ETag"] == '"5D41402ABC4B2A76B9719D911017C592"'
    assert result.resp.headers["Content-MD5"] == "XUFAKrxLKna5cZ2REBfFkg=="
    assert result.crc == int(result.resp.headers["x-oss-hash-crc64ecma"])
    rid = result.resp.headers["x-oss-request-id"]
    assert len(rid) == 24 and rid == rid.upper() and int(rid, 16) >= 0

    [cap] = callback_server.since(n)
    assert cap.verified is True
    assert cap.target == "/ok?id=1&index=2"
    assert cap.body.decode() == (
        f"bucket=demo&object={key.replace('/', '%2F').replace(' ', '%20').replace('α', '%CE%B1')}"
        f"&etag=5D41402ABC4B2A76B9719D911017C592&size=5&mimeType=application%2Foctet-stream"
        f"&crc={result.crc}&md5=XUFAKrxLKna5cZ2REBfFkg%3D%3D&uid=42%20%2F%20ok&op=PutObject&req={rid}"
    )
    h = cap.headers
    assert base64.b64decode(h["x-oss-pub-key-url"]).decode() == emulator.public_key_url
    assert emulator.public_key_url.endswith(PUBLIC_KEY_PATH)
    assert h["host"] == callback_server.netloc
    assert h["content-type"] == "application/x-www-form-urlencoded"
    assert h["user-agent"] == "aliyun-oss-callback"
    assert h["x-oss-request-id"] == rid
    assert h["x-oss-bucket"] == "demo" and h["x-oss-tag"] == "CALLBACK" and h["x-oss-signature-version"] == "1.0"
    assert h["content-md5"] == base64.b64encode(__import__("hashlib").md5(cap.body).digest()).decode()
    assert h["connection"] == "close"
    # The kit's own verifier agrees, trusting the emulator's key URL prefix.
    raw = f"POST {cap.target} HTTP/1.1\r\n".encode() + b"".join(
        f"{k}: {v}\r\n".encode() for k, v in h.items()) + b"\r\n" + cap.body
    trace = verify_request(parse_raw_request(raw), KeyResolver([emulator.public_key_prefix]))
    assert trace.ok, trace.render_text()
    assert bucket.get_object(key).read() == b"hello"


def test_public_key_is_served_and_stable(emulator):
    pem = httpx.get(emulator.public_key_url).content
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----") and pem == emulator.public_key_pem


def test_json_body_type_and_callback_host(bucket, callback_server):
    n = callback_server.count()
    result = _put(bucket, unique("json"), {
        "callbackUrl": callback_server.url("/ok"), "callbackHost": "app.example.com",
        "callbackBody": '{"object":${object},"size":${size},"crc":${crc64},"name":${x:name},"vpc":${vpcId}}',
        "callbackBodyType": "application/json",
    }, {"x:name": 'say "hi"'})
    assert result.status == 200
    [cap] = callback_server.since(n)
    assert cap.headers["host"] == "app.example.com"
    assert cap.headers["content-type"] == "application/json"
    body = json.loads(cap.body)
    assert body["size"] == 5 and isinstance(body["crc"], int) and body["name"] == 'say "hi"' and body["vpc"] is None
    assert cap.verified


def test_additional_headers_are_sent(bucket, callback_server):
    n = callback_server.count()
    result = _put(bucket, unique("addh"), {"callbackUrl": callback_server.url("/ok"), "callbackBody": "a=${size}",
                                           "additionalHeaders": {"x-tenant": "t1", "trace-id": "abc"}})
    assert result.status == 200
    [cap] = callback_server.since(n)
    assert cap.headers["x-tenant"] == "t1" and cap.headers["trace-id"] == "abc" and cap.verified


def test_xml_reply_is_accepted(bucket, callback_server):
    result = _put(bucket, unique("xml"), {"callbackUrl": callback_server.url("/xml"), "callbackBody": "a=${size}"})
    assert result.status == 200
    assert result.resp.read() == b"<Result><Status>OK</Status></Result>"
    assert result.resp.headers["Content-Type"] == "application/xml"


def test_image_info_variables(bucket, callback_server):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")
           + b"\x08\x02\x00\x00\x00" + b"\x00" * 16)
    n = callback_server.count()
    result = _put(bucket, unique("img") + ".png", {
        "callbackUrl": callback_server.url("/ok"), "callbackBodyType": "application/json",
        "callbackBody": '{"w":${imageInfo.width},"h":${imageInfo.height},"f":${imageInfo.format},"t":${mimeType}}',
    }, data=png)
    assert result.status == 200
    [cap] = callback_server.since(n)
    assert json.loads(cap.body) == {"w": 640, "h": 480, "f": "png", "t": "image/png"}


def test_empty_callback_url_means_no_callback(bucket, callback_server):
    n = callback_server.count()
    result = _put(bucket, unique("nocb"), {"callbackUrl": "", "callbackBody": "a=b"})
    assert result.status == 200 and result.resp.read() == b""
    assert callback_server.count() == n


def test_multiple_urls_fall_through_in_order(bucket, emulator, callback_server):
    closed = _closed_port()
    url = f"http://127.0.0.1:{closed}/x;{callback_server.url('/status/500')};{callback_server.url('/ok')}"
    n = callback_server.count()
    result = _put(bucket, unique("multi"), {"callbackUrl": url, "callbackBody": "o=${object}"})
    assert result.status == 200
    assert [c.target for c in callback_server.since(n)] == ["/status/500", "/ok"]
    record = emulator.last_record
    assert [a.outcome for a in record.attempts] == ["connect", "status", "ok"]
    assert record.outcome == "callback_ok"


def test_all_urls_failing_reports_the_last_error(bucket, callback_server):
    url = f"{callback_server.url('/status/404')};{callback_server.url('/status/502')}"
    result = _put(bucket, unique("allfail"), {"callbackUrl": url, "callbackBody": "o=${object}"})
    assert result.status == 203
    assert _error(result.resp.read())["Message"] == "Error status : 502."


# ----------------------------------------------------------------------------- 203 failures


@pytest.mark.parametrize(("path", "message", "ec"), [
    ("/status/500", "Error status : 500.", "0007-00000203"),
    ("/status/404", "Error status : 404.", "0007-00000203"),
    ("/redirect", "Error status : 301.", "0007-00000203"),
    ("/notjson", m.MSG_NOT_JSON, "0007-00000205"),
    ("/bom", m.MSG_NOT_JSON, "0007-00000205"),
    ("/empty", m.MSG_NOT_JSON, "0007-00000205"),
    ("/nolength", m.MSG_MISSING_LENGTH, "0007-00000203"),
    ("/big", m.MSG_TOO_LONG, "0007-00000203"),
    ("/badlength", m.MSG_INVALID_LENGTH, "0007-00000203"),
    ("/shortbody", m.MSG_INVALID_LENGTH, "0007-00000203"),
])
def test_callback_failure_is_203_and_object_stays(bucket, emulator, callback_server, path, message, ec):
    key = unique("fail")
    n = callback_server.count()
    result = _put(bucket, key, {"callbackUrl": callback_server.url(path), "callbackBody": "o=${object}"})
    assert result.status == 203
    assert result.resp.headers["Content-Type"] == "application/xml"
    assert result.resp.headers["ETag"] == '"5D41402ABC4B2A76B9719D911017C592"'
    err = _error(result.resp.read())
    assert err["Code"] == "CallbackFailed"
    assert err["Message"] == message
    assert err["EC"] == ec
    assert err["RequestId"] == result.request_id
    assert bucket.get_object(key).read() == b"hello"  # the upload succeeded
    assert len(callback_server.since(n)) == 1  # no retries, redirect not followed
    assert emulator.last_record.outcome == "callback_failed"


def test_cannot_connect(bucket):
    result = _put(bucket, unique("refused"), {
        "callbackUrl": f"http://127.0.0.1:{_closed_port()}/cb", "callbackBody": "o=${object}"})
    assert result.status == 203
    assert _error(result.resp.read())["Message"] == m.MSG_CANNOT_CONNECT


def test_timeout_after_five_seconds(bucket, emulator, callback_server):
    key = unique("slow")
    result = _put(bucket, key, {"callbackUrl": callback_server.url("/slow"), "callbackBody": "o=${object}"})
    assert result.status == 203
    err = _error(result.resp.read())
    assert err["EC"] == "0007-00000202"
    assert err["Message"].startswith(f"Error status : -1 {callback_server.netloc} reply timeout, cost:")
    assert err["Message"].endswith("ms, timeout:5000ms (err -4, errno115)")
    attempt = emulator.last_record.attempts[0]
    assert attempt.outcome == "timeout" and 4900 <= attempt.elapsed_ms < 6500
    assert bucket.get_object(key).read() == b"hello"


# ----------------------------------------------------------------------------- 400 before storing


def _cb(url: str, **fields) -> dict:
    return {"callbackUrl": url, "callbackBody": "o=${object}", **fields}


BAD_CALLBACKS = [
    ("not-base64!!", m.CALLBACK_NOT_BASE64),
    (base64.b64encode(b'{"callbackUrl": "x", "callbackBody": "a"="b"}').decode(), m.CALLBACK_NOT_JSON),
    (b64json({"callbackUrl": "http://h:test/x", "callbackBody": "a"}), m.URL_INVALID),
    (b64json({"callbackUrl": ";".join(f"http://h{i}.example.com/" for i in range(6)), "callbackBody": "a"}), m.TOO_MANY_URLS),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackHost": [1, 2], "callbackBody": "a"}), m.HOST_INVALID),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": ["a"]}), m.BODY_INVALID),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": ""}), m.BODY_EMPTY),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": "a", "callbackBodyType": 123}), m.BODY_TYPE_INVALID),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": "a", "callbackBodyType": "text/plain"}), m.BODY_TYPE_UNSUPPORTED),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": "a", "callbackSNI": "true"}), m.SNI_INVALID),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": "a", "signatureVersion": "3.0"}), m.SIGNATURE_VERSION_INVALID),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": "a", "additionalHeaders": {"x-oss-a": "b"}}),
     m.ADDITIONAL_HEADERS_INVALID),
    (b64json({"callbackUrl": "http://h.example.com/", "callbackBody": "a" * 6000}), m.CALLBACK_TOO_LONG),
]


@pytest.mark.parametrize(("value", "msg"), BAD_CALLBACKS, ids=[b[1].message[:40] for b in BAD_CALLBACKS])
def test_invalid_callback_is_400_and_nothing_is_stored(bucket, emulator, callback_server, value, msg):
    key = unique("bad")
    n = callback_server.count()
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.put_object(key, b"data", headers={"x-oss-callback": value})
    exc = info.value
    assert exc.status == 400 and exc.code == "InvalidArgument"
    assert exc.message == msg.message
    assert exc.details["ArgumentName"] == "callback"
    assert exc.details.get("EC") == msg.ec
    assert not bucket.object_exists(key)
    assert emulator.object_path("demo", key) is None
    assert callback_server.count() == n
    assert emulator.last_record.outcome == "rejected"


BAD_VARS = [
    ("%%%", m.VAR_NOT_BASE64),
    (base64.b64encode(b"[1, 2]").decode(), m.VAR_NOT_JSON),
    (b64json({"x:Upper": "v"}), m.VAR_NOT_JSON),
    (b64json({"x:a": "v" * 6000}), m.VAR_TOO_LONG),
]


@pytest.mark.parametrize(("value", "msg"), BAD_VARS, ids=[f"{i}-{b[1].message[:30]}" for i, b in enumerate(BAD_VARS)])
def test_invalid_callback_var_is_400(bucket, callback_server, value, msg):
    key = unique("badvar")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.put_object(key, b"data", headers={"x-oss-callback": b64json(_cb(callback_server.url("/ok"))),
                                                 "x-oss-callback-var": value})
    assert info.value.status == 400 and info.value.message == msg.message
    assert info.value.details["ArgumentName"] == "callback-var"
    assert not bucket.object_exists(key)


def test_header_and_query_together_is_400(bucket, emulator, callback_server):
    key = unique("both")
    cb = b64json(_cb(callback_server.url("/ok")))
    url = bucket.sign_url("PUT", key, 60, headers={"x-oss-callback": cb}, params={"callback": cb})
    resp = httpx.put(url, content=b"x", headers={"x-oss-callback": cb})
    assert resp.status_code == 400
    err = _error(resp.content)
    assert err["Message"] == m.BOTH_HEADER_AND_QUERY.message and err["EC"] == "0007-00000027"
    assert not bucket.object_exists(key)
    var = b64json({"x:a": "1"})
    headers = {"x-oss-callback-var": var, "x-oss-callback": cb}
    url = bucket.sign_url("PUT", key, 60, headers=headers, params={"callback-var": var})
    resp = httpx.put(url, content=b"x", headers=headers)
    assert _error(resp.content)["Message"] == m.BOTH_VAR_HEADER_AND_QUERY.message


def test_presigned_url_with_callback_query(bucket, callback_server):
    """oss2's sign_url with params={'callback', 'callback-var'}, then a plain PUT (spec §5.1)."""
    key = unique("presigned/q")
    n = callback_server.count()
    params = {"callback": b64json(_cb(callback_server.url("/ok"), callbackBody="o=${object}&v=${x:v}")),
              "callback-var": b64json({"x:v": "query"})}
    url = bucket.sign_url("PUT", key, 60, params=params)
    resp = httpx.put(url, content=b"presigned")
    assert resp.status_code == 200, resp.text
    assert json.loads(resp.content)["Status"] == "OK"
    [cap] = callback_server.since(n)
    assert cap.body == f"o={key.replace('/', '%2F')}&v=query".encode() and cap.verified
    assert bucket.get_object(key).read() == b"presigned"


def test_presigned_v4_url_with_callback_header(bucket_v4, callback_server):
    key = unique("presigned-v4")
    cb = b64json(_cb(callback_server.url("/status/500")))
    url = bucket_v4.sign_url("PUT", key, 60, headers={"x-oss-callback": cb})
    resp = httpx.put(url, content=b"v4", headers={"x-oss-callback": cb})
    assert resp.status_code == 203 and _error(resp.content)["Message"] == "Error status : 500."


def test_private_address_option(tmp_path, callback_server):
    """allow_private_callbacks=False reproduces OSS's 400 before storing; public names still work."""
    with Emulator(data_dir=tmp_path, allow_private_callbacks=False, callback_timeout=0.5) as emu:
        b = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
        for url in (callback_server.url("/ok"), "http://localhost:1/x", "http://10.1.2.3/x",
                    f"http://93.184.216.34/a;{callback_server.url('/ok')}"):
            with pytest.raises(oss2.exceptions.ServerError) as info:
                _put(b, "private", _cb(url))
            assert info.value.status == 400
            assert info.value.message == "Private address is forbidden to callback."
            assert info.value.details["EC"] == "0007-00000008"
            assert not b.object_exists("private")
        # A host that does not resolve is refused before storing (issue #26: OSS's EC page
        # 0007-00000007 documents the error; the 400 and its words are the kit's). The 203 that
        # oss2's live test_sign_url_with_callback gets is for a name that resolves on the internet.
        # .invalid is never looked up.
        with pytest.raises(oss2.exceptions.ServerError) as info:
            _put(b, "unresolvable", _cb("http://no-such-host.invalid/cb"))
        assert (info.value.status, info.value.code) == (400, "InvalidArgument")
        assert info.value.details["EC"] == "0007-00000007" and info.value.message == m.HOST_UNRESOLVABLE.message
        assert not b.object_exists("unresolvable")
        n = callback_server.count()
        # A public address passes validation; the attempt then fails. It runs in a network namespace
        # of its own with no route out, so the connect fails at once and no packet leaves the machine.
        status, exists = _public_address_upload_in_a_closed_namespace(tmp_path / "netns")
        assert status == 203
        assert exists and callback_server.count() == n


_CLOSED_NAMESPACE_UPLOAD = """
import base64, json, sys
import oss2
from osscb_notebook.emulator import Emulator
cb = base64.b64encode(json.dumps({"callbackUrl": "http://93.184.216.34:9/x", "callbackBody": "o=${object}"}).encode())
with Emulator(data_dir=sys.argv[1], allow_private_callbacks=False, callback_timeout=0.5) as emu:
    b = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
    result = b.put_object("public", b"hello", headers={"x-oss-callback": cb.decode()})
    print(json.dumps([result.status, b.object_exists("public")]))
"""


def _public_address_upload_in_a_closed_namespace(data_dir) -> tuple[int, bool]:
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2) for a network namespace with no route out")
    script = f"ip link set lo up && exec {sys.executable} -c '{_CLOSED_NAMESPACE_UPLOAD}' {data_dir}"
    done = subprocess.run(["unshare", "--map-root-user", "--net", "sh", "-c", script],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    status, exists = json.loads(done.stdout.strip().splitlines()[-1])
    return status, exists


# ----------------------------------------------------------------------------- multipart and records


def test_complete_multipart_upload_callback_replaces_xml(bucket, emulator, callback_server):
    key = unique("mp/cb")
    upload_id = bucket.init_multipart_upload(key).upload_id
    part1 = b"a" * (100 * 1024)
    p1 = bucket.upload_part(key, upload_id, 1, part1)
    p2 = bucket.upload_part(key, upload_id, 2, b"tail")
    n = callback_server.count()
    headers = {"x-oss-callback": b64json(_cb(callback_server.url("/ok"),
                                             callbackBody="etag=${etag}&size=${size}&md5=${contentMd5}&op=${operation}"))}
    result = bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, p1.etag), oss2.models.PartInfo(2, p2.etag)],
                                              headers=headers)
    assert result.status == 200
    assert json.loads(result.resp.read())["Status"] == "OK"  # not the CompleteMultipartUploadResult XML
    [cap] = callback_server.since(n)
    etag = result.etag
    assert etag.endswith("-2")
    assert cap.body.decode() == f"etag={etag}&size={len(part1) + 4}&md5=&op=CompleteMultipartUpload"
    assert bucket.get_object(key).read() == part1 + b"tail"
    assert emulator.last_record.operation == "CompleteMultipartUpload"


def test_complete_multipart_upload_invalid_callback_keeps_upload_open(bucket):
    key = unique("mp/bad")
    upload_id = bucket.init_multipart_upload(key).upload_id
    p1 = bucket.upload_part(key, upload_id, 1, b"only")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, p1.etag)],
                                         headers={"x-oss-callback": "@@"})
    assert info.value.status == 400 and not bucket.object_exists(key)
    bucket.complete_multipart_upload(key, upload_id, [oss2.models.PartInfo(1, p1.etag)])
    assert bucket.get_object(key).read() == b"only"


def test_records_and_listeners(bucket, emulator, callback_server):
    seen: list[Record] = []
    unsubscribe = emulator.subscribe(seen.append)
    emulator.subscribe(lambda r: 1 / 0)  # a broken listener must not break uploads
    try:
        key = unique("rec")
        _put(bucket, key, _cb(callback_server.url("/notjson"), callbackBody="k=${x:k}"), {"x:k": "v"})
    finally:
        unsubscribe()
    [record] = seen
    assert record is emulator.last_record
    d = record.to_dict()
    json.dumps(d)  # serialisable
    assert d["operation"] == "PutObject" and d["status"] == 203 and d["outcome"] == "callback_failed"
    assert d["callback"]["callbackUrl"] == callback_server.url("/notjson")
    assert d["callback_var"] == {"x:k": "v"} and d["callback_transport"] == "header"
    assert d["rendered_body"]["text"] == "k=v"
    [attempt] = d["attempts"]
    assert attempt["status"] == 200 and attempt["outcome"] == "not_json" and attempt["reply_body"]["text"] == "OK"
    assert attempt["message"] == m.MSG_NOT_JSON
    assert emulator.access_key_secret not in json.dumps(d)
    assert d["object"]["size"] == 5


# ----------------------------------------------------------------------------- issue #25: spelling, total deadline

#: The current request on OSS's callback page, in its order (docs/callback-request.md); Content-Length
#: where the older example and the 2019 capture have it.
DOCUMENTED_HEADERS = [
    "Host", "Connection", "Content-Length", "Authorization", "Content-MD5", "Content-Type", "Date", "User-Agent",
    "x-oss-bucket", "x-oss-pub-key-url", "x-oss-request-id", "x-oss-requester", "x-oss-signature-version",
    "x-oss-tag",
]


def test_the_callback_is_spelled_and_ordered_as_the_current_documented_request(bucket):
    import threading

    raw: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]

        def serve() -> None:
            conn, _ = srv.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length:")))
                while len(body) < length:
                    body += conn.recv(65536)
                raw.append(head)
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n'
                             b'Connection: close\r\n\r\n{"Status":"OK"}')

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        result = _put(bucket, unique("spelling"), {"callbackUrl": f"http://127.0.0.1:{port}/cb",
                                                   "callbackBody": "bucket=${bucket}&object=${object}"})
        t.join(10)
    assert result.status == 200
    lines = raw[0].decode("latin-1").split("\r\n")
    assert lines[0] == "POST /cb HTTP/1.1"
    headers = [line.split(":", 1) for line in lines[1:]]
    assert [name for name, _ in headers] == DOCUMENTED_HEADERS
    values = {name: value.strip() for name, value in headers}
    assert values["User-Agent"] == "aliyun-oss-callback" and values["x-oss-signature-version"] == "1.0"
    assert values["x-oss-tag"] == "CALLBACK" and values["Connection"] == "close"


@pytest.mark.parametrize("mode", ["continue", "header-trickle", "body-trickle", "refusal-trickle", "silent"])
def test_the_emulator_gives_up_at_oss_5_s_total_whatever_the_server_does(bucket, emulator, mode):
    import time

    from tests.probe.servers import Hostile

    with Hostile(mode) as server:
        start = time.monotonic()
        result = _put(bucket, unique("hostile"), {"callbackUrl": server.url, "callbackBody": "o=${object}"})
        took = time.monotonic() - start
    assert result.status == 203
    # OSS's 5 s is a total for the callback exchange (the issue demands the bound)
    assert took < 5.0 + 2.0, (mode, took)
    attempt = emulator.last_record.attempts[-1]
    assert attempt.elapsed_ms <= 5000 + 250, (mode, attempt.elapsed_ms)
    err = _error(result.resp.read())
    if mode == "refusal-trickle":
        assert err["Message"] == "Error status : 400."
    elif mode == "continue":  # capped interim replies: no final status line, nothing OSS can read
        assert err["Message"] == m.MSG_CANNOT_CONNECT and attempt.outcome == "bad_reply"
    else:
        assert err["EC"] == m.CALLBACK_FAILED_EC_TIMEOUT and attempt.outcome == "timeout", err
