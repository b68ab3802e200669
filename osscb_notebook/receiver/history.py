"""Thread-safe, bounded request history with an optional JSON Lines log and listeners."""

from __future__ import annotations

import contextlib
import json
import threading
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from ..listeners import Listeners
from .record import CallbackRecord

Listener = Callable[[CallbackRecord], None]


class History:
    """Records in arrival order; the oldest are dropped past ``maxlen`` (the log keeps them all).

    Listeners run on the thread that adds the record (a server thread) and must not print; an
    exception in one is kept in :attr:`errors` and never propagates into the server.
    """

    def __init__(self, maxlen: int = 1000, log_path: str | Path | None = None) -> None:
        self._records: deque[CallbackRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._listeners: Listeners[CallbackRecord] = Listeners(self._listener_failed)
        self._next_id = 1
        self.total = 0
        self._delivered = 0
        self._local = threading.local()
        self.errors: list[str] = []
        self.log_path = Path(log_path) if log_path is not None else None
        self._log = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def add(self, record: CallbackRecord) -> CallbackRecord:
        with self._lock:
            record.id = self._next_id
            self._next_id += 1
            self.total += 1
            self._records.append(record)
            if self._log is not None:
                # One line per request, written under the lock so lines never interleave.
                try:
                    self._log.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
                    self._log.flush()
                except OSError as exc:
                    self._stop_logging(exc)
        self._local.notifying = True
        try:
            self._listeners.notify(record)
        finally:
            self._local.notifying = False
        # Waiters wake only once the listeners have seen the record, so whatever a listener does
        # (a widget row, a kept error) is visible to the code that waited for it.
        with self._changed:
            self._delivered += 1
            self._changed.notify_all()
        return record

    @property
    def in_listener(self) -> bool:
        """True on a thread that is running this history's listeners: it must not wait for records
        (it is the thread that delivers them)."""
        return bool(getattr(self._local, "notifying", False))

    def _listener_failed(self, fn: Listener, exc: BaseException) -> None:
        trace = "".join(traceback.format_exception(exc))
        self.note_error(f"listener {getattr(fn, '__name__', fn)!r} raised:\n{trace}")

    def note_error(self, text: str) -> None:
        with self._lock:
            self._note(text)

    def _note(self, text: str) -> None:
        self.errors.append(text)
        del self.errors[:-100]

    def _stop_logging(self, exc: OSError) -> None:
        """The log could not be written (disk full): say so once, stop logging, keep serving.
        Records still reach memory and listeners; the log's last line may be torn, which
        :func:`load_log` skips. Called with the lock held."""
        log, self._log = self._log, None
        if log is not None:
            with contextlib.suppress(OSError):
                log.close()  # flushing what is left may fail again
        self._note(f"the log {self.log_path} could not be written ({exc.strerror or exc}); logging stopped, "
                   "records are kept in memory only. Free disk space and restart the receiver to log again.")

    def subscribe(self, fn: Listener) -> Callable[[], None]:
        """Call ``fn(record)`` for each new record; returns a function that unsubscribes."""
        return self._listeners.subscribe(fn)

    def records(self) -> list[CallbackRecord]:
        with self._lock:
            return list(self._records)

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` records have been added in total and their listeners told (or the
        timeout passes)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._delivered >= count, timeout=timeout)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def close(self) -> None:
        with self._lock:
            if self._log is not None:
                log, self._log = self._log, None
                with contextlib.suppress(OSError):  # a full disk must not turn Ctrl-C into a crash
                    log.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[CallbackRecord]:
        return iter(self.records())


def load_log(path: str | Path) -> list[CallbackRecord]:
    """Read back a JSON Lines log written by a receiver (masked secrets stay masked).

    A torn last line (the disk filled while it was written) is skipped with a warning.
    """
    out: list[CallbackRecord] = []
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [line for line in f if line.strip()]
    for n, line in enumerate(lines, 1):
        try:
            doc = json.loads(line)
        except ValueError:
            if n == len(lines):
                warnings.warn(f"{path}: the last line is incomplete (the disk was probably full when it was "
                              "written); skipped it.", stacklevel=2)
                break
            raise
        out.append(CallbackRecord.from_dict(doc))
    return out
