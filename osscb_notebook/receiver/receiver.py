"""The notebook-facing receiver: start/stop, a per-port registry, history, replies, replay."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from .._cliargs import check_port, check_positive_int, check_public_key_pem, check_writable_file
from ..errors import ReceiverError
from ..redact import DEFAULT_SECRET_PARAMS
from ..verification.keys import normalize_prefix
from .backends import Backend, ProcessBackend, ThreadBackend
from .engine import DEFAULT_MAX_BODY, EngineConfig
from .history import History
from .record import CallbackRecord
from .replay import ReplayResult, replay
from .reply import ReplySettings

Mode = Literal["thread", "process"]
READY_TIMEOUT = 10.0

_REGISTRY: dict[int, Receiver] = {}
_REGISTRY_LOCK = threading.Lock()


def _probe_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class Receiver:
    """A running callback receiver. Use :func:`start_receiver` to make one.

    Every API call first surfaces problems from the server side (a dead thread or process, errors
    kept from server threads) as :class:`ReceiverError`, so they show in the cell that asked.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        mode: Mode = "process",
        trust_key_urls: Iterable[str] = (),
        public_key: bytes | None = None,
        reply: ReplySettings | None = None,
        log_path: str | Path | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        history_size: int = 1000,
        secret_params: Iterable[str] = DEFAULT_SECRET_PARAMS,
    ) -> None:
        if mode not in ("thread", "process"):
            raise ValueError(f"mode must be 'thread' or 'process', got {mode!r}")
        # checked here, in the caller's cell, in both modes (a child process would only die of it)
        port = check_port(port)
        max_body = check_positive_int(max_body, "max_body")
        if log_path is not None:
            check_writable_file(log_path)
        if public_key is not None:
            check_public_key_pem(public_key)
        self.mode: Mode = mode
        self.host = host
        trust_key_urls = tuple(trust_key_urls)
        for prefix in trust_key_urls:
            normalize_prefix(prefix)  # a bad prefix fails here, in the caller's cell, in both modes
        self.config = EngineConfig(
            host=host, port=port, trust_key_urls=tuple(trust_key_urls), public_key=public_key,
            reply=reply or ReplySettings(), max_body=max_body, secret_params=tuple(secret_params),
        )
        self._history = History(history_size, log_path)
        self._errors: list[str] = []
        self._errors_lock = threading.Lock()
        self._reported = 0
        self._stopped = False
        self._on_stop: list[Callable[[], None]] = []
        backend_cls: type[ThreadBackend] | type[ProcessBackend] = ProcessBackend if mode == "process" else ThreadBackend
        try:
            self._backend: Backend = backend_cls(self.config, self._add, self._keep_error)
        except ReceiverError as exc:
            self._history.close()
            if exc.port is None and port:
                exc.port = port  # the engine cannot listen there: name the port asked for
            raise
        except Exception:
            self._history.close()
            raise
        self.port = self._backend.port
        try:
            self._wait_ready()
        except Exception:
            self._backend.stop()
            self._history.close()
            raise

    def _add(self, record: CallbackRecord) -> None:
        self._history.add(record)

    # -- errors from the server side -----------------------------------------------------------
    def _keep_error(self, text: str) -> None:
        with self._errors_lock:
            self._errors.append(text)
            del self._errors[:-100]

    @property
    def errors(self) -> list[str]:
        """Tracebacks kept from server threads and listeners (most recent last)."""
        with self._errors_lock:
            return list(self._errors) + self._history.errors

    def check(self) -> None:
        """Raise :class:`ReceiverError` if the server died or new errors were kept since the last check."""
        if not self._stopped and not self._backend.alive():
            raise ReceiverError(f"The receiver on port {self.port} is down: {self._backend.exit_info()}.",
                                port=self.port, exitcode=self._backend.exitcode, hint="Start it again with start_receiver(...).")
        errors = self.errors
        if len(errors) > self._reported:
            new = errors[self._reported:]
            self._reported = len(errors)
            raise ReceiverError(f"{len(new)} error(s) on the server side since the last call; the latest:\n{new[-1]}",
                                port=self.port, hint="See receiver.errors for all of them. The receiver keeps running.")

    def _wait_ready(self) -> None:
        """Return only when the server answers HTTP on its port (the Dash ``_alive_`` pattern)."""
        deadline = time.monotonic() + READY_TIMEOUT
        delay = 0.01
        last = ""
        while time.monotonic() < deadline:
            if not self._backend.alive():
                break
            conn = http.client.HTTPConnection(_probe_host(self.host), self.port, timeout=2)
            try:
                conn.request("GET", self.config.alive_path)
                resp = conn.getresponse()
                if resp.status == 200 and self.config.instance.encode() in resp.read():
                    return
                last = f"HTTP {resp.status}"
            except OSError as exc:
                last = str(exc)
            finally:
                conn.close()
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        raise ReceiverError(f"The receiver on port {self.port} did not become ready ({last or 'not running'}).",
                            port=self.port, exitcode=self._backend.exitcode,
                            hint="Try another port, or mode='thread' to see the failure in this process.")

    # -- the public API ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The loopback URL callbacks can be sent to (``http://127.0.0.1:PORT/``)."""
        return f"http://{_url_host(self.loopback_host)}:{self.port}/"

    @property
    def loopback_host(self) -> str:
        """The address this machine reaches it on (``127.0.0.1`` or ``::1`` for a wildcard bind)."""
        return _probe_host(self.host)

    @property
    def pid(self) -> int:
        """The process listening on :attr:`port`: the child in process mode, this one in thread mode."""
        return self._backend.pid

    @property
    def running(self) -> bool:
        return not self._stopped and self._backend.alive()

    @property
    def history(self) -> list[CallbackRecord]:
        """Records, oldest first (bounded: the oldest drop out past ``history_size``).

        Every request answered so far is in it, in process mode too (it waits for records in flight).
        """
        self.check()
        self.sync()
        return self._history.records()

    def sync(self, timeout: float = 5.0) -> None:
        """Wait until every record the server has produced so far is in the history."""
        if self._history.in_listener:
            return  # a listener (a widget refreshing) runs on the thread that delivers records
        sent = self._backend.sync(timeout)
        if sent > 0:
            self._history.wait_for(sent, timeout)

    @property
    def last(self) -> CallbackRecord | None:
        records = self.history
        return records[-1] if records else None

    @property
    def log_path(self) -> Path | None:
        return self._history.log_path

    def wait_for(self, count: int, timeout: float = 10.0) -> list[CallbackRecord]:
        """Wait until ``count`` records arrived in total (process mode delivers them asynchronously)."""
        if not self._history.wait_for(count, timeout):
            self.check()
            raise ReceiverError(f"Only {self._history.total} of {count} requests arrived within {timeout} s.",
                                port=self.port, hint="Check that the sender targets this receiver's URL, or wait longer.")
        return self.history

    def clear(self) -> None:
        self._history.clear()

    def subscribe(self, fn: Callable[[CallbackRecord], None]) -> Callable[[], None]:
        """Call ``fn(record)`` for every new record, from a server-side thread; ``fn`` must not
        print (use widget ``append_*`` or a queue). Returns an unsubscribe function."""
        return self._history.subscribe(fn)

    def set_reply(self, settings: ReplySettings | None = None, path: str | None = None, **changes: object) -> None:
        """Change how the receiver answers, for every path or for one path (``None`` resets)."""
        self.check()
        if changes:
            settings = (settings or ReplySettings()).with_(**changes)
        self._backend.set_reply(settings, path)

    def add_secret(self, secret: str) -> None:
        """Mask this string in everything recorded from now on (the tunnels use it for tokens)."""
        self._backend.add_secret(secret)

    def replay(self, record: CallbackRecord, url: str | None = None, *, keep_target: bool = True,
               timeout: float = 10.0) -> ReplayResult:
        """Send a recorded request again, to ``url`` (default: this receiver)."""
        return replay(record, url or self.url, keep_target=keep_target, timeout=timeout)

    def status(self) -> dict[str, object]:
        self.sync()  # count the records a child process has sent but the kernel not yet added
        return {"url": self.url, "mode": self.mode, "running": self.running, "requests": self._history.total,
                "kept": len(self._history), "errors": len(self.errors), "log": str(self.log_path or "")}

    def on_stop(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` when this receiver stops (a tunnel revokes its scoped address there)."""
        self._on_stop.append(fn)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for fn in self._on_stop:
            fn()  # first: nothing may reach this port once we begin to stop
        try:
            self._backend.stop()
        finally:
            self._history.close()
            with _REGISTRY_LOCK:
                if _REGISTRY.get(self.port) is self:
                    del _REGISTRY[self.port]

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Receiver {self.url} mode={self.mode} {state} requests={self._history.total}>"


def start_receiver(
    port: int = 0,
    host: str = "127.0.0.1",
    mode: Mode = "process",
    trust_key_urls: Iterable[str] = (),
    public_key: bytes | None = None,
    reply: ReplySettings | None = None,
    log_path: str | Path | None = None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    history_size: int = 1000,
    secret_params: Iterable[str] = DEFAULT_SECRET_PARAMS,
) -> Receiver:
    """Start a receiver and return once it answers HTTP.

    ``mode="process"`` (the default) serves from a child process, so replies stay fast while a cell
    computes; ``mode="thread"`` serves from a kernel thread and shares the GIL with your cells.

    Re-running a cell with the same non-zero ``port`` stops the receiver this kernel already runs
    there instead of failing with "address in use".
    """
    if isinstance(trust_key_urls, str):
        trust_key_urls = (trust_key_urls,)
    if port:
        with _REGISTRY_LOCK:
            previous = _REGISTRY.pop(port, None)
        if previous is not None:
            previous.stop()
    receiver = Receiver(port=port, host=host, mode=mode, trust_key_urls=trust_key_urls, public_key=public_key,
                        reply=reply, log_path=log_path, max_body=max_body, history_size=history_size,
                        secret_params=secret_params)
    with _REGISTRY_LOCK:
        _REGISTRY[receiver.port] = receiver
    return receiver


def stop_receiver(port: int | Receiver | None = None) -> int:
    """Stop the receiver on ``port`` (or the one given), or every receiver when ``None``; returns how many."""
    if isinstance(port, Receiver):
        port.stop()
        return 1
    with _REGISTRY_LOCK:
        targets = list(_REGISTRY.values()) if port is None else [r for p, r in _REGISTRY.items() if p == port]
    for r in targets:
        r.stop()
    return len(targets)


def running_receivers() -> list[Receiver]:
    with _REGISTRY_LOCK:
        return list(_REGISTRY.values())


def receiver_on(port: int) -> Receiver | None:
    """This process's running receiver on ``port``, if any."""
    return next((r for r in running_receivers() if r.port == port and r.running), None)
