"""The verification stepper: one :class:`~osscb_notebook.verification.Trace` step at a time.

The trace comes from the core verifier (``verify_request``); this widget only walks through it. A
failing step is red with the verifier's likely cause; steps after it are grey ("not run").
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import Int

from ..display.outcome import STEP_COLOR, trace_summary_html
from ..display.records import record_line
from ..display.report import error_html
from ..display.text import stepper_text
from ..errors import OsscbError
from ..verification import (
    CapturedRequest,
    KeyResolver,
    Step,
    Trace,
    parse_raw_request,
    verify_request,
)
from . import _html as h
from ._text import TextRepr

_SHORT = {
    "key_url": "Key URL", "allowlist": "Allowlist", "public_key": "Public key", "signature": "Signature",
    "string_to_sign": "String to sign", "md5": "MD5", "rsa_verify": "RSA verify",
}
_COLOR = STEP_COLOR
_HELP = {
    "key_url": "OSS names the key that signed the callback in x-oss-pub-key-url, Base64-encoded.",
    "allowlist": "Never fetch a key from just any URL: a forger would point it at their own key.",
    "public_key": "OSS's key never changes, so it is pinned here; other trusted keys are fetched once and cached.",
    "signature": "The authorization header is the bare Base64 RSA signature (no scheme).",
    "string_to_sign": "URL-decoded path + ('?' + raw query, if any) + one LF + the raw body bytes.",
    "md5": "The signature is RSA over the MD5 digest of the string to sign.",
    "rsa_verify": "RSASSA-PKCS1-v1_5 with MD5, using the public key from step 3.",
}


def _source_trace(source: Any, resolver: KeyResolver) -> tuple[Trace, CapturedRequest | None]:
    """Accept a Trace, a parsed request, raw bytes/text, or a receiver record (anything with
    ``.trace``); always return a trace."""
    if isinstance(source, Trace):
        return source, None
    trace = getattr(source, "trace", None)
    if isinstance(trace, Trace):
        return trace, getattr(source, "request", None)
    if isinstance(source, str):
        source = source.encode("utf-8")
    if isinstance(source, (bytes, bytearray)):
        source = parse_raw_request(bytes(source))
    if isinstance(source, CapturedRequest):
        return verify_request(source, resolver), source
    raise TypeError(f"cannot verify a {type(source).__name__}: give raw request bytes, a CapturedRequest, a Trace or a receiver record")


def _describe(source: Any, request: CapturedRequest | None) -> str:
    """One line saying what is being verified."""
    if hasattr(source, "received_at") and hasattr(source, "target"):
        return "Received callback " + record_line(0, source).split(" ", 1)[1]  # without the table index
    if request is not None:
        return f"Request {request.method} {request.target} ({len(request.body)} body bytes)"
    return "A verification trace"


class VerificationStepper(TextRepr, W.VBox):
    """Walk through the verification of one callback with Back / Next.

    ``source`` is raw request bytes, a :class:`CapturedRequest`, a :class:`Trace` or a receiver
    record. ``trust_key_urls`` and ``public_key`` configure the :class:`KeyResolver` used for raw
    requests. The raw-request box verifies whatever is pasted into it.
    """

    index = Int(0, help="The step shown (0-based).")

    def __init__(
        self, source: Any = None, *, trust_key_urls: tuple[str, ...] | list[str] = (), public_key: bytes | None = None
    ) -> None:
        self.resolver = KeyResolver(trust_key_urls, public_key=public_key)
        self.trace: Trace | None = None
        self.request: CapturedRequest | None = None
        self.raw = W.Textarea(placeholder="Paste a raw HTTP request: request line, headers, blank line, body", rows=6, layout=W.Layout(width="100%"))
        self.trusted = W.Text(", ".join(trust_key_urls), description="also trust", placeholder="key URL prefixes, comma-separated", layout=W.Layout(width="100%"))
        self.verify_button = W.Button(description="Verify pasted request", icon="check", button_style="primary", layout=W.Layout(width="200px"))
        self.verify_button.on_click(lambda _b: self.verify_pasted())
        paste = W.Accordion([W.VBox([self.raw, self.trusted, self.verify_button])], titles=("Paste a raw request",), selected_index=None)
        self.source = W.HTML()
        self.strip = W.HTML()
        self.card = W.HTML()
        self.back_button = W.Button(description="Back", icon="arrow-left", layout=W.Layout(width="100px"))
        self.next_button = W.Button(description="Next", icon="arrow-right", button_style="info", layout=W.Layout(width="100px"))
        self.position = W.HTML()
        self.back_button.on_click(lambda _b: self.back())
        self.next_button.on_click(lambda _b: self.next())
        nav = W.HBox([self.back_button, self.next_button, self.position], layout=W.Layout(align_items="center"))
        super().__init__([W.HTML(h.wrap("<div class='osscb-title'>Verification stepper</div>")), paste, self.source, self.strip, self.card, nav])
        self.add_class("osscb-stepper")
        self.observe(lambda _c: self._render(), names="index")
        if source is not None:
            self.load(source)
        else:
            self._render()

    # ---- loading -------------------------------------------------------------------------------
    def load(self, source: Any) -> Trace:
        """Verify (or take the trace of) ``source`` and show step 1."""
        self.trace, self.request = _source_trace(source, self.resolver)
        self.source.value = h.wrap(f"<span class='osscb-muted'>{h.esc(_describe(source, self.request))}</span>")
        if self.index == 0:
            self._render()
        else:
            self.index = 0
        return self.trace

    def verify_pasted(self) -> Trace | None:
        """Verify the pasted request with the prefixes in the *also trust* box; errors are shown."""
        prefixes = [p.strip() for p in self.trusted.value.split(",") if p.strip()]
        try:
            self.resolver = KeyResolver(prefixes, public_key=self.resolver.given_pem)
            return self.load(self.raw.value.encode("utf-8"))
        except (OsscbError, ValueError) as exc:
            self.trace = None
            self.card.value = h.wrap("<b>Cannot verify this input.</b>" + error_html(exc))
            self.strip.value = ""
            self.position.value = ""
            return None

    # ---- navigation ----------------------------------------------------------------------------
    @property
    def current(self) -> Step | None:
        return self.trace.steps[self.index] if self.trace and self.trace.steps else None

    def next(self) -> None:
        if self.trace and self.index < len(self.trace.steps) - 1:
            self.index += 1

    def back(self) -> None:
        if self.index > 0:
            self.index -= 1

    def go(self, name: str) -> None:
        """Jump to a step by name (``"rsa_verify"``, ``"string_to_sign"``, ...)."""
        if self.trace:
            self.index = [s.name for s in self.trace.steps].index(name)

    # ---- rendering -----------------------------------------------------------------------------
    def _render(self) -> None:
        trace = self.trace
        if trace is None:
            self.strip.value = h.wrap("<span class='osscb-muted'>Select a callback in the receiver panel, or paste a raw request.</span>")
            self.card.value = ""
            self.position.value = ""
            self.back_button.disabled = self.next_button.disabled = True
            return
        n = len(trace.steps)
        self.back_button.disabled = self.index == 0
        self.next_button.disabled = self.index >= n - 1
        self.position.value = h.wrap(f"&nbsp;Step {self.index + 1} of {n}")
        pills = []
        for i, s in enumerate(trace.steps):
            # Steps not reached yet stay neutral, so the verdict is discovered step by step.
            reached = i <= self.index
            color = _COLOR[s.ok] if reached else "#d0d7de"
            fg = "#fff" if reached else "#57606a"
            ring = "box-shadow:0 0 0 2px #0969da;" if i == self.index else ""
            pills.append(
                f'<span style="display:inline-block;margin:2px 3px;padding:3px 9px;border-radius:12px;'
                f'background:{color};color:{fg};font-size:12px;{ring}">{i + 1}. {h.esc(_SHORT.get(s.name, s.title))}</span>'
            )
        self.strip.value = h.wrap("".join(pills))
        self.card.value = h.wrap(self._card(trace.steps[self.index], self.index, n))

    def _card(self, s: Step, i: int, n: int) -> str:
        kind = {True: "ok", False: "fail", None: "info"}[s.ok]
        head = f'{h.badge(s.status, _COLOR[s.ok])} <b>{i + 1}. {h.esc(s.title)}</b>'
        parts = [f"<div>{head}</div>", f"<div class='osscb-muted' style='margin:4px 0'>{h.esc(_HELP.get(s.name, ''))}</div>"]
        if s.inputs:
            parts.append(h.kv_table(s.inputs))
        if s.output:
            out = h.code(s.output)
            if s.name == "string_to_sign":
                # make the single LF impossible to miss
                out = out.replace("\\n", '<span style="color:#cf222e;font-weight:700;background:#ffebe9">\\n</span>')
            parts.append(out)
        if s.cause:
            parts.append(f"<div><b>Likely cause:</b> {h.esc(s.cause)}</div>")
        # The verdict box closes the walk; on a failed step it would only repeat the cause above.
        if (i == n - 1 or s.ok is False) and not (s.ok is False and s.cause):
            assert self.trace is not None
            parts.append(trace_summary_html(self.trace))
        return h.box("".join(parts), kind)

    def text_summary(self) -> str:
        return stepper_text(self.trace, self.index)
