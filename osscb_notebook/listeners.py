"""Subscribers told of new records from server threads (widgets, magics). Shared by the emulator's
upload log and the receiver's history."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
ErrorSink = Callable[[Callable[[T], None], BaseException], None]


class Listeners(Generic[T]):
    """Thread-safe list of callbacks. A callback that raises is handed to ``on_error`` and never
    reaches the server thread that notified it (a broken widget must not break an upload)."""

    def __init__(self, on_error: ErrorSink[T]) -> None:
        self._fns: list[Callable[[T], None]] = []
        self._lock = threading.Lock()
        self._on_error = on_error

    def subscribe(self, fn: Callable[[T], None]) -> Callable[[], None]:
        """Call ``fn(item)`` for each new item; returns a function that unsubscribes."""
        with self._lock:
            self._fns.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._fns:
                    self._fns.remove(fn)

        return unsubscribe

    def notify(self, item: T) -> None:
        with self._lock:
            fns = list(self._fns)
        for fn in fns:
            try:
                fn(item)
            except Exception as exc:  # noqa: BLE001 - see class docstring
                self._on_error(fn, exc)
