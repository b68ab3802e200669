"""One :class:`Session` per kernel: the facade both front ends (magics and widgets) drive.

Each job has one owner: :class:`~.services.Services` (emulator, receiver, tunnel lifecycles),
:class:`~.callback.CallbackState` (the current definition), :class:`~.uploads.Uploads` (uploads and
the real-OSS secret) and :class:`~.events.ChangeNotifier` (what changed, for panels to follow).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..config import Osscb
from ..display.definition import Definition
from ..display.masking import add_secret_source, mask
from ..errors import OsscbError
from ..verification import KeyResolver, Trace, parse_raw_request, verify_request
from .callback import DEFAULT_BODY, CallbackState
from .events import ChangeNotifier
from .services import DEFAULT_PATH, Services
from .uploads import OssSettings, SecretPrompt, UploadResult, Uploads

__all__ = ["DEFAULT_BODY", "DEFAULT_PATH", "Session", "get_session", "reset_session"]


class Session:
    """The emulator, receiver and tunnel this kernel started, plus the definition and last upload."""

    def __init__(self, config: Osscb | None = None, *, prompt: SecretPrompt | None = None) -> None:
        self.config = config if config is not None else Osscb()
        self.events = ChangeNotifier()
        self.services = Services(self.config, self.events)
        self.callback = CallbackState(self.services.callback_url, self.services.secrets, self.events)
        self.uploads = Uploads(self.config, self.events, prompt=prompt)

    # ---- change notification (panels follow what the magics do) -------------------------------
    def on_change(self, fn: Callable[[str], None]) -> Callable[[], None]:
        """Call ``fn(what)`` after each change (``emulator``, ``receiver``, ``tunnel``, ``definition``,
        ``upload``), possibly from a worker thread; returns an unsubscriber."""
        return self.events.subscribe(fn)

    # ---- lifecycles ----------------------------------------------------------------------------
    @property
    def emulator(self) -> Any:
        return self.services.emulator

    @emulator.setter
    def emulator(self, value: Any) -> None:
        self.services.emulator = value

    @property
    def receiver(self) -> Any:
        return self.services.receiver

    @receiver.setter
    def receiver(self, value: Any) -> None:
        self.services.receiver = value

    @property
    def tunnel(self) -> Any:
        return self.services.tunnel

    @tunnel.setter
    def tunnel(self, value: Any) -> None:
        self.services.tunnel = value

    def start_emulator(self, port: int | None = None, bucket: str | None = None) -> Any:
        return self.services.start_emulator(port=port, bucket=bucket)

    def stop_emulator(self) -> bool:
        return self.services.stop_emulator()

    def start_receiver(self, port: int | None = None, mode: str | None = None, tunnel: str | None = None,
                       reply: Any = None, tunnel_options: Mapping[str, Any] | None = None) -> Any:
        return self.services.start_receiver(port=port, mode=mode, tunnel=tunnel, reply=reply, tunnel_options=tunnel_options)

    def stop_receiver(self) -> bool:
        return self.services.stop_receiver()

    def open_tunnel(self, kind: str, options: Mapping[str, Any] | None = None) -> Any:
        return self.services.open_tunnel(kind, options)

    def close_tunnel(self) -> bool:
        return self.services.close_tunnel()

    def set_reply(self, settings: Any = None, **changes: Any) -> None:
        """Change the running receiver's reply (a ``ReplySettings`` or field changes)."""
        if self.receiver is None:
            from ..errors import ReceiverError

            raise ReceiverError("No receiver is running.", hint="Start one: %osscb_receiver start")
        if settings is not None:
            self.receiver.set_reply(settings)
        elif changes:
            self.receiver.set_reply(**changes)

    def callback_url(self, path: str = DEFAULT_PATH) -> str:
        return self.services.callback_url(path)

    def display_callback_url(self, path: str = DEFAULT_PATH) -> str:
        """:meth:`callback_url` with any tunnel secret (a Jupyter token) masked, for showing."""
        return mask(self.callback_url(path), self.secrets())

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never be shown (the open tunnel's token)."""
        return self.services.secrets()

    # ---- callback definition --------------------------------------------------------------------
    @property
    def definition(self) -> Definition | None:
        return self.callback.definition

    @definition.setter
    def definition(self, value: Definition | None) -> None:
        self.callback.definition = value

    def define(self, text: str) -> Definition:
        return self.callback.define(text)

    def default_definition(self) -> Definition:
        return self.callback.default_definition()

    # ---- uploads -------------------------------------------------------------------------------
    @property
    def has_secret(self) -> bool:
        return self.uploads.has_secret

    @property
    def _secret(self) -> str | None:  # read-only; kept for code that checked it before the split
        return self.uploads._secret

    def set_secret(self, secret: str | None) -> None:
        """Keep the real-OSS AccessKey secret in memory for this session (never shown, never saved)."""
        self.uploads.set_secret(secret)

    @property
    def last_upload(self) -> UploadResult | None:
        return self.uploads.last

    @property
    def last_outcome(self) -> Any:
        return self.uploads.last.outcome if self.uploads.last is not None else None

    def target(self, backend: str | None = None, oss: OssSettings | None = None) -> Any:
        return self.uploads.target(backend, self.start_emulator, oss)

    def upload(self, key: str, data: bytes | str | Path, *, operation: str = "PutObject", backend: str | None = None,
               definition: Definition | None = None, callback: bool = True, part_size: int | None = None,
               threads: int | None = None, progress: Callable[[int, int], None] | None = None,
               content_type: str | None = None, oss: OssSettings | None = None) -> Any:
        """Upload with the session's callback definition (or the default one) and keep the outcome.
        Subscribers hear ``"upload"``; :attr:`last_upload` has the outcome and the callback's record."""
        d = (definition or self.default_definition()) if callback else None
        result = self.uploads.upload(
            self.target(backend, oss), key, data, definition=d, operation=operation, part_size=part_size,
            threads=threads, progress=progress, content_type=content_type, history=self.history)
        return result.outcome

    # ---- verification and history --------------------------------------------------------------
    def history(self) -> list[Any]:
        return self.services.history()

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
# Every report and widget text is masked with the current session's secrets (the tunnel's token).
add_secret_source(lambda: _SESSION.secrets() if _SESSION is not None else ())


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
