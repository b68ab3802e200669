"""The upload panel: content (a file or generated), operation, target (emulator or real OSS),
a progress bar, and the outcome: 200 with the callback's reply, or a loud 203 CallbackFailed.

The upload runs on a background thread so the kernel stays responsive; every widget update is
marshalled to the kernel loop. The AccessKey secret is read from a Password field, kept in the
session's memory and cleared from the field at once, so it is never echoed, shown or saved.
Uploads made elsewhere through the session (``%osscb_upload``, a code cell) show here too.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import ipywidgets as W

from ..display.masking import mask
from ..display.outcome import outcome_html
from ..display.report import error_html
from ..display.text import upload_panel_text
from ..errors import OsscbError
from ..session.uploads import OssSettings, UploadResult
from ..upload.operations import DEFAULT_THREADS, OPERATIONS
from . import _html as h
from ._text import TextRepr
from ._threads import UiDispatcher, run_in_background
from .timeline import Timeline

_OPERATIONS = OPERATIONS
_CONTENT = [("text", "text"), ("random bytes", "random"), ("file (choose below)", "file")]


class UploadPanel(TextRepr, W.VBox):
    """Upload with the session's callback (or a linked :class:`CallbackBuilder`'s) and show the result.

    ``builder``: take the callback from this builder instead of the session's definition.
    ``receiver_panel``/``timeline``: optional widgets to update when the upload finishes.
    """

    def __init__(self, session: Any = None, *, builder: Any = None, timeline: Timeline | None = None) -> None:
        from ..session import get_session

        self.session = session or get_session()
        self.builder = builder
        self._ui = UiDispatcher()
        self._thread: threading.Thread | None = None
        self.outcome: Any = None
        self.error: BaseException | None = None
        self._shown: UploadResult | None = None  # the session upload on screen

        self.key = W.Text("photos/cat.jpg", description="key", layout=W.Layout(width="100%"))
        self.content = W.ToggleButtons(options=_CONTENT, value="text", style={"button_width": "140px"})
        self.text = W.Textarea("hello from osscb-notebook\n", rows=2, layout=W.Layout(width="100%"))
        self.size = W.BoundedIntText(12 * 1024 * 1024, min=1, max=1024**3, description="bytes", layout=W.Layout(width="260px"))
        self.file = W.FileUpload(accept="", multiple=False, description="Choose file")
        self.operation = W.ToggleButtons(options=_OPERATIONS, value="PutObject", style={"button_width": "100px"})
        self.part_size = W.BoundedIntText(5 * 1024 * 1024, min=100 * 1024, max=5 * 1024**3, description="part size",
                                          layout=W.Layout(width="260px"))
        self.threads = W.BoundedIntText(DEFAULT_THREADS, min=1, max=32, description="threads",
                                        layout=W.Layout(width="200px"))
        self.multipart_box = W.HBox([self.part_size, self.threads])
        self.target = W.ToggleButtons(options=[("local emulator", "emulator"), ("real OSS", "oss")],
                                      value=self.session.config.backend, style={"button_width": "130px"})
        c = self.session.config
        self.endpoint = W.Text(c.oss_endpoint or os.environ.get("OSS_ENDPOINT", ""), description="endpoint",
                               placeholder="https://oss-cn-hangzhou.aliyuncs.com", layout=W.Layout(width="100%"))
        self.region = W.Text(c.oss_region, description="region", placeholder="cn-hangzhou", layout=W.Layout(width="100%"))
        self.bucket = W.Text(os.environ.get("OSS_BUCKET", ""), description="bucket", layout=W.Layout(width="100%"))
        self.key_id = W.Text(c.oss_access_key_id or os.environ.get("OSS_ACCESS_KEY_ID", ""), description="AccessKey ID",
                             layout=W.Layout(width="100%"))
        self.secret = W.Password(description="secret", placeholder="kept in memory only; the field empties itself",
                                 layout=W.Layout(width="100%"))
        self.secret_state = W.HTML()
        self.with_callback = W.Checkbox(True, description="with callback", indent=False)
        self.callback_info = W.HTML()
        self.upload_button = W.Button(description="Upload", icon="upload", button_style="primary", layout=W.Layout(width="140px"))
        self.progress = W.IntProgress(0, min=0, max=100, description="", bar_style="info", layout=W.Layout(width="100%"))
        self.result = W.HTML()
        self.timeline = timeline or Timeline()
        for w in (self.key, self.size, self.part_size, self.threads, self.endpoint, self.region, self.bucket, self.key_id, self.secret):
            w.style.description_width = "100px"

        self.oss_box = W.VBox([self.endpoint, self.region, self.bucket, self.key_id, self.secret, self.secret_state])
        self.secret.observe(self._take_secret, names="value")
        self.file.observe(self._file_chosen, names="value")
        for w in (self.content, self.operation, self.target):
            w.observe(lambda _c: self._layout(), names="value")
        self.upload_button.on_click(lambda _b: self.start_upload())
        if builder is not None:
            builder.observe(lambda _c: self._layout(), names="valid")

        self.content_box = W.VBox()
        super().__init__([
            W.HTML(h.wrap("<div class='osscb-title'>Upload</div>")),
            self.key, h.labeled("content", self.content, "104px"), self.content_box,
            h.labeled("operation", self.operation, "104px"), self.multipart_box, h.labeled("target", self.target, "104px"), self.oss_box,
            W.HBox([self.with_callback, self.callback_info], layout=W.Layout(align_items="center")),
            W.HBox([self.upload_button, self.progress], layout=W.Layout(align_items="center")),
            self.result, self.timeline,
        ])
        self.add_class("osscb-upload-panel")
        # follow the receiver/tunnel the magics or the receiver panel start and stop, and show
        # uploads made through the session elsewhere (%osscb_upload, a code cell)
        self._watching = self.session.on_change(lambda what: self._ui(self._session_changed, what))
        self._layout()
        if self.session.last_upload is not None:
            self._show_result(self.session.last_upload)

    # ---- form ---------------------------------------------------------------------------------
    def _layout(self) -> None:
        kind = self.content.value
        self.content_box.children = (self.text,) if kind == "text" else (self.size,) if kind == "random" else (self.file,)
        self.multipart_box.layout.display = None if self.operation.value == "Multipart" else "none"
        self.progress.layout.visibility = "visible" if self.operation.value == "Multipart" else "hidden"
        self.oss_box.layout.display = None if self.target.value == "oss" else "none"
        self.secret_state.value = h.wrap(
            f"<span class='osscb-muted'>secret: {'set (in memory only)' if self.session.has_secret else 'not set'}</span>")
        try:
            d = self._definition()
            url = d.params.url if d is not None and d.params is not None else ""
            self.callback_info.value = mask(h.wrap(f"<span class='osscb-muted'>to <code>{h.esc(url)}</code></span>"))
        except OsscbError as exc:
            self.callback_info.value = h.wrap(f"<span class='osscb-muted'>{h.esc(exc.message)}</span>")

    def _take_secret(self, change: dict[str, Any]) -> None:
        # Move the secret out of the widget state at once: synced widget state can be saved with
        # the notebook, the session's memory cannot.
        value = change["new"]
        if value:
            self.session.set_secret(value)
            self.secret.value = ""
            self._layout()

    def _definition(self) -> Any:
        if self.builder is not None:
            return self.builder.definition
        return self.session.default_definition()

    def payload(self) -> tuple[bytes, str | None]:
        """The bytes to upload and their content type (``None``: let the client guess from the key)."""
        kind = self.content.value
        if kind == "text":
            return self.text.value.encode("utf-8"), "text/plain"
        if kind == "random":
            return os.urandom(int(self.size.value)), "application/octet-stream"
        if not self.file.value:
            raise OsscbError("No file chosen.", hint="Press 'Choose file', or switch content to text.")
        f = self.file.value[0]
        return bytes(f["content"]), f.get("type") or None

    def _file_chosen(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.key.value = "uploads/" + change["new"][0]["name"]

    # ---- upload -------------------------------------------------------------------------------
    def start_upload(self) -> threading.Thread | None:
        """Upload on a background thread (the button); :meth:`wait` joins it."""
        if self._thread is not None and self._thread.is_alive():
            return self._thread
        self.upload_button.disabled = True
        self.result.value = h.wrap(h.box("Uploading…", "info"))
        self.progress.value = 0
        self._thread = run_in_background(self._upload_in_thread, "osscb-upload")
        return self._thread

    def wait(self, timeout: float = 60.0) -> Any:
        """Wait for the background upload; returns the outcome (``None`` on error)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.outcome

    def _upload_in_thread(self) -> None:
        # plain attributes are set here so wait() sees them at once; widget traits change on the loop
        try:
            outcome, total_ms, record = self.upload()
        except BaseException as exc:  # shown in the panel; a thread has nowhere else to report
            self.outcome, self.error = None, exc
            self._ui(self._show_error, exc)
        else:
            self.outcome = outcome
            self._ui(self._show_outcome, outcome, total_ms, record)
        finally:
            self._ui(self._done)

    def upload(self) -> tuple[Any, float, Any]:
        """Upload now, on the calling thread; returns ``(outcome, total ms, receiver record)``."""
        self.error = None
        data, content_type = self.payload()
        oss = None
        if self.target.value == "oss":
            # given to this upload only: a worker thread never writes the session's %config
            oss = OssSettings(endpoint=self.endpoint.value.strip(), region=self.region.value.strip(),
                              access_key_id=self.key_id.value.strip(), bucket=self.bucket.value.strip())
            if not self.session.has_secret:
                raise OsscbError("No AccessKey secret.", hint="Type it into the secret field (it is kept in memory only).")
        definition = self._definition() if self.with_callback.value else None
        outcome = self.session.upload(
            self.key.value.strip() or "example.txt", data, operation=self.operation.value, backend=self.target.value,
            definition=definition, callback=self.with_callback.value,
            part_size=int(self.part_size.value) if self.operation.value == "Multipart" else None,
            threads=int(self.threads.value) if self.operation.value == "Multipart" else None,
            progress=lambda done, total: self._ui(self._progress, done, total), content_type=content_type, oss=oss,
        )
        last = self.session.last_upload
        if last is None or last.outcome is not outcome:  # another upload (a magic) finished in between
            return outcome, outcome.duration * 1000, None
        return outcome, last.total_ms, last.record

    # ---- UI updates (kernel loop) ------------------------------------------------------------
    def _progress(self, done: int, total: int) -> None:
        if total:
            self.progress.max = total
            self.progress.value = min(done, total)

    def _show_outcome(self, outcome: Any, total_ms: float, record: Any) -> None:
        self.outcome = outcome
        self.progress.value = self.progress.max
        self.progress.bar_style = "success" if outcome.status == 200 else "danger"
        self.result.value = outcome_html(outcome)
        self.timeline.show_outcome(outcome, record, key=outcome.key, total_ms=total_ms)
        self._shown = self.session.last_upload

    def _session_changed(self, what: str) -> None:
        last = self.session.last_upload
        if what == "upload" and last is not None and last is not self._shown and not self._busy():
            self._show_result(last)
        self._layout()

    def _busy(self) -> bool:
        # this panel's own upload shows itself when its thread finishes (with the progress bar)
        return self._thread is not None and self._thread.is_alive()

    def _show_result(self, result: UploadResult) -> None:
        """Show an upload made through the session by someone else (a magic, a code cell)."""
        self.outcome, self.error = result.outcome, None
        self.result.value = outcome_html(result.outcome)
        self.timeline.show_outcome(result.outcome, result.record, key=result.outcome.key, total_ms=result.total_ms)
        self._shown = result

    def _show_error(self, exc: BaseException) -> None:
        self.error = exc
        self.outcome = None
        self.progress.bar_style = "danger"
        self.result.value = h.wrap(error_html(exc))

    def _done(self) -> None:
        self.upload_button.disabled = False
        self._layout()

    def close(self) -> None:
        self._watching()
        super().close()

    def text_summary(self) -> str:
        return upload_panel_text(self.target.value, self.operation.value, self.key.value, self.outcome, self.error)
