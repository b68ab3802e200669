"""The probe panel: check a callback server you own the way ``osscb probe`` does, with a URL, the
mode (default / trusted, and the key-URL prefix to trust), a Run button and a progress bar; then the
report card, failures first, each with a button that opens the exact request the server got wrong
in the verification stepper.

The checks run on a background thread (the button) or on the calling thread (:meth:`ProbePanel.run`);
the thread never prints, its updates are marshalled to the kernel loop.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as W

from ..display.findings import answered_html, finding_html, mode_html
from ..display.probe import ordered, probe_html
from ..display.report import error_html
from ..display.text import probe_panel_text
from ..probe import DEFAULT_KEY_PORT, ProbeReport, run_probe
from ..probe.keyserver import PREFIX_PATH
from ..probe.runner import normalize_key_url_base
from ..verification import KeyResolver, Trace, parse_raw_request
from . import _html as h
from ._text import TextRepr
from ._threads import UiDispatcher, run_in_background
from .stepper import VerificationStepper

_MODES = [("default", "default"), ("trusted", "trusted")]


def key_prefix(key_port: int, key_url_base: str | None = None) -> str:
    """The key-URL prefix a run with these options serves its trusted key under (known before it runs,
    so the server can be started trusting it)."""
    return normalize_key_url_base(key_url_base) if key_url_base else f"http://127.0.0.1:{key_port}{PREFIX_PATH}"


def probe_resolver(report: ProbeReport) -> KeyResolver:
    """A resolver that trusts exactly the run's prefix and answers it with the run's key (the key
    server has stopped): a request with a forged or look-alike key URL fails at the allowlist, a
    tampered one at RSA verify, as the server should have seen it."""
    return KeyResolver([report.trusted_prefix], fetch=lambda _url, _timeout, _max: report.key_pem)


class _Finding(W.HBox):
    """A failing (or warning) row with its *Step through* button."""

    def __init__(self, panel: ProbePanel, check: Any) -> None:
        self.check = check
        self.button = W.Button(description="Step through", icon="list-ol", layout=W.Layout(width="130px", min_width="130px"),
                               tooltip=f"open the {check.id} request in the verification stepper",
                               disabled=check.request is None)
        self.button.on_click(lambda _b: panel.open_stepper(check.id))
        super().__init__([W.HTML(finding_html(check), layout=W.Layout(flex="1")), self.button],
                         layout=W.Layout(align_items="center", width="100%"))
        self.add_class("osscb-probe-finding")


class ProbePanel(TextRepr, W.VBox):
    """Probe a callback server and explore its report card.

    ``url`` defaults to the session's receiver (when one runs). ``trusted``, ``key_port``,
    ``key_url_base`` and ``timeout`` are :func:`~osscb_notebook.probe.run_probe`'s.
    """

    def __init__(self, url: str | None = None, *, session: Any = None, trusted: bool = False,
                 key_port: int = DEFAULT_KEY_PORT, key_url_base: str | None = None, timeout: float = 10.0) -> None:
        from ..session import get_session
        from ..session.services import DEFAULT_PATH

        self.session = session or get_session()
        if url is None and self.session.receiver is not None:
            url = str(self.session.receiver.url).rstrip("/") + DEFAULT_PATH
        self.key_url_base = key_url_base
        self.timeout = timeout
        self._ui = UiDispatcher()
        self._thread: threading.Thread | None = None
        self.report: ProbeReport | None = None
        self.error: BaseException | None = None
        self._progress_seen = (0, 0)
        self._stepped: tuple[str, Trace | None] | None = None
        self._stepper: VerificationStepper | None = None

        self.url = W.Text(url or "", description="URL", placeholder="http://127.0.0.1:8080/callback (a server you own)",
                          layout=W.Layout(width="100%"))
        self.url.style.description_width = "104px"
        self.mode = W.ToggleButtons(options=_MODES, value="trusted" if trusted else "default", style={"button_width": "100px"})
        self.key_port = W.BoundedIntText(key_port, min=1, max=65535, description="key port", layout=W.Layout(width="220px"),
                                         disabled=key_url_base is not None)
        self.key_port.style.description_width = "104px"
        self.mode_help = W.HTML()
        self.run_button = W.Button(description="Run", icon="play", button_style="primary", layout=W.Layout(width="120px"))
        self.progress = W.IntProgress(0, min=0, max=1, bar_style="info", layout=W.Layout(flex="1"))
        self.status = W.HTML(layout=W.Layout(width="260px"))
        self.message = W.HTML()
        self.findings = W.VBox()
        self.answered = W.HTML()
        self.stepper_box = W.VBox()
        self.card = W.HTML()
        # with findings on top the full card (every check) folds away, so the panel stays one screen high
        self.card_box = W.Accordion([self.card], titles=("Report card: every check",), selected_index=None)
        self.card_box.layout.display = "none"
        for w in (self.mode, self.key_port):
            w.observe(lambda _c: self._show_mode(), names="value")
        self.run_button.on_click(lambda _b: self.start())
        super().__init__([
            W.HTML(h.wrap("<div class='osscb-title'>Check a callback server (osscb probe)</div><div class='osscb-muted'>"
                          "Plays OSS against the URL: good callbacks and hostile ones. Probe only servers you own; "
                          "redirects are never followed.</div>")),
            self.url, h.labeled("mode", self.mode, "104px"), self.key_port, self.mode_help,
            W.HBox([self.run_button, self.progress, self.status], layout=W.Layout(align_items="center")),
            self.message, self.findings, self.stepper_box, self.card_box,
        ])
        self.add_class("osscb-probe")
        self._show_mode()

    @property
    def prefix(self) -> str:
        """The key-URL prefix a trusted run serves its key under."""
        return key_prefix(int(self.key_port.value), self.key_url_base)

    def _show_mode(self) -> None:
        self.mode_help.value = mode_html(self.mode.value, self.prefix)

    # ---- running ------------------------------------------------------------------------------
    def run(self) -> ProbeReport | None:
        """Probe now, on the calling thread; returns the report (``None`` on error, shown in the panel)."""
        self._begin()
        try:
            report = self._probe()
        except Exception as exc:  # shown in the panel (a bad URL, a busy key port, nothing answering)
            self.error = exc
            self._ui(self._show_error, exc)
            return None
        finally:
            self._ui(self._done)
        self.report = report
        self._ui(self._show_report, report)
        return report

    def start(self) -> threading.Thread:
        """Probe on a background thread (the Run button); :meth:`wait` joins it."""
        if self._thread is not None and self._thread.is_alive():
            return self._thread
        self._begin()
        self._thread = run_in_background(self._run_in_thread, "osscb-probe")
        return self._thread

    def wait(self, timeout: float = 120.0) -> ProbeReport | None:
        """Wait for the background run; returns its report (``None`` on error)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.report

    def _run_in_thread(self) -> None:
        # plain attributes are set here so wait() sees them at once; widget traits change on the loop
        try:
            report = self._probe()
        except Exception as exc:  # a thread has nowhere else to report
            self.error = exc
            self._ui(self._show_error, exc)
        else:
            self.report = report
            self._ui(self._show_report, report)
        finally:
            self._ui(self._done)

    def _probe(self) -> ProbeReport:
        return run_probe(self.url.value.strip(), trusted=self.mode.value == "trusted", key_port=int(self.key_port.value),
                         key_url_base=self.key_url_base, timeout=self.timeout,
                         progress=lambda done, total, check_id: self._ui(self._progress, done, total, check_id))

    def _begin(self) -> None:
        self.report, self.error, self._stepped, self._progress_seen = None, None, None, (0, 0)
        self.run_button.disabled = True
        self.progress.value, self.progress.bar_style = 0, "info"
        self.status.value = h.wrap("<span class='osscb-muted'>&nbsp;starting…</span>")
        self.message.value = self.card.value = self.answered.value = ""
        self.card_box.layout.display = "none"
        self.findings.children = ()
        self.stepper_box.children = ()

    # ---- UI updates (kernel loop) ------------------------------------------------------------
    def _progress(self, done: int, total: int, check_id: str) -> None:
        self._progress_seen = (done, total)
        self.progress.max = max(total, 1)
        self.progress.value = min(done, total)
        self.status.value = h.wrap(f"&nbsp;{done}/{total} <code>{h.esc(check_id)}</code>")

    def _show_report(self, report: ProbeReport) -> None:
        self.report = report
        self.progress.value = self.progress.max
        self.progress.bar_style = "danger" if report.exit_code else "success"
        s = report.summary()
        self.status.value = h.wrap(f"&nbsp;{len(report.checks)} checks: {s['pass']} pass, {s['fail']} fail")
        found = [c for c in ordered(report.checks) if c.verdict in ("fail", "warn")]
        if found:
            self.message.value = h.wrap(
                "<div class='osscb-title'>Findings, most severe first</div><div class='osscb-muted'>"
                "<b>Step through</b> opens the exact request the server got wrong in the verification stepper.</div>")
        else:
            self.message.value = ""
        self.findings.children = tuple(_Finding(self, c) for c in found)
        self.card.value = probe_html(report)
        self.card_box.selected_index = None if found else 0
        self.card_box.layout.display = None

    def _show_error(self, exc: BaseException) -> None:
        self.progress.bar_style = "danger"
        self.status.value = ""
        self.message.value = h.wrap(error_html(exc))

    def _done(self) -> None:
        self.run_button.disabled = False

    # ---- the stepper --------------------------------------------------------------------------
    def open_stepper(self, check_id: str) -> VerificationStepper:
        """Open the request check ``check_id`` sent in the verification stepper, below the findings,
        with what the server answered to it."""
        report = self.report
        if report is None:
            raise ValueError("run the probe first")
        check = report.check(check_id)
        if check.request is None:
            raise ValueError(f"{check_id} has no request to step through")
        if self._stepper is None:
            self._stepper = VerificationStepper()
        stepper = self._stepper
        stepper.resolver = probe_resolver(report)
        stepper.load(parse_raw_request(check.request.to_raw()))
        self._stepped = (check_id, stepper.trace)
        self.answered.value = answered_html(check)
        self.stepper_box.children = (self.answered, stepper)
        # land on the step that fails, if one does: that is what the server should have caught
        failed = next((s.name for s in stepper.trace.steps if s.ok is False), None) if stepper.trace else None
        if failed is not None:
            stepper.go(failed)
        return stepper

    @property
    def stepper(self) -> VerificationStepper | None:
        """The stepper the last *Step through* opened (``None`` before)."""
        return self._stepper

    def text_summary(self) -> str:
        return probe_panel_text(self.url.value, self.mode.value, self.prefix, self.report, self.error,
                                self._progress_seen, self._stepped)
