"""Send the callback as OSS does and judge the reply (spec §1.1, §4.1, §4.2).

POST to each URL of ``callbackUrl`` in order until one succeeds; 5 s per attempt; no retries; no
redirects. Success is exactly 200 with a valid Content-Length of at most 1 MB and a JSON body
(no BOM) or any body declared ``application/xml``.
"""

from __future__ import annotations

import dataclasses
import http.client
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


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to an address checked beforehand, not to whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to a checked address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address, self.tls = address, context

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _read_some(reply: http.client.HTTPResponse, sock: socket.socket, deadline: float, limit: int) -> bytes | None:
    # at most ``limit`` bytes and one more second: a refusal's body is for reading, not for judging
    sock.settimeout(max(min(deadline - time.monotonic(), 1.0), 0.001))
    try:
        return reply.read(limit)
    except (OSError, http.client.HTTPException, ValueError):
        return None


def send(request: CallbackRequest, target: CallbackTarget, timeout: float, address: str | None = None, *,
         keep_refusal: int = 0) -> CallbackAttempt:
    """One attempt, to ``address`` if given (else the host as it resolves now). Never raises:
    every problem becomes the attempt's outcome. ``keep_refusal`` > 0 also keeps up to that many
    bytes of a non-200 reply's body (OSS ignores them; the probe shows them)."""
    start = time.monotonic()
    attempt = CallbackAttempt(url=request.url, request_target=request.target, request_headers=list(request.headers),
                              request_body=request.body, started=time.time())
    deadline = start + timeout
    peer = f"{target.host}:{target.port}"
    conn: http.client.HTTPConnection
    address = address or target.host
    if target.scheme == "https":
        conn = _PinnedHTTPS(target.host, target.port, address, timeout, ssl.create_default_context())
    else:
        conn = _PinnedHTTP(target.host, target.port, address, timeout)
    try:
        try:
            conn.connect()
        except (OSError, ssl.SSLError, ValueError):  # ValueError: a name IDNA cannot encode
            return _fail(attempt, "connect", m.MSG_CANNOT_CONNECT, EC_OTHER)
        if conn.sock is not None:
            peer = "{}:{}".format(*conn.sock.getpeername()[:2])
        conn.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers:
            # non-ASCII values go out as UTF-8 bytes (http.client would try Latin-1 and raise)
            conn.putheader(name, value if value.isascii() else value.encode("utf-8"))
        conn.endheaders(request.body)
        sock = conn.sock  # http.client drops conn.sock once a "Connection: close" reply arrives
        assert sock is not None
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        reply = conn.getresponse()
        attempt.status = reply.status
        attempt.reply_headers = list(reply.getheaders())
        if reply.status != 200:
            if keep_refusal > 0:
                attempt.reply_body = _read_some(reply, sock, deadline, keep_refusal)
            return _fail(attempt, "status", m.status_message(reply.status), m.CALLBACK_FAILED_EC_STATUS)
        length = reply.getheader("content-length")
        if length is None:
            return _fail(attempt, "missing_length", m.MSG_MISSING_LENGTH, EC_OTHER)
        size = strict_int(length.strip())
        if size is None:
            return _fail(attempt, "invalid_length", m.MSG_INVALID_LENGTH, EC_OTHER)
        if size > MAX_REPLY_BYTES:
            return _fail(attempt, "too_long", m.MSG_TOO_LONG, EC_OTHER)
        body = bytearray()
        while len(body) < size:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = reply.read(min(65536, size - len(body)))
            if not chunk:
                return _fail(attempt, "invalid_length", m.MSG_INVALID_LENGTH, EC_OTHER)
            body += chunk
        attempt.reply_body = bytes(body)
        if _is_xml(reply.getheader("content-type", "")):
            attempt.outcome = "ok"
            return attempt
        try:
            json.loads(bytes(body).decode("utf-8"))  # str input: a UTF-8 BOM is an error, as at OSS
        except ValueError:
            return _fail(attempt, "not_json", m.MSG_NOT_JSON, m.CALLBACK_FAILED_EC_NOT_JSON)
        attempt.outcome = "ok"
        return attempt
    except TimeoutError:
        cost = int((time.monotonic() - start) * 1000)
        return _fail(attempt, "timeout", m.timeout_message(peer, cost, int(timeout * 1000)), m.CALLBACK_FAILED_EC_TIMEOUT)
    except (OSError, http.client.HTTPException, ssl.SSLError, ValueError):
        # ValueError: a header http.client refuses to send; validation should have caught it,
        # but the upload is stored by now, so the client must get a 203, never a 500
        return _fail(attempt, "connect", m.MSG_CANNOT_CONNECT, EC_OTHER)
    finally:
        attempt.elapsed_ms = (time.monotonic() - start) * 1000
        conn.close()


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
        attempt = send(request, wire, timeout, addresses[i] if addresses and i < len(addresses) else None)
        attempts.append(attempt)
        if attempt.ok:
            reply_type = next((v for k, v in attempt.reply_headers if k.lower() == "content-type"), "")
            return Dispatched(True, attempts, attempt.reply_body or b"", reply_type or "application/json")
    last = attempts[-1]
    return Dispatched(False, attempts, message=last.message or m.MSG_CANNOT_CONNECT, ec=last.ec)
