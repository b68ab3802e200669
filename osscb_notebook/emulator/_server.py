"""The HTTP server and :class:`Emulator`, the public handle: start, stop, endpoint, records."""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from .._wire import Framing, QuietHTTPServer, WireError, framing_of
from ..callback import generate_private_key, load_private_key, private_key_pem, public_key_pem
from ..errors import EmulatorError
from ._app import App
from ._config import PUBLIC_KEY_PATH, EmulatorConfig
from ._errors import OssError
from ._http import BodyReader, Request, Response, oss_error
from ._records import Record, RecordLog

logger = logging.getLogger(__name__)

#: After answering, a body the operation did not read is read and dropped up to this size (so the
#: client sees the answer rather than a reset), waiting at most DRAIN_IDLE_TIMEOUT for each read
#: and DRAIN_TIMEOUT in all; then the connection closes.
DRAIN_LIMIT = 16 * 1024 * 1024
DRAIN_IDLE_TIMEOUT = 0.5
DRAIN_TIMEOUT = 5.0
#: A client that stops sending in the middle of its body for this long gets 400 RequestTimeout.
BODY_IDLE_TIMEOUT = 30.0
KEY_FILE = "callback_private_key.pem"


def new_request_id() -> str:
    """24 uppercase hex characters, like ``55F6BF87207FB30F2640C548``."""
    return secrets.token_hex(12).upper()


def _chunked_with_length(headers: list[tuple[str, str]]) -> bool:
    """Content-Length together with ``Transfer-Encoding: chunked`` (and no other coding)."""
    codings = [c.strip(" \t").lower() for k, v in headers if k.lower() == "transfer-encoding"
               for c in v.split(",") if c.strip(" \t")]
    return codings == ["chunked"] and any(k.lower() == "content-length" for k, _ in headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AliyunOSS"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this

    server: _Server

    def version_string(self) -> str:
        return "AliyunOSS"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET  # noqa: N815

    def _handle(self) -> None:
        headers = [(k, v) for k, v in self.headers.items()]
        error: OssError | None = None
        both = _chunked_with_length(headers)
        try:
            # RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length, and the connection
            # closes after the answer. OSS takes such a request: ali-oss's live test
            # "put() should add object with readstream" sends a stream chunked with the file's
            # Content-Length, and passes against OSS.
            framing = framing_of([(k, v) for k, v in headers if not (both and k.lower() == "content-length")])
        except WireError as exc:
            framing, error = Framing(0), oss_error(exc)
        body = BodyReader(self.rfile, framing, sock=self.connection, idle_timeout=BODY_IDLE_TIMEOUT)
        req = Request(self.command, self.path, headers, body, self.client_address[0], new_request_id(),
                      self.headers.get("Host", ""))
        if error is not None:
            # unframed: nothing after the headers can be trusted, so answer and close
            response = self.server.app.error_response(error, req, None)
        else:
            response = self.server.app.handle(req)
        # A broken body (short, malformed, stalled) leaves the stream unframed: answer and close,
        # never drain it. A body the operation did not read is not waited for either (a GET that
        # declares a Content-Length and sends nothing would hang): answer first, then close.
        unread = error is None and not body.broken and not body.finished
        if error is not None or body.broken or unread or both:
            self.close_connection = True
        self._send(req, response)
        if unread:
            self._discard(body)
        self.connection.settimeout(self.timeout)  # the body reader narrowed it

    def _discard(self, body: BodyReader) -> None:
        # Read (and drop) what the client is already sending, so that it reads our answer instead
        # of a reset; a client that announced a body it never sends is waited for briefly only.
        body.idle_timeout, body.deadline = DRAIN_IDLE_TIMEOUT, time.monotonic() + DRAIN_TIMEOUT
        try:
            body.drain(DRAIN_LIMIT)
        except Exception:  # noqa: BLE001 - the connection closes either way
            logger.debug("discarding an unread body failed", exc_info=True)

    def _send(self, req: Request, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("x-oss-request-id", req.request_id)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304) or response.content_length:
            self.send_header("Content-Length", str(response.content_length))
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        self.end_headers()
        if req.method == "HEAD":
            return
        try:
            if isinstance(response.body, bytes):
                self.wfile.write(response.body)
            else:
                for chunk in response.body:
                    self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            close = getattr(response.body, "close", None)
            if close is not None:
                close()


class _Server(QuietHTTPServer):
    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)


def _load_or_create_key(state: Path) -> rsa.RSAPrivateKey:
    """The emulator's callback signing key: generated once per data directory, then reused."""
    path = state / KEY_FILE
    if path.exists():
        return load_private_key(path.read_bytes())
    key = generate_private_key()
    tmp = state / f".{KEY_FILE}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_key_pem(key))
    os.replace(tmp, path)
    return key


class Emulator:
    """A local OSS endpoint for callback lessons; ``oss2`` and ``alibabacloud-oss-v2`` work against it.

    Arguments override ``config`` (an :class:`EmulatorConfig`); other config fields may be given
    by name too (``max_records``, ``public_endpoint``, ``virtual_host_domains``, ...). Defaults: a
    temporary data dir, ``127.0.0.1``, a free port, ``osscb-local-id`` / ``osscb-local-secret``,
    bucket ``demo``, callbacks to loopback allowed. Use as a context manager (which also deletes
    a temporary data dir) or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        data_dir: Path | str | None = None,
        host: str | None = None,
        port: int | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        buckets: Iterable[str] | str | None = None,
        allow_private_callbacks: bool | None = None,
        **more: Any,
    ) -> None:
        given: dict[str, Any] = {
            "data_dir": data_dir, "host": host, "port": port, "access_key_id": access_key_id,
            "access_key_secret": access_key_secret, "allow_private_callbacks": allow_private_callbacks,
            "buckets": (buckets,) if isinstance(buckets, str) else (tuple(buckets) if buckets is not None else None),
        }
        options = {k: v for k, v in given.items() if v is not None}
        options.update(more)  # the other EmulatorConfig fields (max_records, public_endpoint, ...)
        self.config = dataclasses.replace(config or EmulatorConfig(), **options)
        self._temp_cleanup: weakref.finalize | None = None
        if self.config.data_dir is None:
            temp_dir = tempfile.mkdtemp(prefix="osscb-emulator-")
            # removed by cleanup()/__exit__, or at the latest when the emulator is garbage collected
            self._temp_cleanup = weakref.finalize(self, shutil.rmtree, temp_dir, True)
            self.data_dir = Path(temp_dir)
        else:
            self.data_dir = Path(self.config.data_dir).expanduser().resolve()
        self.records_log = RecordLog(self.config.max_records)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._app: App | None = None
        self._lock = threading.Lock()

    # lifecycle -------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind, start serving on a background thread, and return once requests are accepted."""
        with self._lock:
            if self._server is not None:
                return self
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                state = self.data_dir / ".osscb"
                state.mkdir(exist_ok=True)
                key = _load_or_create_key(state)
            except OSError as exc:
                raise EmulatorError(f"Cannot use data directory {self.data_dir}: {exc.strerror}.",
                                    hint="Pick a writable directory with --data-dir / data_dir=.") from None
            app = App(self.config, self.data_dir, key, public_key_pem(key), self.records_log)
            try:
                server = _Server((self.config.host, self.config.port), app)
            except OSError as exc:
                hint = "Choose another --port (or port=0 for any free port)." if exc.errno == errno.EADDRINUSE else ""
                raise EmulatorError(f"Cannot listen on {self.config.host}:{self.config.port}: {exc.strerror}.",
                                    hint=hint) from None
            self._app, self._server = app, server
            app.public_key_url = self.public_key_url
            ready = threading.Event()
            # A bound method: the running thread keeps the Emulator (and its temp dir) alive.
            self._thread = threading.Thread(target=self._serve, args=(server, ready),
                                            name=f"osscb-emulator:{self.port}", daemon=True)
            self._thread.start()
            ready.wait(5)
            self._wait_accepting()
            return self

    def _serve(self, server: _Server, ready: threading.Event) -> None:
        ready.set()
        server.serve_forever(poll_interval=0.2)

    def _wait_accepting(self) -> None:
        # The socket listens from bind(); one real connection proves it end to end.
        with socket.create_connection(("127.0.0.1" if self.config.host in ("0.0.0.0", "") else self.config.host,
                                       self.port), timeout=5):
            pass

    def stop(self) -> None:
        """Stop serving and close the socket. Idempotent. A temporary data dir stays until :meth:`cleanup`."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is not None:
                server.shutdown()
                server.server_close()
            if thread is not None:
                thread.join(timeout=5)

    def cleanup(self) -> None:
        """Stop, and delete the data directory if the emulator created it as a temp dir."""
        self.stop()
        if self._temp_cleanup is not None:
            self._temp_cleanup()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    @property
    def running(self) -> bool:
        return self._server is not None

    # addresses ---------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise EmulatorError("The emulator is not running.", hint="Call start() first.")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``: give this to oss2 / the V2 SDK as the endpoint."""
        host = self.config.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def public_key_url(self) -> str:
        """Where the emulator serves its callback public key (sent Base64 in ``x-oss-pub-key-url``)."""
        base = (self.config.public_endpoint or self.endpoint).rstrip("/")
        return base + PUBLIC_KEY_PATH

    @property
    def public_key_prefix(self) -> str:
        """The key-URL prefix a verifying receiver should trust for this emulator
        (``KeyResolver([emulator.public_key_prefix])``)."""
        return self.public_key_url.rsplit("/", 1)[0] + "/"

    @property
    def public_key_pem(self) -> bytes:
        if self._app is None:
            state = self.data_dir / ".osscb"
            state.mkdir(parents=True, exist_ok=True)
            return public_key_pem(_load_or_create_key(state))
        return self._app.public_key_pem

    @property
    def access_key_id(self) -> str:
        return self.config.access_key_id

    @property
    def access_key_secret(self) -> str:
        return self.config.access_key_secret

    @property
    def buckets(self) -> list[str]:
        if self._app is None:
            return list(self.config.buckets)
        return self._app.storage.list_buckets()

    # objects and records -----------------------------------------------------

    def object_path(self, bucket: str, key: str) -> Path | None:
        """The file holding the object's bytes now, or None if there is no such object."""
        from ._storage import Storage

        storage = self._app.storage if self._app is not None else Storage(self.data_dir)
        if not storage.bucket_exists(bucket):
            return None
        meta = storage.get(bucket, key)
        return None if meta is None else storage.blob_path(bucket, meta)

    @property
    def records(self) -> list[Record]:
        """Uploads seen so far (newest last, bounded); a snapshot, safe to iterate."""
        return self.records_log.snapshot()

    @property
    def last_record(self) -> Record | None:
        return self.records_log.last()

    def clear_records(self) -> None:
        self.records_log.clear()

    def subscribe(self, fn: Callable[[Record], None]) -> Callable[[], None]:
        """Call ``fn(record)`` on the server thread for every new record; returns ``unsubscribe``.
        Listeners must be quick and must not print (a widget should update its own state)."""
        return self.records_log.subscribe(fn)

    def __repr__(self) -> str:
        where = self.endpoint if self.running else "stopped"
        return f"<Emulator {where} data_dir={str(self.data_dir)!r} buckets={self.buckets}>"
