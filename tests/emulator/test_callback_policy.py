"""Issue #12 items 3 and 4: where callbacks may go, and fields that could not go on the wire.

No test here sends a packet to a non-loopback address: refusals happen before any connection.
"""

from __future__ import annotations

import oss2
import pytest

from osscb_notebook.callback import build_callback_request, generate_private_key
from osscb_notebook.emulator import Emulator
from osscb_notebook.emulator._callback_policy import forbidden
from osscb_notebook.emulator._dispatch import send
from osscb_notebook.params import messages as m
from osscb_notebook.params import parse_callback_url
from tests.emulator.emulator_helpers import CallbackServer, b64json, unique

PRIVATE_HOSTS = ["169.254.169.254", "10.0.0.1", "2852039166", "0251.0376.0251.0376", "0xa9fea9fe", "0xa9.0xfe.0xa9.0xfe",
                 "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0", "0", "224.0.0.1", "239.255.255.250"]


def _put(bucket: oss2.Bucket, key: str, callback: dict) -> oss2.models.PutObjectResult:  # type: ignore[type-arg]
    return bucket.put_object(key, b"hello", headers={"x-oss-callback": b64json(callback)})


def _refused(bucket: oss2.Bucket, callback: dict, msg: m.OssMessage) -> None:  # type: ignore[type-arg]
    key = unique("refused")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        _put(bucket, key, callback)
    assert (info.value.status, info.value.message) == (400, msg.message)
    assert info.value.details.get("EC") == msg.ec
    assert not bucket.object_exists(key)


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_the_default_policy_refuses_private_addresses_in_any_notation(bucket: oss2.Bucket, host: str) -> None:
    _refused(bucket, {"callbackUrl": f"http://{host}:8080/cb", "callbackBody": "o=${object}"}, m.PRIVATE_ADDRESS)


def test_one_private_url_among_several_refuses_the_upload(bucket: oss2.Bucket, callback_server: CallbackServer) -> None:
    url = f"{callback_server.url('/ok')};http://10.0.0.1/cb"
    _refused(bucket, {"callbackUrl": url, "callbackBody": "o=${object}"}, m.PRIVATE_ADDRESS)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "2130706433"])
def test_the_default_policy_allows_loopback_in_any_notation(bucket: oss2.Bucket, callback_server: CallbackServer,
                                                            host: str) -> None:
    port = callback_server.port
    n = callback_server.count()
    result = _put(bucket, unique("loop"), {"callbackUrl": f"http://{host}:{port}/ok", "callbackBody": "o=${object}"})
    assert result.status == 200
    (captured,) = callback_server.since(n)
    assert captured.verified
    assert captured.headers["host"] == f"{host}:{port}"  # the Host OSS sends is the URL's, not the address


@pytest.mark.parametrize(("address", "policy", "refused"), [
    ("127.0.0.1", "oss-with-loopback", False), ("127.0.0.1", "oss", True), ("127.0.0.1", "any", False),
    ("10.0.0.1", "any", False), ("10.0.0.1", "oss-with-loopback", True),
    ("8.8.8.8", "oss", False), ("8.8.8.8", "oss-with-loopback", False),
    ("::1", "oss-with-loopback", False), ("::1", "oss", True), ("fe80::1", "oss-with-loopback", True),
    ("::", "oss-with-loopback", True), ("ff02::1", "oss-with-loopback", True), ("fc00::1", "oss-with-loopback", True),
    ("::ffff:10.0.0.1", "oss-with-loopback", True), ("::ffff:169.254.169.254", "oss-with-loopback", True),
    ("::ffff:127.0.0.1", "oss-with-loopback", False), ("::ffff:127.0.0.1", "oss", True),
    ("2606:4700::1111", "oss", False),
])
def test_the_policy_rule_for_each_kind_of_address(address: str, policy: str, refused: bool) -> None:
    assert forbidden(address, policy) is refused


def test_oss_policy_refuses_loopback_and_any_policy_allows_it(tmp_path, callback_server: CallbackServer) -> None:  # noqa: ANN001
    cb = {"callbackUrl": callback_server.url("/ok"), "callbackBody": "o=${object}"}
    with Emulator(data_dir=tmp_path / "oss", callback_policy="oss") as emu:
        b = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
        _refused(b, cb, m.PRIVATE_ADDRESS)
    with Emulator(data_dir=tmp_path / "any", callback_policy="any") as emu:
        b = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
        assert _put(b, unique("any"), cb).status == 200


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="callback_policy"):
        Emulator(callback_policy="open")


def test_the_callback_connects_to_the_checked_address_not_a_fresh_lookup(callback_server: CallbackServer) -> None:
    # a name that cannot resolve now: only the address checked at validation can be reached
    target = parse_callback_url(f"http://rebind.invalid:{callback_server.port}/ok")
    request = build_callback_request(target, b"o=1", body_type="application/x-www-form-urlencoded",
                                     private_key=generate_private_key(1024), public_key_url="http://127.0.0.1:9/k.pem",
                                     bucket="demo", request_id="R", requester="1")
    n = callback_server.count()
    attempt = send(request, target, 5.0, "127.0.0.1")
    assert attempt.status == 400  # the key URL above is not the server's, so it answers "verify not ok"
    (captured,) = callback_server.since(n)
    assert captured.headers["host"] == f"rebind.invalid:{callback_server.port}"


# -- item 3: fields that pass parsing but cannot go on the wire ---------------------------------------------

@pytest.mark.parametrize("url", ["http://a..b/cb", f"http://{'a' * 64}.example.com/cb", "http://-a.example.com/cb"])
def test_a_host_dns_cannot_hold_is_a_400_before_storing(bucket: oss2.Bucket, url: str) -> None:
    _refused(bucket, {"callbackUrl": url, "callbackBody": "o=${object}"}, m.URL_INVALID)


@pytest.mark.parametrize("host", ["例え.jp", "a b", "host\r\nX-Evil: 1", "h/x"])
def test_a_callback_host_that_is_not_a_host_is_a_400_before_storing(bucket: oss2.Bucket,
                                                                    callback_server: CallbackServer, host: str) -> None:
    _refused(bucket, {"callbackUrl": callback_server.url("/ok"), "callbackHost": host, "callbackBody": "o=${object}"},
             m.HOST_INVALID)


@pytest.mark.parametrize("value", ["a\r\nx-evil: 1", "a\nb", "a\x00b"])
def test_a_control_character_in_an_additional_header_is_a_400(bucket: oss2.Bucket, callback_server: CallbackServer,
                                                              value: str) -> None:
    cb = {"callbackUrl": callback_server.url("/ok"), "callbackBody": "o=${object}", "additionalHeaders": {"x-a": value}}
    _refused(bucket, cb, m.ADDITIONAL_HEADERS_INVALID)


def test_a_non_ascii_additional_header_goes_out_as_utf8(bucket: oss2.Bucket, callback_server: CallbackServer) -> None:
    n = callback_server.count()
    cb = {"callbackUrl": callback_server.url("/ok"), "callbackBody": "o=${object}", "additionalHeaders": {"x-a": "例え"}}
    assert _put(bucket, unique("utf8"), cb).status == 200
    (captured,) = callback_server.since(n)
    assert captured.headers["x-a"].encode("latin-1").decode("utf-8") == "例え"


def test_send_never_raises_on_a_header_http_client_refuses(callback_server: CallbackServer) -> None:
    target = parse_callback_url(callback_server.url("/ok"))
    request = build_callback_request(target, b"o=1", body_type="application/x-www-form-urlencoded",
                                     private_key=generate_private_key(1024), public_key_url="http://127.0.0.1:9/k.pem",
                                     bucket="demo", request_id="R", requester="1", host="bad\r\nhost")
    attempt = send(request, target, 5.0, "127.0.0.1")
    assert attempt.outcome == "connect" and attempt.ec is not None


# -- issue #20 item 2: a host that does not resolve is a failed attempt after storing, not a 400 --------------

def test_names_under_invalid_are_never_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from osscb_notebook.emulator._callback_policy import resolve

    looked_up: list[str] = []
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: looked_up.append(host) or real(host, *a, **k))
    assert resolve(parse_callback_url("http://no-such-host.invalid/cb")) == []
    assert resolve(parse_callback_url("http://a.b.INVALID./cb")) == []
    assert resolve(parse_callback_url("http://localhost/cb")) == ["127.0.0.1"]
    assert looked_up == ["localhost"]


@pytest.mark.parametrize("urls", ["http://nowhere.invalid:8080/cb", "http://nowhere.invalid/cb;{ok}"],
                         ids=["alone", "before-a-good-url"])
def test_an_unresolvable_url_is_a_400_before_storing(bucket: oss2.Bucket, callback_server: CallbackServer,
                                                     urls: str) -> None:
    """EC page 0007-00000007: a callbackUrl holding a URL that cannot be resolved to an IP is an
    error, even next to a good one (the status and message are the kit's: OSS publishes neither)."""
    n = callback_server.count()
    key = unique("unresolved")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        _put(bucket, key, {"callbackUrl": urls.format(ok=callback_server.url("/ok")), "callbackBody": "o=${object}"})
    assert (info.value.status, info.value.code, info.value.details["EC"]) == (400, "InvalidArgument", "0007-00000007")
    assert info.value.message == m.HOST_UNRESOLVABLE.message
    assert not bucket.object_exists(key) and callback_server.count() == n
