"""Each cause of a 203 gets its own explanation: real uploads with oss2 through the emulator to a real
receiver broken on purpose (or a raw loopback server), and OSS's own messages read back."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.params import messages as m
from osscb_notebook.receiver import Receiver, ReplySettings, start_receiver
from osscb_notebook.upload import (
    CAUSES,
    UploadOutcome,
    UploadTarget,
    explain_callback_failure,
    upload,
)
from tests.support import SocketServer, closed_port, read_request

BODY = "bucket=${bucket}&object=${object}"


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    # a short callback budget keeps the "slow" case quick; OSS's is 5 s
    with Emulator(data_dir=tmp_path_factory.mktemp("emu"), callback_timeout=0.5) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def receiver(emu: Emulator) -> Iterator[Receiver]:
    r = start_receiver(mode="thread", trust_key_urls=[emu.public_key_prefix])
    yield r
    r.stop()


def _upload(emu: Emulator, url: str, key: str = "k.txt") -> UploadOutcome:
    outcome = upload(UploadTarget.for_emulator(emu), key, b"data", callback={"callbackUrl": url, "callbackBody": BODY})
    assert outcome.status == 203 and outcome.stored and outcome.error_code == "CallbackFailed", outcome.body
    assert UploadTarget.for_emulator(emu).client().get_object(key).read() == b"data"
    return outcome


def _through_receiver(emu: Emulator, receiver: Receiver, reply: ReplySettings) -> UploadOutcome:
    receiver.set_reply(reply)
    try:
        return _upload(emu, receiver.url + "cb")
    finally:
        receiver.set_reply(None)


def _explained(outcome: UploadOutcome, cause: str) -> str:
    failure = outcome.callback_failure
    assert failure is not None and failure.cause == cause, failure
    assert failure.explanation in outcome.explanation and "IS stored" in outcome.explanation
    return failure.explanation


def test_chunked_reply_is_a_missing_content_length_not_a_bad_status(emu: Emulator, receiver: Receiver) -> None:
    outcome = _through_receiver(emu, receiver, ReplySettings(content_length=False))
    assert outcome.error_message == m.MSG_MISSING_LENGTH
    why = _explained(outcome, "no_length")
    assert "answered 200" in why and "chunked" in why and "not with 200" not in outcome.explanation
    assert outcome.callback_failure.status == 200  # type: ignore[union-attr]


def test_oversized_reply_is_over_the_1_mb_limit(emu: Emulator, receiver: Receiver) -> None:
    outcome = _through_receiver(emu, receiver, ReplySettings(oversize=True))
    assert outcome.error_message == m.MSG_TOO_LONG
    why = _explained(outcome, "too_long")
    assert "answered 200" in why and "1 MB" in why


def test_unreachable_server_never_answered(emu: Emulator) -> None:
    outcome = _upload(emu, f"http://127.0.0.1:{closed_port()}/cb")
    assert outcome.error_message == m.MSG_CANNOT_CONNECT
    why = _explained(outcome, "unreachable")
    assert "could not connect" in why and "answered" not in why


def test_non_200_status_names_the_status(emu: Emulator, receiver: Receiver) -> None:
    outcome = _through_receiver(emu, receiver, ReplySettings(status=404))
    assert outcome.error_message == "Error status : 404." and outcome.ec == m.CALLBACK_FAILED_EC_STATUS
    why = _explained(outcome, "status")
    assert "answered HTTP 404, not 200" in why and "POST (405)" in why
    assert outcome.callback_failure.status == 404  # type: ignore[union-attr]


def test_non_json_reply(emu: Emulator, receiver: Receiver) -> None:
    outcome = _through_receiver(emu, receiver, ReplySettings(status=200, body="OK", content_type="text/plain"))
    assert outcome.ec == m.CALLBACK_FAILED_EC_NOT_JSON
    why = _explained(outcome, "not_json")
    assert "answered 200" in why and "application/xml" in why


def test_bom_before_json_is_not_json(emu: Emulator, receiver: Receiver) -> None:
    outcome = _through_receiver(emu, receiver, ReplySettings(bom=True))
    assert "BOM" in _explained(outcome, "not_json")


def test_slow_reply_is_the_5_s_budget(emu: Emulator, receiver: Receiver) -> None:
    outcome = _through_receiver(emu, receiver, ReplySettings(delay=1.5))
    assert outcome.ec == m.CALLBACK_FAILED_EC_TIMEOUT and "reply timeout" in outcome.error_message
    why = _explained(outcome, "timeout")
    assert "5 s" in why and "may still have got the callback" in why


def test_unusable_content_length(emu: Emulator) -> None:
    def reply(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: twelve\r\n"
                     b"Connection: close\r\n\r\n{\"Status\":\"OK\"}")
        conn.close()

    server = SocketServer(reply)
    try:
        outcome = _upload(emu, server.url)
    finally:
        server.stop()
    assert outcome.error_message == m.MSG_INVALID_LENGTH
    assert "Content-Length OSS could not use" in _explained(outcome, "bad_length")


def test_xml_reply_declared_as_xml_is_a_success(emu: Emulator, receiver: Receiver) -> None:
    receiver.set_reply(body="<Status>OK</Status>", content_type="application/xml")
    try:
        outcome = upload(UploadTarget.for_emulator(emu), "xml.txt", b"x", callback={"callbackUrl": receiver.url + "cb",
                                                                                   "callbackBody": BODY})
    finally:
        receiver.set_reply(None)
    assert outcome.status == 200 and outcome.callback_ok and outcome.callback_failure is None


@pytest.mark.parametrize(("message", "ec", "cause"), [
    # OSS's messages as real OSS and its SDKs' fixtures show them (spec §4.2)
    ("Error status : 301.", "0007-00000203", "status"),
    ("Error status : 502.", "", "status"),
    ("Error status : -1.OSS can not connect to your callbackUrl, please check it.", "", "unreachable"),
    ("Error status : -1 8.8.8.8:9090 reply timeout, cost:5000ms, timeout:5000ms (err -4, errno115)", "", "timeout"),
    ("Cost too long time.", "0007-00000202", "timeout"),
    ("Response body is not valid json format.", "", "not_json"),
    ("Error Status : 400.User server missing content-length.", "0007-00000203", "no_length"),
    ("Error Status : 400.User server return invalid conent-length value.", "", "bad_length"),
    ("Error Status : 400.User server return too long content-length value.", "", "too_long"),
    ("Too many callback requests.", "", "overloaded"),
    ("Get image info failed.", "0007-00000301", "image_info"),
    ("Callback to application server failed, please check your callbackUrl.", "", "unknown"),
])
def test_each_oss_message_maps_to_its_cause(message: str, ec: str, cause: str) -> None:
    failure = explain_callback_failure(message, ec)
    assert failure.cause == cause and failure.cause in CAUSES
    if cause in ("no_length", "bad_length", "too_long", "not_json"):
        assert "answered 200" in failure.explanation
    if cause == "status":
        assert failure.status == int(message.split(":")[1].strip(" ."))


def test_a_redirect_is_explained_as_one() -> None:
    assert "no redirects" in explain_callback_failure("Error status : 301.", "0007-00000203").explanation


def test_causes_are_distinct() -> None:
    texts = {cause: explain_callback_failure(message, ec).explanation for message, ec, cause in [
        (m.MSG_CANNOT_CONNECT, "0007-00000203", "unreachable"), (m.MSG_MISSING_LENGTH, "0007-00000203", "no_length"),
        (m.MSG_TOO_LONG, "0007-00000203", "too_long"), (m.status_message(500), "0007-00000203", "status"),
        (m.MSG_NOT_JSON, "0007-00000205", "not_json"), (m.timeout_message("h:1", 5000), "0007-00000202", "timeout"),
    ]}
    assert len(set(texts.values())) == 6


def test_explanations_are_shown_whole() -> None:
    body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>CallbackFailed</Code>"
            b"<Message>Error Status : 400.User server missing content-length.</Message><EC>0007-00000203</EC></Error>")
    outcome = UploadOutcome("PutObject", "k", 203, body, callback_requested=True)
    assert "without a Content-Length header" in str(outcome)


def test_a_5xx_may_mean_oss_never_reached_the_server() -> None:
    """B3: OSS's troubleshooting page reports time-outs and connection failures as 50x (502: no web
    service at that address), so a 5xx does not claim that the server got the callback."""
    from osscb_notebook.upload.failure import explain_callback_failure

    why = explain_callback_failure("Error status : 502.", m.CALLBACK_FAILED_EC_STATUS)
    assert why.cause == "status" and why.status == 502
    assert "OSS reports HTTP 502" in why.explanation and "got the callback;" not in why.explanation
    assert "no web service" in why.explanation and "server's log" in why.explanation


def test_cannot_connect_also_covers_a_server_slower_than_5_s() -> None:
    """B2: OSS's troubleshooting page gives the -1 'can not connect' message for a server that took
    more than 5 s too, so the explanation says the server may have got the callback."""
    from osscb_notebook.upload.failure import explain_callback_failure

    why = explain_callback_failure(m.MSG_CANNOT_CONNECT).explanation
    assert "more than 5 s" in why and "may have acted on it" in why
