"""``%load_ext osscb_notebook``: magics, ``%config Osscb.*`` options and their plain functions."""

from __future__ import annotations

from typing import Any

from ..config import Osscb
from ..display import Report
from ..session import Session, get_session, reset_session
from .functions import (
    osscb_callback,
    osscb_emulator,
    osscb_history,
    osscb_probe,
    osscb_receiver,
    osscb_status,
    osscb_ui,
    osscb_upload,
    osscb_verify,
)

__all__ = [
    "Report", "Session", "get_session", "load_ipython_extension", "osscb_callback", "osscb_emulator",
    "osscb_history", "osscb_probe", "osscb_receiver", "osscb_status", "osscb_ui", "osscb_upload", "osscb_verify",
    "reset_session", "unload_ipython_extension",
]


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and the ``Osscb`` configurable (so ``%config Osscb.backend = ...`` works)."""
    from .commands import OsscbMagics

    config = _config(ipython)
    ipython.configurables.append(config)
    reset_session(config)
    ipython.register_magics(OsscbMagics)


def _config(ipython: Any) -> Osscb:
    """The configurable, from the shell's config. IPython keeps a ``%config`` value in the shell's
    config even when validation refused it, so such a value is dropped here, with a log line,
    instead of making every later ``%load_ext`` fail."""
    import logging

    from traitlets import TraitError
    from traitlets.config import Config

    section: Any = ipython.config.get("Osscb") if hasattr(ipython.config, "get") else None
    if not isinstance(section, dict):
        return Osscb(parent=ipython)
    for name, value in list(section.items()):
        try:
            Osscb(config=Config({"Osscb": {name: value}}))
        except TraitError as exc:
            del section[name]
            logging.getLogger(__name__).error("Ignoring Osscb.%s: %s", name, exc)
    return Osscb(parent=ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop what the magics started, and remove the magics and the configurable."""
    from .commands import CELL_MAGICS, LINE_MAGICS

    session = get_session()
    session.close()
    ipython.configurables[:] = [c for c in ipython.configurables if c is not session.config]
    magics = ipython.magics_manager.magics
    for name in LINE_MAGICS:
        magics["line"].pop(name, None)
    for name in CELL_MAGICS:
        magics["cell"].pop(name, None)
    reset_session()
