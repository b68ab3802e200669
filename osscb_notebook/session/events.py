"""Change notifications: panels follow what the magics (or code cells) did to the session.

Built on :class:`~osscb_notebook.listeners.Listeners`, so subscribing and notifying are
thread-safe and a broken subscriber never breaks the upload or receiver thread that notified it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from ..listeners import Listeners

#: What changed: ``emulator``, ``receiver``, ``tunnel``, ``definition`` or ``upload``.
Change = str


class ChangeNotifier:
    """Subscribers get the name of what changed; errors they raise are kept in :attr:`errors`."""

    def __init__(self) -> None:
        self.errors: deque[str] = deque(maxlen=50)
        self._listeners: Listeners[Change] = Listeners(self._keep_error)

    def _keep_error(self, fn: Callable[[Change], None], exc: BaseException) -> None:
        self.errors.append(f"{getattr(fn, '__name__', fn)}: {type(exc).__name__}: {exc}")

    def subscribe(self, fn: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``fn(what)`` on every change (possibly from another thread); returns an unsubscriber."""
        return self._listeners.subscribe(fn)

    def notify(self, what: Change) -> None:
        self._listeners.notify(what)
