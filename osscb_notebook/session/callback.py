"""The session's current callback definition: the last valid ``%%osscb_callback``, or a default
aimed at the running receiver."""

from __future__ import annotations

from collections.abc import Callable

from ..display.definition import Definition
from .events import ChangeNotifier

DEFAULT_BODY = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&uid=${x:uid}"


class CallbackState:
    """Holds the current :class:`~osscb_notebook.display.definition.Definition`."""

    def __init__(self, callback_url: Callable[[str], str], secrets: Callable[[], tuple[str, ...]],
                 events: ChangeNotifier) -> None:
        self._callback_url = callback_url
        self._secrets = secrets
        self.events = events
        self.definition: Definition | None = None

    def define(self, text: str) -> Definition:
        """Evaluate a definition; ``{receiver}`` in it is replaced by the receiver's callback base URL.
        A valid one becomes the current definition."""
        if "{receiver}" in text:
            text = text.replace("{receiver}", self._callback_url(""))
        d: Definition = Definition.from_text(text)
        d.secrets = self._secrets()
        if d.ok:
            self.definition = d
            self.events.notify("definition")
        return d

    def default_definition(self) -> Definition:
        """The current definition, or the default one aimed at the running receiver."""
        if self.definition is not None:
            return self.definition
        d: Definition = Definition.evaluate(
            {"callbackUrl": self._callback_url("/callback"), "callbackBody": DEFAULT_BODY,
             "callbackBodyType": "application/x-www-form-urlencoded"},
            {"x:uid": "42"},
        )
        d.secrets = self._secrets()
        return d
