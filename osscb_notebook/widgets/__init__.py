"""ipywidgets 8 front ends over the core, emulator, receiver and upload APIs."""

from .builder import CallbackBuilder
from .definition import Definition, parse_definition, sample_facts
from .stepper import VerificationStepper
from .timeline import Exchange, Timeline

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
