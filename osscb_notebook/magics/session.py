"""What the magics started, and the plain functions behind every magic.

One :class:`Session` per kernel (``get_session()``) owns the emulator, receiver and tunnel it
started, the last callback definition and the last upload. ``%unload_ext`` calls :meth:`close`.
The functions return objects with text and HTML representations; they never print.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Osscb
from ..errors import OsscbError, UploadError
from ..verification import KeyResolver, Trace, parse_raw_request, verify_request
from ..widgets import _html as h
from ..widgets.definition import Definition

DEFAULT_PATH = "/callback"
DEFAULT_BODY = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&uid=${x:uid}"


@dataclass(frozen=True)
class Report:
    """A result shown as a cell output: plain text for nbval/terminals, HTML for JupyterLab."""

    text: str
    html: str = ""
    ok: bool = True

    def __post_init__(self) -> None:
        # Last line of defence: no report shows the open tunnel's token, whatever produced it
        # (an error message quoting a URL, a status line).
        secrets = _SESSION.secrets() if _SESSION is not None else ()
        if secrets:
            from ..redact import redact

            object.__setattr__(self, "text", redact(self.text, secrets))
            object.__setattr__(self, "html", redact(self.html, secrets))

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)

    def _repr_html_(self) -> str:
        return self.html or h.wrap(h.code(self.text))

    def __repr__(self) -> str:
        return self.text


def _ok(text: str, html_body: str | None = None) -> Report:
    return Report(text, h.wrap(h.box(html_body if html_body is not None else h.esc(text), "ok")), True)


def _info(text: str) -> Report:
    return Report(text, h.wrap(h.box(h.esc(text).replace("\n", "<br>"), "info")), True)


def error_report(exc: BaseException) -> Report:
    """An :class:`OsscbError` as a red box: message and hint, no traceback."""
    ec = getattr(exc, "ec", None)
    hint = getattr(exc, "hint", "")
    message = getattr(exc, "oss_message", None) or getattr(exc, "message", None) or str(exc)
    text = f"Error: {message}" + (f" (EC {ec})" if ec else "") + (f"\n  hint: {hint}" if hint else "")
    html = f"<b>{h.esc(type(exc).__name__)}</b>: {h.esc(message)}" + (f" <span class='osscb-muted'>EC {h.esc(ec)}</span>" if ec else "")
    if hint:
        html += f"<div><b>Hint:</b> {h.esc(hint)}</div>"
    return Report(text, h.wrap(h.box(html, "fail")), False)


class Session:
    """The emulator, receiver and tunnel this kernel started, plus the last definition and upload."""

    def __init__(self, config: Osscb | None = None) -> None:
        self.config = config or Osscb()
        self.emulator: Any = None
        self.receiver: Any = None
        self.tunnel: Any = None
        self.definition: Definition | None = None
        self.last_outcome: Any = None
        self._secret: str | None = None  # real-OSS secret: memory only, never shown or saved
        self._lock = threading.RLock()
        self._listeners: list[Callable[[str], None]] = []

    # ---- change notification (panels follow what the magics do) -------------------------------
    def on_change(self, fn: Callable[[str], None]) -> Callable[[], None]:
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _changed(self, what: str) -> None:
        for fn in list(self._listeners):
            fn(what)

    # ---- emulator ------------------------------------------------------------------------------
    def start_emulator(self, port: int | None = None, bucket: str | None = None) -> Any:
        """Start the local OSS emulator (or return the running one)."""
        from ..emulator import Emulator

        with self._lock:
            if self.emulator is not None:
                return self.emulator
            bucket = bucket or self.config.bucket
            emulator = Emulator(port=self.config.emulator_port if port is None else port, buckets=(bucket,))
            emulator.start()
            self.emulator = emulator
        self._changed("emulator")
        return emulator

    def stop_emulator(self) -> bool:
        with self._lock:
            emulator, self.emulator = self.emulator, None
        if emulator is None:
            return False
        emulator.stop()
        self._changed("emulator")
        return True

    # ---- receiver and tunnel -------------------------------------------------------------------
    def start_receiver(self, port: int | None = None, mode: str | None = None, tunnel: str | None = None,
                       reply: Any = None) -> Any:
        """Start the verifying receiver (and, on the emulator backend, the emulator whose key it
        must trust); open a tunnel when asked. Returns the receiver."""
        from ..receiver import start_receiver

        with self._lock:
            if self.receiver is not None:
                return self.receiver
            trusted = list(self.config.trust_key_urls)
            if self.config.backend == "emulator":
                emulator = self.start_emulator()
                trusted.append(emulator.public_key_url)
            self.receiver = start_receiver(
                port=self.config.receiver_port if port is None else port, mode=mode or self.config.receiver_mode,
                trust_key_urls=tuple(trusted), reply=reply,
            )
            kind = tunnel or self.config.tunnel
        if kind and kind != "none":
            self.open_tunnel(kind)
        self._changed("receiver")
        return self.receiver

    def open_tunnel(self, kind: str) -> Any:
        from ..tunnels import open_tunnel

        with self._lock:
            if self.receiver is None:
                raise OsscbError("No receiver is running.", hint="Start one first: %osscb_receiver start")
            if self.tunnel is not None:
                self.tunnel.close()
            # passing the receiver (not its port) registers the tunnel's secrets (a Jupyter token
            # in a proxy URL) so the receiver masks them in everything it records
            self.tunnel = open_tunnel(kind, self.receiver)
        self._changed("tunnel")
        return self.tunnel

    def close_tunnel(self) -> bool:
        with self._lock:
            tunnel, self.tunnel = self.tunnel, None
        if tunnel is None:
            return False
        tunnel.close()
        self._changed("tunnel")
        return True

    def stop_receiver(self) -> bool:
        self.close_tunnel()
        with self._lock:
            receiver, self.receiver = self.receiver, None
        if receiver is None:
            return False
        receiver.stop()
        self._changed("receiver")
        return True

    def callback_url(self, path: str = DEFAULT_PATH) -> str:
        """Where OSS should send callbacks: the tunnel's public URL, else the receiver's own."""
        if self.tunnel is not None:
            return self.tunnel.callback_url(path)
        if self.receiver is not None:
            return self.receiver.url.rstrip("/") + path
        raise OsscbError("No receiver is running, so there is no callback URL.", hint="Start one: %osscb_receiver start")

    def display_callback_url(self, path: str = DEFAULT_PATH) -> str:
        """:meth:`callback_url` with any tunnel secret (a Jupyter token) masked, for showing."""
        from ..redact import redact

        return redact(self.callback_url(path), self.tunnel.secrets if self.tunnel is not None else ())

    # ---- callback definition --------------------------------------------------------------------
    def define(self, text: str) -> Definition:
        """Evaluate a definition; ``{receiver}`` in it is replaced by the receiver's callback base URL."""
        if "{receiver}" in text:
            base = self.callback_url("")
            text = text.replace("{receiver}", base)
        d = Definition.from_text(text)
        d.secrets = self.secrets()
        if d.ok:
            self.definition = d
        return d

    def default_definition(self) -> Definition:
        """The session's definition, or the default one aimed at the running receiver."""
        if self.definition is not None:
            return self.definition
        d = Definition.evaluate(
            {"callbackUrl": self.callback_url(), "callbackBody": DEFAULT_BODY,
             "callbackBodyType": "application/x-www-form-urlencoded"},
            {"x:uid": "42"},
        )
        d.secrets = self.secrets()
        return d

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never be shown (the open tunnel's token)."""
        return tuple(self.tunnel.secrets) if self.tunnel is not None else ()

    # ---- upload --------------------------------------------------------------------------------
    def set_secret(self, secret: str | None) -> None:
        """Keep the real-OSS AccessKey secret in memory for this session (never shown, never saved)."""
        self._secret = secret or None

    def target(self, backend: str | None = None) -> Any:
        from ..upload import UploadTarget

        backend = backend or self.config.backend
        if backend == "emulator":
            return UploadTarget.for_emulator(self.start_emulator(), bucket=self.config.bucket)
        c = self.config
        key_id = c.oss_access_key_id or os.environ.get("OSS_ACCESS_KEY_ID", "")
        endpoint = c.oss_endpoint or os.environ.get("OSS_ENDPOINT", "")
        if not (key_id and endpoint):
            raise UploadError("Real OSS needs an endpoint and an AccessKey ID.",
                              hint='%config Osscb.oss_endpoint = "https://oss-cn-hangzhou.aliyuncs.com" and '
                                   '%config Osscb.oss_access_key_id = "...", or OSS_ENDPOINT / OSS_ACCESS_KEY_ID.')
        secret = self._secret or os.environ.get("OSS_ACCESS_KEY_SECRET") or getpass.getpass("AccessKey secret: ")
        self._secret = secret
        bucket = c.bucket if c.bucket != "demo" else os.environ.get("OSS_BUCKET", c.bucket)
        return UploadTarget.for_oss(endpoint, bucket, key_id, secret, c.oss_region or None)

    def upload(self, key: str, data: bytes | str | Path, *, operation: str = "PutObject", backend: str | None = None,
               definition: Definition | None = None, callback: bool = True, part_size: int | None = None,
               threads: int | None = None, progress: Callable[[int, int], None] | None = None, content_type: str | None = None) -> Any:
        """Upload with the session's callback definition (or the default one) and keep the outcome."""
        from ..upload import upload

        params = variables = None
        if callback:
            d = definition or self.default_definition()
            if not d.ok:
                assert d.error is not None
                raise d.error
            params, variables = d.params, d.variables
        kwargs: dict[str, Any] = {"operation": operation, "callback": params, "callback_vars": variables, "progress": progress}
        if part_size:
            kwargs["part_size"] = part_size
        if threads is not None:
            kwargs["threads"] = threads
        if content_type:
            kwargs["content_type"] = content_type
        outcome = upload(self.target(backend), key, data, **kwargs)
        self.last_outcome = outcome
        self._changed("upload")
        return outcome

    # ---- verification and history --------------------------------------------------------------
    def history(self) -> list[Any]:
        return list(self.receiver.history) if self.receiver is not None else []

    def resolver(self) -> KeyResolver:
        trusted = list(self.config.trust_key_urls)
        if self.emulator is not None:
            trusted.append(self.emulator.public_key_url)
        return KeyResolver(trusted)

    def verify(self, index: int | None = None, raw: bytes | None = None) -> Trace:
        """Verify a pasted/saved raw request, or re-verify callback ``index`` of the history
        (default: the last one) with the session's allowlist."""
        if raw is not None:
            return verify_request(parse_raw_request(raw), self.resolver())
        records = self.history()
        if not records:
            raise OsscbError("No callback has been received yet.", hint="Start a receiver and upload: %osscb_receiver start, %osscb_upload")
        try:
            record = records[-1 if index is None else index]
        except IndexError:
            raise OsscbError(f"There is no callback #{index}; the history holds {len(records)}.") from None
        return verify_request(record.to_request(), self.resolver())

    def close(self) -> None:
        """Stop everything this session started (``%unload_ext``)."""
        for stop in (self.stop_receiver, self.stop_emulator):
            with contextlib.suppress(Exception):  # keep stopping the rest; nothing to print to
                stop()


_SESSION: Session | None = None
_SESSION_LOCK = threading.Lock()


def get_session() -> Session:
    """The kernel's session (created on first use, with default config outside IPython)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = Session()
        return _SESSION


def reset_session(config: Osscb | None = None) -> Session:
    """Close the current session and start a fresh one (used by load/unload and tests)."""
    global _SESSION
    with _SESSION_LOCK:
        old, _SESSION = _SESSION, Session(config)
    if old is not None:
        old.close()
    return _SESSION
