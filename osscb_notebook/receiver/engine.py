"""The HTTP engine shared by every mode: read the raw request, verify it, answer, emit a record.

It never prints: request logs are dropped and server errors go to ``on_error``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

from .._wire import (
    PING_SUFFIX,
    REPLY_CAP,
    BodyReader,
    BodyTooLarge,
    QuietHTTPServer,
    WireError,
    framing_of,
    split_target,
)
from ..errors import ReceiverError
from ..redact import DEFAULT_SECRET_PARAMS, redact, redact_trace, secrets_in_cookies, secrets_in_url
from ..verification import CapturedRequest, KeyResolver, ResolvedKey, Trace, verify_request
from .record import REPLY_PREVIEW, CallbackRecord
from .reply import Reply, ReplySettings, build_reply

DEFAULT_MAX_BODY = REPLY_CAP  # OSS's callback bodies are far smaller; a megabyte is plenty
#: Seconds a client has to send its whole body; then 408 (OSS itself gives a callback 5 s in all).
BODY_TIMEOUT = 3.0
_DRAIN_LIMIT = 8 * 1024 * 1024  # read (and drop) an oversized body up to this, so the client sees our 413
_DRAIN_TIMEOUT = 0.5


@dataclass
class EngineConfig:
    """Everything the engine needs; picklable so a child process can rebuild the engine."""

    host: str = "127.0.0.1"
    port: int = 0
    trust_key_urls: tuple[str, ...] = ()
    public_key: bytes | None = None
    reply: ReplySettings = field(default_factory=ReplySettings)
    path_replies: dict[str, ReplySettings] = field(default_factory=dict)
    max_body: int = DEFAULT_MAX_BODY
    secret_params: tuple[str, ...] = DEFAULT_SECRET_PARAMS
    secrets: tuple[str, ...] = ()
    forwarded_prefix: bool = True
    body_timeout: float = BODY_TIMEOUT
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def alive_path(self) -> str:
        return f"/_osscb_alive_{self.instance}"


class SingleFlightResolver(KeyResolver):
    """The core resolver, with one fetch per key URL at a time: a cold burst of callbacks waits
    for the first fetch instead of sending the key server one request each."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._flights: dict[str, threading.Lock] = {}
        self._flights_lock = threading.Lock()

    def resolve(self, url: str) -> ResolvedKey:
        if self.given is not None or not self.is_trusted(url):
            return super().resolve(url)
        with self._flights_lock:
            flight = self._flights.setdefault(url, threading.Lock())
        with flight:
            return super().resolve(url)


Sink = Callable[[CallbackRecord], None]
ErrorSink = Callable[[str], None]


class CallbackServer(QuietHTTPServer):
    """A threading HTTP server that verifies OSS callbacks; one thread per connection."""

    def __init__(self, config: EngineConfig, sink: Sink, on_error: ErrorSink) -> None:
        self.config = config
        self.sink = sink
        self.on_error = on_error
        self.resolver = SingleFlightResolver(config.trust_key_urls, public_key=config.public_key)
        self._reply_lock = threading.Lock()
        self._default_reply = config.reply
        self._path_replies = dict(config.path_replies)
        self._secrets = set(config.secrets)
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        self.address_family = family
        try:
            super().__init__((config.host, config.port), _Handler)
        except OSError as exc:
            raise ReceiverError(
                f"Cannot listen on {config.host}:{config.port}: {exc.strerror or exc}.",
                hint="Another program uses this port: pick another one, or port=0 for a free one.",
            ) from None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def set_reply(self, settings: ReplySettings | None, path: str | None = None) -> None:
        with self._reply_lock:
            if path is None:
                self._default_reply = settings or ReplySettings()
            elif settings is None:
                self._path_replies.pop(path, None)
            else:
                self._path_replies[path] = settings

    def add_secret(self, secret: str) -> None:
        with self._reply_lock:
            self._secrets.add(secret)

    def reply_for(self, path: str) -> ReplySettings:
        with self._reply_lock:
            for candidate in (path, unquote(path)):
                if candidate in self._path_replies:
                    return self._path_replies[candidate]
            # Behind a proxy the path gains a prefix: "/cb" also matches "/proxy/absolute/8000/cb".
            suffixes = [p for p in self._path_replies if path.endswith(p) and p.startswith("/")]
            if suffixes:
                return self._path_replies[max(suffixes, key=len)]
            return self._default_reply

    def secrets_for(self, target: str, headers: list[tuple[str, str]]) -> set[str]:
        """What to mask in this request's record: ``?token=``, a scoped-endpoint capability in the
        path (known or not: the CLI receiver never opened the tunnel), cookie values, the secrets
        registered with :meth:`add_secret`."""
        found = secrets_in_url(target, self.config.secret_params) | secrets_in_cookies(headers)
        # Jupyter also takes its token as "Authorization: token ..." (OSS's own authorization is a bare signature).
        found |= {v.split(None, 1)[1] for k, v in headers if k.lower() == "authorization" and v.lower().startswith("token ")
                  and len(v.split(None, 1)) == 2}
        with self._reply_lock:
            return found | self._secrets

    def report_error(self, client_address: object) -> None:
        # Kept for the notebook (raised on the next call), never printed.
        self.on_error(f"error while serving {client_address}:\n{traceback.format_exc()}")


class _Handler(BaseHTTPRequestHandler):
    server: CallbackServer
    protocol_version = "HTTP/1.1"
    server_version = "osscb-receiver"
    sys_version = ""
    timeout = 30  # a stalled client must not hold a thread forever

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if ok:
            # http.server folds a leading "//" into "/" (CPython gh-87389), but OSS signed the
            # target exactly as it sent it: keep the raw one from the request line.
            words = self.requestline.split()
            if len(words) >= 2:
                self.path = words[1]
        return ok

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # never print from a server thread

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST

    # -- reading -------------------------------------------------------------------------------
    def _read_body(self, headers: list[tuple[str, str]]) -> tuple[bytes, int, str]:
        """``(raw body, 0, "")``, or ``(b"", status, reason)`` when it is refused. A body that is
        short, malformed or stalled is refused (400 or 408), never taken as complete."""
        cap = self.server.config.max_body
        try:
            framing = framing_of(headers)
        except WireError as exc:
            self.close_connection = True
            return b"", exc.status, exc.message
        if framing.length is not None and framing.length > cap:
            self._drain(framing.length)
            return b"", 413, f"body of {framing.length} bytes is over the {cap}-byte cap"
        # One deadline for the whole body: OSS gives a callback 5 s in all, so a client still
        # sending after BODY_TIMEOUT is not worth a thread.
        body = BodyReader(self.rfile, framing, sock=self.connection,
                          deadline=time.monotonic() + self.server.config.body_timeout)
        try:
            return body.read_all(cap), 0, ""
        except WireError as exc:
            self.close_connection = True
            reason = f"chunked body over the {cap}-byte cap" if isinstance(exc, BodyTooLarge) else exc.message
            return b"", exc.status, reason
        finally:
            self.connection.settimeout(self.timeout)  # the reply is not bound by the body's deadline

    def _drain(self, n: int) -> None:
        # Read what the client is already sending so it sees our 413 rather than a reset, but
        # never wait on a client that announced a body it does not send.
        self.close_connection = True
        left = min(n, _DRAIN_LIMIT)
        self.connection.settimeout(_DRAIN_TIMEOUT)
        try:
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:  # includes the timeout
            pass

    # -- answering -----------------------------------------------------------------------------
    @staticmethod
    def _headers(reply: Reply) -> list[tuple[str, str]]:
        framing = ("Transfer-Encoding", "chunked") if reply.chunked else ("Content-Length", str(len(reply.body)))
        return [("Content-Type", reply.content_type), framing, ("Connection", "close")]

    def _write(self, reply: Reply) -> None:
        # One write for status line, headers and body: with two, the body waits on Nagle for the
        # client's delayed ACK of the headers, and every reply pays one more syscall.
        self.close_connection = True
        reason = self.responses.get(reply.status, ("",))[0]
        lines = [f"{self.protocol_version} {reply.status} {reason}", f"Server: {self.version_string()}",
                 f"Date: {self.date_time_string()}", *(f"{k}: {v}" for k, v in self._headers(reply))]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        if self.command != "HEAD":
            if reply.chunked:
                if reply.body:
                    data += f"{len(reply.body):x}\r\n".encode() + reply.body + b"\r\n"
                data += b"0\r\n\r\n"
            else:
                data += reply.body
        self.wfile.write(data)
        self.wfile.flush()

    def _verify(self, request: CapturedRequest) -> tuple[Trace, str]:
        trace = verify_request(request, self.server.resolver)
        prefix = request.header("x-forwarded-prefix")
        if trace.ok or not prefix or not self.server.config.forwarded_prefix:
            return trace, ""
        # jupyter-server-proxy's /proxy/PORT/ strips the public prefix; OSS signed the public path.
        rebuilt = CapturedRequest(request.method, prefix.rstrip("/") + request.target, request.headers, request.body)
        again = verify_request(rebuilt, self.server.resolver)
        if again.ok:
            return again, f"verified over X-Forwarded-Prefix {prefix!r} + path (the path OSS called)"
        return trace, ""

    def _handle(self) -> None:
        start = time.perf_counter()
        received = time.time()
        path, query = split_target(self.path)
        if self.command == "GET" and (path == self.server.config.alive_path or path.endswith(PING_SUFFIX)):
            self._write(Reply(200, "text/plain", f"osscb-receiver {self.server.config.instance}".encode()))
            return
        headers = list(self.headers.items())
        secrets = self.server.secrets_for(self.path, headers)
        body, note = b"", ""
        trace: Trace | None = None
        error = ""
        try:
            # Only a POST is verified: any other method's body is not waited for (501 at once).
            body, refused, note = self._read_body(headers) if self.command == "POST" else (b"", 0, "")
            if refused:
                reply = Reply(refused, "application/json", json.dumps({"Status": "rejected", "reason": note}).encode())
                settings = ReplySettings()
            else:
                request = CapturedRequest(self.command, self.path, headers, body)
                if self.command == "POST":
                    trace, note = self._verify(request)
                settings = self.server.reply_for(path)
                reply = build_reply(settings, self.command, trace)
        except Exception:  # noqa: BLE001 - answer 500 and keep the traceback for the notebook
            error = redact(traceback.format_exc(), secrets)
            self.server.on_error(f"{self.command} {redact(self.path, secrets)} failed:\n{error}")
            reply, settings = Reply(500, "application/json", b'{"Status":"receiver error"}'), ReplySettings()
        if settings.delay and reply.status != 501:
            time.sleep(settings.delay)
        sent_headers = [("Server", self.version_string()), *self._headers(reply)]
        record = CallbackRecord(
            method=self.command, target=redact(self.path, secrets),
            headers=[(k, redact(v, secrets)) for k, v in headers], body=body, received_at=received,
            client=f"{self.client_address[0]}:{self.client_address[1]}",
            trace=redact_trace(trace, secrets) if trace is not None else None,
            reply_status=reply.status, reply_headers=sent_headers, reply_body=reply.body[:REPLY_PREVIEW],
            reply_size=len(reply.body), duration_ms=(time.perf_counter() - start) * 1000, error=error, note=note,
            raw_target=self.path,
        )
        # Record before writing: once the client has its answer, the record exists (thread mode).
        try:
            self.server.sink(record)
        except Exception:  # noqa: BLE001
            self.server.on_error(f"recording a request failed:\n{traceback.format_exc()}")
        try:
            self._write(reply)
            if self.command != "POST" and self._declares_body(headers):
                self._drain(_DRAIN_LIMIT)  # so the client reads our answer, not a reset
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (as OSS does after 5 s): normal when teaching timeouts, not an error.
            self.close_connection = True

    @staticmethod
    def _declares_body(headers: list[tuple[str, str]]) -> bool:
        try:
            return not framing_of(headers).empty
        except WireError:
            return True
