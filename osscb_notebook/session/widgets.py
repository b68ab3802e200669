"""The widgets a session opens by name (``%osscb_ui NAME``), listed once.

The names live here so the magics can offer them without importing ipywidgets; the widgets
package, loaded only when one is opened, builds each from its ``WIDGET_FACTORIES``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ..errors import OsscbError

#: ``%osscb_ui`` names, in the order the help lists them.
WIDGET_NAMES = ("builder", "receiver", "stepper", "upload", "timeline", "probe")


def open_widget(name: str, session: Any) -> Any:
    """A new widget ``name`` wired to ``session``."""
    if name not in WIDGET_NAMES:
        raise ValueError(f"unknown widget {name!r}: use {', '.join(WIDGET_NAMES)}")
    try:
        # imported by name: only the widgets package imports ipywidgets, and only when a widget opens
        factories = import_module("osscb_notebook.widgets.factories").WIDGET_FACTORIES
    except ImportError as exc:
        raise OsscbError(f"The widgets need ipywidgets, which cannot be imported ({exc}).",
                         hint="pip install 'ipywidgets>=8' (the magics work without it).") from None
    return factories[name](session)
