"""ipywidgets 8 front ends over the session, display and core: only widgets live here.

Text, HTML, masking and error boxes come from :mod:`osscb_notebook.display`; receivers, uploads and
definitions from :mod:`osscb_notebook.session` and the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..display.definition import Definition
from ..display.exchange import Exchange
from ..params.definition import parse_definition, sample_facts
from .builder import CallbackBuilder
from .stepper import VerificationStepper
from .timeline import Timeline

if TYPE_CHECKING:  # loaded lazily at run time (below); named here for the type checker
    from .probe_panel import ProbePanel
    from .receiver_panel import ReceiverPanel
    from .upload_panel import UploadPanel

__all__ = [
    "CallbackBuilder", "Definition", "Exchange", "ProbePanel", "ReceiverPanel", "Timeline", "UploadPanel",
    "VerificationStepper", "parse_definition", "probe", "sample_facts",
]


def probe(url: str | None = None, *, trusted: bool = False, **options: Any) -> ProbePanel:
    """The probe panel (``%osscb_ui probe``); with a ``url`` it probes at once, on the calling thread,
    and returns the panel with its report card. ``options``: the panel's (``key_port``,
    ``key_url_base``, ``timeout``, ``session``)."""
    from .probe_panel import ProbePanel

    panel = ProbePanel(url, trusted=trusted, **options)
    if url is not None:
        panel.run()
    return panel


def __getattr__(name: str) -> object:
    # The panels import the receiver/upload/probe packages; load them only when asked for.
    if name == "ProbePanel":
        from .probe_panel import ProbePanel

        return ProbePanel
    if name == "ReceiverPanel":
        from .receiver_panel import ReceiverPanel

        return ReceiverPanel
    if name == "UploadPanel":
        from .upload_panel import UploadPanel

        return UploadPanel
    raise AttributeError(name)
