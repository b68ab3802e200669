"""Issue #25 item 12: the differential table (``differential.ROWS``) sent to every exported receiver
on every toolchain of the matrix, and the same bytes to the kit's own verifier. Every answer must
be the table's; a disagreement names the case and the language. Then what one row cannot say:
stalled connections, a slow or trickling key host, concurrent first callbacks."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from osscb_notebook.callback.oss_vectors import OSS_VECTORS
from osscb_notebook.errors import RawRequestError
from osscb_notebook.exports.export import production_receiver_source
from osscb_notebook.exports.languages import ReceiverLanguage
from osscb_notebook.verification import KeyResolver, parse_raw_request, verify_request
from tests.receivers.differential import (
    NOT_JSON,
    ROWS,
    SERVER_DECIDES,
    Answer,
    Context,
    KeyHost,
    Row,
    exchange,
    raw_request,
)
from tests.support import Signer, new_key


@pytest.fixture
def context() -> Iterator[Context]:
    forged_key, forged_pem = new_key()
    signer = Signer()
    host = KeyHost(signer.pem, forged_pem)
    try:
        yield Context(host, signer, Signer(forged_key))
    finally:
        host.close()


def _judge(row: Row, answer: Answer, want: int, json_required: bool) -> str:
    """'' when ``answer`` is the table's, else what differs."""
    if answer.status != want:
        return f"status {answer.status if answer.status > 0 else str(answer)}"
    if not json_required:
        return ""
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return "not JSON"
    if answer.headers.get("content-length") != str(len(answer.body)) or answer.body.startswith(b"\xef\xbb\xbf"):
        return "no exact Content-Length, or a BOM"
    try:
        doc = json.loads(answer.body)
    except ValueError:
        return "a body that is not JSON"
    if row.ok_body and answer.body != b'{"Status":"OK"}':
        return "not exactly {\"Status\":\"OK\"}"
    if not isinstance(doc, dict) or "Status" not in doc:
        return "no Status in the JSON"
    if want == 405 and answer.headers.get("allow") != "POST":
        return "no Allow: POST"
    return ""


def test_every_export_gives_the_tables_answer(lang: ReceiverLanguage, run_receiver, context: Context) -> None:  # type: ignore[no-untyped-def]
    receiver = run_receiver(trusted=context.host.prefix)
    context.base = receiver.url
    source = production_receiver_source(lang.name)
    disagreements = []
    for row in ROWS:
        decided = SERVER_DECIDES.get((row.case, lang.name))
        want = decided[0] if decided else row.expect
        if decided and decided[1] not in source:
            disagreements.append(f"{row.case}: {lang.label}'s header does not say {decided[1]!r}")
        answer = exchange(receiver.port, row.build(context), half_close=row.half_close)
        problem = _judge(row, answer, want, (row.case, lang.name) not in NOT_JSON)
        if problem:
            disagreements.append(f"{row.case}: {lang.label} answered {answer} ({problem}); the table expects {want}")
    assert disagreements == [], "\n".join(disagreements)
    # nothing but the trusted key was ever fetched: no trick reached the key host
    assert [h for h in context.host.hits if not h.startswith("/trusted/pem/")] == [], context.host.hits
    assert receiver.proc.poll() is None, receiver.output


def test_the_kits_verifier_gives_the_tables_verdicts(context: Context) -> None:
    resolver = KeyResolver([context.host.prefix])
    disagreements = []
    for row in ROWS:
        if row.kit is None:
            continue
        try:
            ok = verify_request(parse_raw_request(row.build(context)), resolver).ok
        except RawRequestError:
            ok = False
        if ok is not row.kit:
            disagreements.append(f"{row.case}: the kit's verifier says {'verified' if ok else 'refused'}; "
                                 f"the table expects {'verified' if row.kit else 'refused'}")
    assert disagreements == [], "\n".join(disagreements)
    assert [h for h in context.host.hits if not h.startswith("/trusted/pem/")] == [], context.host.hits


# --- what one row cannot say ---------------------------------------------------------------------

def _g1(port: int) -> bytes:
    req = OSS_VECTORS[0].request(f"http://127.0.0.1:{port}/")
    return raw_request("POST", req.target, list(req.headers), req.body)


def _timed(port: int, data: bytes) -> tuple[Answer, float]:
    started = time.monotonic()
    answer = exchange(port, data)
    return answer, time.monotonic() - started


def test_fifty_stalled_connections_hold_no_genuine_callback(lang: ReceiverLanguage, run_receiver) -> None:  # type: ignore[no-untyped-def]
    """Issue #25 item 9 demands it: 50 connections stalled in their headers or body, and a genuine
    callback is still answered within 1 s."""
    receiver = run_receiver()
    stalled = []
    try:
        for i in range(50):
            sock = socket.create_connection(("127.0.0.1", receiver.port), timeout=10)
            sock.sendall(b"POST /cb HTTP/1.1\r\nHost: 127.0.0.1\r\n" if i % 2 else
                         b"POST /cb HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nbucket=")
            stalled.append(sock)
        time.sleep(0.5)  # let the server take them all in
        answer, took = _timed(receiver.port, _g1(receiver.port))
        print(f"{lang.label}: a genuine callback with 50 stalled connections answered {answer.status} in {took:.3f} s")
        assert answer.status == 200 and answer.body == b'{"Status":"OK"}', str(answer)
        assert took < 1.0, f"{lang.label} took {took:.2f} s"
    finally:
        for sock in stalled:
            sock.close()
    assert receiver.proc.poll() is None, receiver.output


def test_a_slow_key_host_holds_only_its_own_callbacks(lang: ReceiverLanguage, run_receiver, context: Context) -> None:  # type: ignore[no-untyped-def]
    """Three callbacks wait on a key host that stalls past the 3 s limit: one fetch, all three
    refused within 5 s (no retry per waiting callback), and a genuine callback meanwhile within 1 s."""
    receiver = run_receiver(trusted=context.host.prefix)
    context.base = receiver.url
    slow = [context.raw(context.signed(f"/cb?n={i}", key_url=context.host.prefix + "slow/k.pem")) for i in range(3)]
    with ThreadPoolExecutor(3) as pool:
        started = time.monotonic()
        futures = [pool.submit(exchange, receiver.port, data) for data in slow]
        time.sleep(0.5)
        answer, took = _timed(receiver.port, _g1(receiver.port))
        slow_answers = [f.result() for f in futures]
        slow_took = time.monotonic() - started
    assert answer.status == 200 and took < 1.0, (str(answer), took)
    assert [a.status for a in slow_answers] == [400] * 3, [str(a) for a in slow_answers]
    assert slow_took < 5.0, slow_took
    assert len(context.host.hits_of("/slow/")) == 1, context.host.hits
    # remembered: the same URL is refused again with no new fetch
    again = exchange(receiver.port, slow[0])
    assert again.status == 400 and len(context.host.hits_of("/slow/")) == 1, (str(again), context.host.hits)


def test_the_key_fetch_limit_is_total(lang: ReceiverLanguage, run_receiver, context: Context) -> None:  # type: ignore[no-untyped-def]
    """A PEM trickled over 6 s (each read well within 3 s) is refused by the 3 s total limit, so
    the callback is answered within OSS's 5 s."""
    receiver = run_receiver(trusted=context.host.prefix)
    context.base = receiver.url
    answer, took = _timed(receiver.port, context.raw(context.signed(key_url=context.host.prefix + "trickle/k.pem")))
    assert answer.status == 400 and took < 5.0, (str(answer), took)


def test_thirty_concurrent_first_callbacks_fetch_the_key_once(lang: ReceiverLanguage, run_receiver, context: Context) -> None:  # type: ignore[no-untyped-def]
    receiver = run_receiver(trusted=context.host.prefix)
    context.base = receiver.url
    requests = [context.raw(context.signed(f"/cb?n={i}", key_url=context.host.prefix + "pem/once.pem")) for i in range(30)]
    barrier = threading.Barrier(30)

    def send(data: bytes) -> Answer:
        barrier.wait()
        return exchange(receiver.port, data, timeout=20)

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(send, requests))
    assert [a.status for a in answers] == [200] * 30, [str(a) for a in answers if a.status != 200]
    assert len(context.host.hits_of("/pem/once.pem")) == 1, context.host.hits




def test_php_builtin_server_dies_on_a_huge_content_length_as_the_header_says(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The documented ``php -S`` command: PHP's built-in server allocates the declared body before
    the script runs and exits ("Out of memory"), which the file's header states; its own launcher
    (the table above runs it) answers 413 and keeps serving."""
    from osscb_notebook.exports.languages import LANGUAGES
    from tests.receivers import harness

    row = LANGUAGES["php"]
    harness.require(row)
    assert "EXIT: no 413" in production_receiver_source("php")
    receiver = harness.start(harness.php_builtin_server(row), harness.export(row, tmp_path), documented=True)
    try:
        exchange(receiver.port, raw_request("POST", "/cb", [], b"a=1", length=str(10**12)), timeout=10)
        receiver.proc.wait(10)
        assert receiver.proc.returncode is not None, "php -S survived: update the PHP header (and this test)"
        assert "Out of memory" in receiver.output, receiver.output
    finally:
        receiver.stop()
