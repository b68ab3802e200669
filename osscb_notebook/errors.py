"""The typed exception hierarchy. Every message says what happened and what to do next (``hint``),
and errors carry the evidence a caller needs as attributes, the way pyngrok's and httpx's do.

::

    OsscbError                      message + hint; every error below
    ├── CallbackParamError          (ValueError) a callback / callback-var OSS would reject: ec, argument_*
    ├── RawRequestError             (ValueError) a captured request that cannot be parsed
    ├── VerificationError           a callback did not verify: trace (Trace.raise_for_failure)
    │   ├── UntrustedKeyURLError    the key URL is not on the allowlist (never fetched)
    │   └── KeyFetchError           the key could not be fetched or loaded: url, status_code
    ├── EmulatorError               the local OSS emulator could not start or serve
    ├── ProbeError                  ``osscb probe`` cannot run: its key port is busy, nothing answers: url, port
    ├── ReceiverError               the receiver could not start, stop or answer: port, exitcode
    │   └── ReplySettingsError      (ValueError) a reply setting out of range (status, delay)
    ├── TunnelError                 a tunnel could not be opened or is unusable: provider, log
    │   └── TunnelUnavailableError  the provider cannot work here (no binary, no route out)
    └── UploadError                 an upload failed before OSS stored the object: status, code, request_id
        └── CallbackFailedError     stored, but the callback failed (HTTP 203): ec, body

There is no template error: OSS renders every ``callbackBody`` (an unknown ``${...}`` becomes empty),
and so does :func:`~osscb_notebook.callback.render_body`; lint warnings list the unknown names.

Evidence attributes are keyword arguments with harmless defaults (``None``, ``""``, ``()``), so
a raise site that has no evidence still works.
"""

from __future__ import annotations

from collections.abc import Iterable


class OsscbError(Exception):
    """Base class of every error the kit raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class CallbackParamError(OsscbError, ValueError):
    """A `callback` / `callback-var` parameter OSS would reject with 400 InvalidArgument.

    ``oss_message`` is OSS's own text, ``ec`` its error code (``None`` where OSS publishes none),
    ``argument_name`` is ``callback`` or ``callback-var`` and ``argument_value`` the value OSS echoes.
    """

    def __init__(
        self,
        oss_message: str,
        *,
        ec: str | None,
        argument_name: str = "callback",
        argument_value: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(oss_message, hint=hint)
        self.oss_message = oss_message
        self.ec = ec
        self.argument_name = argument_name
        self.argument_value = argument_value
        self.status = 400
        self.code = "InvalidArgument"


class RawRequestError(OsscbError, ValueError):
    """A captured HTTP request that cannot be parsed (``osscb verify`` exits 2)."""


class VerificationError(OsscbError):
    """A callback signature did not verify; ``trace`` holds the steps, the failed one included."""

    def __init__(self, message: str, *, trace: object = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.trace = trace


class UntrustedKeyURLError(VerificationError):
    """The ``x-oss-pub-key-url`` is not on the allowlist, so it was not fetched."""


class KeyFetchError(VerificationError):
    """The public key could not be obtained from a trusted URL.

    ``url`` is the key URL asked, ``status_code`` the HTTP status it answered (``None`` when no
    answer came: refused, timed out, or a body that is not a key)."""

    def __init__(self, message: str, *, url: str = "", status_code: int | None = None, trace: object = None,
                 hint: str = "") -> None:
        super().__init__(message, trace=trace, hint=hint)
        self.url = url
        self.status_code = status_code


class EmulatorError(OsscbError):
    """The local OSS emulator could not start or serve."""


class ProbeError(OsscbError):
    """The probe cannot run: its key server's port is busy, or nothing answers at the URL.

    ``url`` is the probed URL, ``port`` the key port (when that is the problem)."""

    def __init__(self, message: str, *, url: str = "", port: int | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.port = port


class ReceiverError(OsscbError):
    """The callback receiver could not start, stop or answer.

    ``port`` is the receiver's port (``None`` before it had one), ``exitcode`` the child process's
    exit code in process mode once it has exited (``None`` while alive, or in thread mode)."""

    def __init__(self, message: str, *, port: int | None = None, exitcode: int | None = None,
                 hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.port = port
        self.exitcode = exitcode


class TunnelError(OsscbError):
    """A tunnel could not be opened or is unusable.

    ``provider`` names the tunnel kind (``ssh``, ``ngrok``, ...); ``log`` holds the last lines
    the provider's own program said (ssh's stderr, ngrok's log), secrets already masked."""

    def __init__(self, message: str, *, provider: str = "", log: Iterable[str] = (), hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.provider = provider
        self.log: tuple[str, ...] = tuple(log)


class TunnelUnavailableError(TunnelError):
    """The tunnel provider cannot work here (missing binary, outside world unreachable)."""


class UploadError(OsscbError):
    """An upload failed before OSS stored the object.

    ``status`` is the HTTP status OSS answered (``None`` when nothing was sent or no answer came),
    ``code`` OSS's error code (``NoSuchBucket``, ...) and ``request_id`` its ``x-oss-request-id``,
    the id Alibaba Cloud support asks for."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "", request_id: str = "",
                 hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id


class CallbackFailedError(UploadError):
    """OSS stored the object but the callback failed (HTTP 203, ``CallbackFailed``)."""

    def __init__(self, message: str, *, ec: str | None = None, body: bytes = b"", status: int | None = 203,
                 code: str = "CallbackFailed", request_id: str = "", hint: str = "") -> None:
        super().__init__(message, status=status, code=code, request_id=request_id, hint=hint)
        self.ec = ec
        self.body = body


class ReplySettingsError(ReceiverError, ValueError):
    """A receiver reply setting is out of range (status, delay)."""
