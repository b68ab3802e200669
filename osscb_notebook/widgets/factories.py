"""How ``%osscb_ui NAME`` builds each widget for a session (names: ``session.widgets.WIDGET_NAMES``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .builder import CallbackBuilder
from .probe_panel import ProbePanel
from .receiver_panel import ReceiverPanel
from .stepper import VerificationStepper
from .timeline import Timeline
from .upload_panel import UploadPanel


def _builder(s: Any) -> CallbackBuilder:
    b = CallbackBuilder()
    if s.definition is not None and s.definition.params is not None:
        b.load(s.definition.params, s.definition.variables)
    return b


def _stepper(s: Any) -> VerificationStepper:
    st = VerificationStepper(trust_key_urls=[s.emulator.public_key_url] if s.emulator is not None else [])
    if s.history():
        st.load(s.history()[-1])
    return st


def _timeline(s: Any) -> Timeline:
    t = Timeline()
    last = s.last_upload
    if last is not None:
        records = s.history()
        t.show_outcome(last.outcome, last.record or (records[-1] if records else None), key=last.outcome.key,
                       total_ms=last.outcome.duration * 1000)
    return t


WIDGET_FACTORIES: dict[str, Callable[[Any], Any]] = {
    "builder": _builder,
    "receiver": lambda s: ReceiverPanel(session=s),
    "stepper": _stepper,
    "upload": lambda s: UploadPanel(session=s),
    "timeline": _timeline,
    "probe": lambda s: ProbePanel(session=s),
}
