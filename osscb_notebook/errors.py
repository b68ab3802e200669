"""The typed exception hierarchy. Every message says what happened and what to do next."""

from __future__ import annotations


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


class TemplateError(OsscbError, ValueError):
    """A callback body template that cannot be rendered."""


class RawRequestError(OsscbError, ValueError):
    """A captured HTTP request that cannot be parsed (``osscb verify`` exits 2)."""


class VerificationError(OsscbError):
    """A callback signature did not verify; ``trace`` holds the step that failed."""

    def __init__(self, message: str, *, trace: object = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.trace = trace


class UntrustedKeyURLError(VerificationError):
    """The ``x-oss-pub-key-url`` is not on the allowlist, so it was not fetched."""


class KeyFetchError(VerificationError):
    """The public key could not be obtained from a trusted URL."""


class EmulatorError(OsscbError):
    """The local OSS emulator could not start or serve."""


class ReceiverError(OsscbError):
    """The callback receiver could not start, stop or answer."""


class TunnelError(OsscbError):
    """A tunnel could not be opened or is unusable."""


class TunnelUnavailableError(TunnelError):
    """The tunnel provider cannot work here (missing binary, outside world unreachable)."""


class UploadError(OsscbError):
    """An upload failed before OSS stored the object."""


class CallbackFailedError(UploadError):
    """OSS stored the object but the callback failed (HTTP 203, ``CallbackFailed``)."""

    def __init__(self, message: str, *, ec: str | None = None, body: bytes = b"", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.ec = ec
        self.body = body


class ReplySettingsError(ReceiverError, ValueError):
    """A receiver reply setting is out of range (status, delay)."""
