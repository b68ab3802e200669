"""ipywidgets 8 front ends over the core, emulator, receiver and upload APIs."""

from typing import TYPE_CHECKING

from .builder import CallbackBuilder
from .definition import Definition, parse_definition, sample_facts
from .stepper import VerificationStepper
from .timeline import Exchange, Timeline

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
