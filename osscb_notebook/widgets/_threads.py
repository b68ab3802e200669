"""Marshal widget updates from background threads onto the kernel's event loop.

ipykernel 7.0 broke output from threads and Colab ignores widget changes made off the main
thread (ecosystem notes §3b). So receiver and upload threads never print and never enter
``with out:``; they hand a callable to :class:`UiDispatcher`, which runs it on the loop that owns
the widgets. Errors are kept in :attr:`UiDispatcher.errors` instead of being printed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any


def _kernel_loop() -> Any | None:
    """The running kernel's tornado IOLoop (``add_callback`` is thread-safe), or ``None``."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    return getattr(kernel, "io_loop", None)


class UiDispatcher:
    """Run callables on the thread that created the dispatcher (the kernel's main loop).

    Calls from that thread run at once. Calls from other threads are queued on the kernel loop when
    there is one; with no kernel (plain Python, tests) they run at once under a lock, because trait
    sets and comm sends are thread-safe but two handlers must not interleave.
    """

    def __init__(self) -> None:
        self._owner = threading.get_ident()
        self._loop = _kernel_loop()
        self._lock = threading.RLock()
        self.errors: deque[str] = deque(maxlen=50)

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if threading.get_ident() == self._owner or self._loop is None:
            self._run(fn, args, kwargs)
        else:
            self._loop.add_callback(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        with self._lock:
            try:
                fn(*args, **kwargs)
            except Exception as exc:  # a UI update must never kill the receiver thread
                self.errors.append(f"{fn.__name__ if hasattr(fn, '__name__') else fn}: {type(exc).__name__}: {exc}")


def run_in_background(target: Callable[[], Any], name: str) -> threading.Thread:
    """Start a daemon thread (the kernel must be able to exit while it runs)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
