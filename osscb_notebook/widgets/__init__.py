"""ipywidgets 8 front ends over the session, display and core: only widgets live here.

Text, HTML, masking and error boxes come from :mod:`osscb_notebook.display`; receivers, uploads and
definitions from :mod:`osscb_notebook.session` and the core.
"""

from typing import TYPE_CHECKING

from ..display.definition import Definition
from ..display.exchange import Exchange
from ..params.definition import parse_definition, sample_facts
from .builder import CallbackBuilder
from .stepper import VerificationStepper
from .timeline import Timeline

if TYPE_CHECKING:  # loaded lazily at run time (below); named here for the type checker
    from .receiver_panel import ReceiverPanel
    from .upload_panel import UploadPanel

__all__ = [
    "CallbackBuilder", "Definition", "Exchange", "ReceiverPanel", "Timeline", "UploadPanel",
    "VerificationStepper", "parse_definition", "sample_facts",
]


def __getattr__(name: str) -> object:
    # The panels import the receiver/upload packages; load them only when asked for.
    if name == "ReceiverPanel":
        from .receiver_panel import ReceiverPanel

        return ReceiverPanel
    if name == "UploadPanel":
        from .upload_panel import UploadPanel

        return UploadPanel
    raise AttributeError(name)
