"""The receiver panel: start/stop, tunnel choice, the callback URL, a live table of callbacks,
a detail view, reply settings and replay. It drives the same session as the magics and follows
what they (or code cells) do to it: a receiver started by ``%osscb_receiver start`` shows here."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..display.records import detail_views, history_table, record_line
from ..display.report import error_html
from ..display.text import receiver_panel_text
from ..errors import OsscbError
from ..tunnels import registry
from . import _html as h
from ._text import TextRepr
from ._threads import UiDispatcher

# 0 stands for "auto": ipywidgets reads a None option value as "nothing selected"
_STATUS = [("auto (200 if verified, else 400)", 0), ("200 OK", 200), ("400 Bad Request", 400),
           ("404 Not Found", 404), ("500 Server Error", 500), ("502 Bad Gateway", 502), ("301 redirect", 301)]
_DETAIL_TABS = ("Summary", "Headers", "Raw body", "Pretty", "Reply", "curl")
_MAX_ROWS = 50


class ReceiverPanel(TextRepr, W.VBox):
    """Run and watch the verifying callback receiver.

    ``session`` defaults to the kernel's (shared with ``%osscb_receiver``). ``stepper`` is an
    optional :class:`VerificationStepper` that *Step through* loads the selected callback into.
    New callbacks arrive on a server thread and are marshalled to the kernel loop (never printed).
    """

    def __init__(self, session: Any = None, *, stepper: Any = None) -> None:
        from ..session import get_session

        self.session = session or get_session()
        self.stepper = stepper
        self._ui = UiDispatcher()
        self._unsubscribe: Any = None
        self._watching: Any = None
        self._newest: int | None = None

        self.start_button = W.Button(description="Start", icon="play", button_style="success", layout=W.Layout(width="100px"))
        self.stop_button = W.Button(description="Stop", icon="stop", layout=W.Layout(width="100px"))
        self.tunnel = W.Dropdown(options=list(registry.choices()), value=self.session.config.tunnel, description="tunnel",
                                 layout=W.Layout(width="200px"))
        self.tunnel.style.description_width = "50px"
        # the chosen provider's required options (ssh's host), asked for next to the dropdown
        self.tunnel_fields: dict[str, W.Text] = {}
        self.tunnel_box = W.HBox()
        self.tunnel.observe(lambda _c: self._tunnel_fields(), names="value")
        self._tunnel_fields()
        self.url = W.HTML()
        self.message = W.HTML()
        self.table = W.HTML()
        self.select = W.Dropdown(options=[], description="callback", layout=W.Layout(width="100%"))
        self.select.style.description_width = "70px"
        self.details = {name: W.HTML() for name in _DETAIL_TABS}
        self.detail_tabs = W.Tab([self.details[n] for n in _DETAIL_TABS], titles=_DETAIL_TABS, layout=W.Layout(width="100%"))
        self.step_button = W.Button(description="Step through", icon="list-ol", tooltip="open in the verification stepper")
        self.replay_url = W.Text(placeholder="replay to (default: this receiver)", layout=W.Layout(flex="1"))
        self.replay_button = W.Button(description="Replay", icon="redo")
        self.replay_result = W.HTML()

        self.reply_status = W.Dropdown(options=_STATUS, value=0, description="status", layout=W.Layout(width="330px"))
        self.reply_body = W.Text(placeholder='(default {"Status":"OK"})', description="body", layout=W.Layout(width="330px"))
        self.reply_delay = W.FloatSlider(0.0, min=0.0, max=8.0, step=0.5, description="delay (s)", readout_format=".1f",
                                         layout=W.Layout(width="330px"))
        self.reply_bom = W.Checkbox(False, description="UTF-8 BOM", indent=False, layout=W.Layout(width="120px"))
        self.reply_no_length = W.Checkbox(False, description="no Content-Length", indent=False, layout=W.Layout(width="160px"))
        self.reply_oversize = W.Checkbox(False, description="over 1 MB", indent=False, layout=W.Layout(width="110px"))
        self.apply_button = W.Button(description="Apply reply", icon="check", button_style="primary")
        for w in (self.reply_status, self.reply_body, self.reply_delay):
            w.style.description_width = "70px"

        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self.apply_button.on_click(lambda _b: self.apply_reply())
        self.replay_button.on_click(lambda _b: self.replay())
        self.step_button.on_click(lambda _b: self.step_through())
        self._redrawing = False
        self.select.observe(lambda _c: None if self._redrawing else self._show_detail(), names="value")

        reply_box = W.VBox([
            W.HTML(h.wrap("<b>Reply settings</b> <span class='osscb-muted'>(break it on purpose to see each 203)</span>")),
            W.HBox([self.reply_status, self.reply_body]),
            W.HBox([self.reply_delay, self.reply_bom, self.reply_no_length, self.reply_oversize]),
            self.apply_button,
        ])
        super().__init__([
            W.HTML(h.wrap("<div class='osscb-title'>Callback receiver</div>")),
            W.HBox([self.start_button, self.stop_button, self.tunnel, self.tunnel_box], layout=W.Layout(align_items="center")),
            self.url, self.message, self.table, self.select, self.detail_tabs,
            W.HBox([self.step_button, self.replay_url, self.replay_button], layout=W.Layout(width="100%")),
            self.replay_result, reply_box,
        ])
        self.add_class("osscb-receiver-panel")
        self._watching = self.session.on_change(lambda what: self._ui(self._session_changed, what))
        self._attach()

    # ---- receiver lifecycle --------------------------------------------------------------------
    @property
    def receiver(self) -> Any:
        return self.session.receiver

    def _tunnel_fields(self) -> None:
        kind = self.tunnel.value
        required = registry.provider(kind).required if kind != registry.NONE else ()
        given = self.session.config.tunnel_options.get(kind) or {}
        for name in required:
            if name not in self.tunnel_fields:
                field = W.Text(str(given.get(name, "")), description=name, placeholder=f"{kind} {name} (required)",
                               layout=W.Layout(width="260px"))
                field.style.description_width = "40px"
                self.tunnel_fields[name] = field
        self.tunnel_box.children = tuple(self.tunnel_fields[n] for n in required)

    def tunnel_options(self) -> dict[str, Any] | None:
        """The shown option fields' values (the session adds the provider's ``Osscb.tunnel_options``)."""
        return {f.description: f.value.strip() for f in self.tunnel_box.children if isinstance(f, W.Text)} or None

    def start(self) -> Any:
        """Start the receiver (and the emulator it must trust), with the chosen tunnel."""
        try:
            receiver = self.session.start_receiver(tunnel=self.tunnel.value, tunnel_options=self.tunnel_options())
        except (OsscbError, ValueError, OSError) as exc:
            self._error(exc)
            return None
        self.message.value = ""
        self._attach()
        return receiver

    def stop(self) -> None:
        self.session.stop_receiver()
        self._attach()

    def _session_changed(self, what: str) -> None:
        if what in ("receiver", "tunnel"):
            self._attach()

    def _attach(self) -> None:
        """(Re)subscribe to the current receiver and redraw."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        receiver = self.receiver
        if receiver is not None:
            # called on a server thread: hand the redraw to the kernel loop
            self._unsubscribe = receiver.subscribe(lambda _record: self._ui(self.refresh))
        running = receiver is not None
        self.start_button.disabled = running
        self.stop_button.disabled = not running
        self.tunnel.disabled = running
        tunnel = self.session.tunnel
        if tunnel is not None and tunnel.provider in self.tunnel.options and self.tunnel.value != tunnel.provider:
            self.tunnel.value = tunnel.provider  # a tunnel a magic opened
        for field in self.tunnel_fields.values():
            field.disabled = running
        self.refresh()

    # ---- table and details ---------------------------------------------------------------------
    def records(self) -> list[Any]:
        return self.session.history()

    def refresh(self) -> None:
        """Redraw the URL, the table and the selector from the receiver's history."""
        if self.receiver is None:
            self.url.value = h.wrap(f"{h.badge('STOPPED', h.GREY)} <span class='osscb-muted'>Start the receiver to get a callback URL.</span>")
        else:
            note = ""
            if self.session.tunnel is not None and self.session.tunnel.warning:
                note = h.box(h.esc(self.session.tunnel.warning), "warn")
            self.url.value = h.wrap(
                f"{h.badge('RUNNING', h.GREEN)} callback URL <code style='user-select:all'>{h.esc(self.session.display_callback_url())}</code>"
                + note)
        records = self.records()
        start = max(len(records) - _MAX_ROWS, 0)
        shown = records[start:]
        options = [(record_line(i, r), i) for i, r in enumerate(shown, start)]
        previous = self.select.value
        # follow the newest callback unless the user picked an older one
        follow = previous is None or previous == self._newest
        self._newest = options[-1][1] if options else None
        self._redrawing = True  # the selector's observer must not redraw half-way through
        try:
            self.select.options = options
            self.select.value = self._newest if follow or previous not in dict(options).values() else previous
        finally:
            self._redrawing = False
        self.table.value = h.wrap(history_table(shown, start, self.select.value))
        self._show_detail()

    @property
    def selected(self) -> Any:
        """The selected callback record (``None`` when there is none)."""
        records = self.records()
        i = self.select.value
        return records[i] if i is not None and 0 <= i < len(records) else None

    def _show_detail(self) -> None:
        record = self.selected
        if record is None:
            for v in self.details.values():
                v.value = ""
            return
        for name, html in detail_views(record).items():
            self.details[name].value = h.wrap(html)
        records = self.records()
        start = max(len(records) - _MAX_ROWS, 0)
        self.table.value = h.wrap(history_table(records[start:], start, self.select.value))

    # ---- actions -------------------------------------------------------------------------------
    def apply_reply(self) -> None:
        """Apply the reply settings; a value ReplySettings refuses (a delay of inf) is shown, not raised."""
        from ..receiver import ReplySettings

        if self.receiver is None:
            self._error(OsscbError("No receiver is running.", hint="Press Start first."))
            return
        try:
            settings = ReplySettings(
                status=self.reply_status.value or None, body=self.reply_body.value or None, delay=float(self.reply_delay.value),
                bom=self.reply_bom.value, content_length=not self.reply_no_length.value, oversize=self.reply_oversize.value,
            )
            self.session.set_reply(settings)
        except (OsscbError, ValueError, OverflowError) as exc:
            self._error(exc)
            return
        self.message.value = h.wrap(h.box("Reply settings applied to every path.", "info"))

    def replay(self) -> Any:
        """Send the selected callback again (to this receiver, or to the URL typed)."""
        record = self.selected
        if record is None or self.receiver is None:
            self._error(OsscbError("Select a callback of a running receiver first."))
            return None
        try:
            result = self.receiver.replay(record, self.replay_url.value.strip() or None)
        except (OsscbError, OSError, ValueError) as exc:
            self._error(exc)
            return None
        color = h.GREEN if result.status == 200 else h.RED
        self.replay_result.value = h.wrap(h.box(
            f"Replayed: {h.badge(str(result.status), color)} in {result.duration_ms:.0f} ms" + h.code(result.text[:2000]), "info"))
        return result

    def step_through(self) -> None:
        record = self.selected
        if record is not None and self.stepper is not None:
            self.stepper.load(record)

    def _error(self, exc: BaseException) -> None:
        self.message.value = h.wrap(error_html(exc))

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._watching is not None:
            self._watching()
        super().close()

    def text_summary(self) -> str:
        running = self.receiver is not None
        return receiver_panel_text(running, self.session.display_callback_url() if running else "", self.records())
