"""Send the callback as OSS does and judge the reply (spec §1.1, §4.1, §4.2).

POST to each URL of ``callbackUrl`` in order until one succeeds; 5 s per attempt, a total deadline
(connect, send, interim replies, headers, body); no retries; no redirects. Success is exactly 200 with a valid Content-Length of at most 1 MB and a JSON body
(no BOM) or any body declared ``application/xml``.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric import rsa

from .._wire import REPLY_CAP
from ..callback import CallbackRequest, build_callback_request
from ..params import CallbackTarget
from ..params import messages as m
from ._ints import strict_int
from ._records import CallbackAttempt
from ._reply import DeadlineReader, NoReply, ReplyError, read_head, read_some

MAX_REPLY_BYTES = REPLY_CAP
#: EC for the 203 messages whose code OSS does not publish (cannot connect, Content-Length
#: problems): they are all "Error status" failures, so the kit uses 0007-00000203 [I].
EC_OTHER = m.CALLBACK_FAILED_EC_STATUS
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


@dataclass
class Dispatched:
    """The outcome of all attempts: ``body``/``content_type`` to return on success, else the
    last attempt's 203 ``message`` and ``ec``."""

    ok: bool
    attempts: list[CallbackAttempt]
    body: bytes = b""
    content_type: str = "application/json"
    message: str = ""
    ec: str | None = None


def _wire_target(target: CallbackTarget) -> CallbackTarget:
    # http.client sends ASCII only; non-ASCII (a callbackUrl that was not URL-encoded as the docs
    # ask) is percent-encoded, which the receiver's unquote(path) turns back into the same bytes.
    return dataclasses.replace(target, path=quote(target.path, safe=_SAFE), query=quote(target.query, safe=_SAFE))


def _fail(attempt: CallbackAttempt, outcome: str, message: str, ec: str | None) -> CallbackAttempt:
    attempt.outcome, attempt.message, attempt.ec = outcome, message, ec
    return attempt


def _is_xml(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in ("application/xml", "text/xml")


def _request_bytes(request: CallbackRequest) -> bytes:
    """The request as it goes on the wire; ``ValueError`` for what ``http.client`` refused to send
    (a target with spaces or controls, a header name or value with CR/LF)."""
    target = request.target
    if not target.isascii() or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        raise ValueError(f"cannot send the request target {target!r}")
    lines = [f"{request.method} {target} HTTP/1.1".encode("ascii")]
    for name, value in request.headers:
        if not name or not name.isascii() or any(ch in name for ch in " \t\r\n:"):
            raise ValueError(f"cannot send the header name {name!r}")
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"cannot send the value of {name}")
        # non-ASCII values go out as UTF-8 bytes (what the receiver decodes)
        lines.append(name.encode("ascii") + b": " + (value.encode("latin-1") if value.isascii() else value.encode("utf-8")))
    return b"\r\n".join(lines) + b"\r\n\r\n" + request.body


def _connect(target: CallbackTarget, address: str, deadline: float) -> socket.socket:
    """A connection to ``address`` (checked beforehand, never re-resolved), TLS for https with SNI and
    certificate checks for the URL's host name; the handshake too ends at ``deadline``."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed before connecting")
    sock = socket.create_connection((address, target.port), left)
    if target.scheme != "https":
        return sock
    try:
        tls = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host, do_handshake_on_connect=False)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("TLS handshake deadline passed")
            tls.settimeout(left)
            try:
                tls.do_handshake()  # blocking with a timeout: one wait; loop in case it is cut short
                return tls
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
    except BaseException:
        sock.close()
        raise


def send(request: CallbackRequest, target: CallbackTarget, timeout: float, address: str | None = None, *,
         keep_refusal: int = 0) -> CallbackAttempt:
    """One attempt, to ``address`` if given (else the host as it resolves now), all of it within
    ``timeout`` seconds in total: connecting, sending, interim replies, headers and body (a trickling
    or ``100 Continue``-flooding server is cut off on time). Never raises: every problem becomes the
    attempt's outcome. ``keep_refusal`` > 0 also keeps up to that many bytes of a non-200 reply's body
    (OSS ignores them; the probe shows them; at most one more second, within the deadline).

    Outcomes: ``ok``; ``connect`` (no connection, or closed before any reply byte); ``bad_reply``
    (bytes that are not an HTTP reply: an unparseable status line such as ``http/1.1 403``, or broken
    headers; OSS's message for this is not documented, the kit uses its "can not connect" one [I]);
    ``timeout``; ``status`` (not 200); ``missing_length``/``invalid_length``/``too_long``;
    ``not_json`` (including a 200 whose headers arrive and whose body never does: the FAQ's
    ``wfile.write(str)`` on Python 3, which OSS reports as "Response body is not valid json format").
    """
    start = time.monotonic()
    attempt = CallbackAttempt(url=request.url, request_target=request.target, request_headers=list(request.headers),
                              request_body=request.body, started=time.time())
    deadline = start + timeout
    peer = f"{target.host}:{target.port}"
    sock: socket.socket | None = None
    try:
        try:
            raw = _request_bytes(request)
        except ValueError:
            # validation should have caught it, but the upload is stored by now: the client gets a 203
            return _fail(attempt, "connect", m.MSG_CANNOT_CONNECT, EC_OTHER)
        try:
            sock = _connect(target, address or target.host, deadline)
        except TimeoutError:
            raise
        except (OSError, ssl.SSLError, ValueError, UnicodeError):  # ValueError: a name IDNA cannot encode
            return _fail(attempt, "connect", m.MSG_CANNOT_CONNECT, EC_OTHER)
        peer = "{}:{}".format(*sock.getpeername()[:2])
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        sock.sendall(raw)  # Python >= 3.5: the timeout bounds the whole sendall
        reader = DeadlineReader(sock, deadline)
        try:
            head = read_head(reader)
        except NoReply:
            return _fail(attempt, "connect", m.MSG_CANNOT_CONNECT, EC_OTHER)
        except ReplyError as exc:
            # what came back, when it was a status line nobody can parse (e.g. b"http/1.1 403\r\n")
            attempt.reply_body = exc.raw or None
            return _fail(attempt, "bad_reply", m.MSG_CANNOT_CONNECT, EC_OTHER)
        attempt.status = head.status
        attempt.reply_headers = list(head.headers)
        if head.status != 200:
            if keep_refusal > 0:
                attempt.reply_body = read_some(reader, head, keep_refusal, time.monotonic() + 1.0)
            return _fail(attempt, "status", m.status_message(head.status), m.CALLBACK_FAILED_EC_STATUS)
        length = head.get("content-length")
        if length is None:
            return _fail(attempt, "missing_length", m.MSG_MISSING_LENGTH, EC_OTHER)
        size = strict_int(length.strip())
        if size is None:
            return _fail(attempt, "invalid_length", m.MSG_INVALID_LENGTH, EC_OTHER)
        if size > MAX_REPLY_BYTES:
            return _fail(attempt, "too_long", m.MSG_TOO_LONG, EC_OTHER)
        body = reader.read(size)
        attempt.reply_body = body
        if len(body) < size:
            if not body:  # headers, then the connection closed: OSS parses an empty body
                return _fail(attempt, "not_json", m.MSG_NOT_JSON, m.CALLBACK_FAILED_EC_NOT_JSON)
            return _fail(attempt, "invalid_length", m.MSG_INVALID_LENGTH, EC_OTHER)
        if _is_xml(head.get("content-type") or ""):
            attempt.outcome = "ok"
            return attempt
        try:
            json.loads(body.decode("utf-8"))  # str input: a UTF-8 BOM is an error, as at OSS
        except ValueError:
            return _fail(attempt, "not_json", m.MSG_NOT_JSON, m.CALLBACK_FAILED_EC_NOT_JSON)
        attempt.outcome = "ok"
        return attempt
    except TimeoutError:
        cost = int((time.monotonic() - start) * 1000)
        return _fail(attempt, "timeout", m.timeout_message(peer, cost, int(timeout * 1000)), m.CALLBACK_FAILED_EC_TIMEOUT)
    except (OSError, ssl.SSLError, ValueError):
        return _fail(attempt, "connect", m.MSG_CANNOT_CONNECT, EC_OTHER)
    finally:
        attempt.elapsed_ms = (time.monotonic() - start) * 1000
        if sock is not None:
            sock.close()


def dispatch(
    targets: list[CallbackTarget], body: bytes, *, body_type: str, host: str | None, private_key: rsa.RSAPrivateKey,
    public_key_url: str, bucket: str, request_id: str, requester: str, timeout: float,
    additional_headers: Mapping[str, str] | None = None, addresses: list[str] | None = None,
) -> Dispatched:
    """Try each target in order until one succeeds; report the last failure otherwise.

    ``additional_headers`` (the callback's ``additionalHeaders``, already validated) are sent
    after OSS's own headers; the signature does not cover headers.
    """
    attempts: list[CallbackAttempt] = []
    for i, target in enumerate(targets):
        wire = _wire_target(target)
        request = build_callback_request(
            wire, body, body_type=body_type, private_key=private_key, public_key_url=public_key_url,
            bucket=bucket, request_id=request_id, requester=requester, host=host or None,
        )
        if additional_headers:
            request = dataclasses.replace(request, headers=[*request.headers, *additional_headers.items()])
        address = addresses[i] if addresses and i < len(addresses) else None
        # every host resolved before storing (an unresolvable one is the 400 of EC 0007-00000007)
        attempt = send(request, wire, timeout, address)
        attempts.append(attempt)
        if attempt.ok:
            reply_type = next((v for k, v in attempt.reply_headers if k.lower() == "content-type"), "")
            return Dispatched(True, attempts, attempt.reply_body or b"", reply_type or "application/json")
    last = attempts[-1]
    return Dispatched(False, attempts, message=last.message or m.MSG_CANNOT_CONNECT, ec=last.ec)
