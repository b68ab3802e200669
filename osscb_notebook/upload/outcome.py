"""What the client got back: 200 with the callback's reply, or 203 ``CallbackFailed``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ..errors import CallbackFailedError, UploadError
from .failure import CallbackFailure, explain_callback_failure

#: What to do about the OSS errors a learner meets first; the rest get a generic hint.
_ERROR_HINTS = {
    "NoSuchBucket": "Check the bucket name (and that it exists in this endpoint's region).",
    "AccessDenied": "Check the AccessKey and that it may write to this bucket.",
    "InvalidAccessKeyId": "Check the AccessKey ID (OSS_ACCESS_KEY_ID, or the emulator's default).",
    "SignatureDoesNotMatch": "Check the AccessKey secret (and the region, for V4 signing).",
    "InvalidArgument": "OSS rejected a parameter; its message says which (EC in the error body).",
}


@dataclass(frozen=True)
class UploadOutcome:
    """The client's view of one upload. ``status`` 203 means stored but the callback FAILED: oss2
    and the Python SDK V2 do not raise on it, so check :attr:`callback_ok`."""

    operation: str
    key: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    callback_requested: bool = False
    duration: float = 0.0

    @property
    def request_id(self) -> str:
        return self.headers.get("x-oss-request-id", "")

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "").strip('"')

    @property
    def crc64(self) -> str:
        return self.headers.get("x-oss-hash-crc64ecma", "")

    @property
    def stored(self) -> bool:
        """OSS stored the object (200 or 203)."""
        return self.status in (200, 203) or (200 <= self.status < 300)

    @property
    def callback_ok(self) -> bool:
        return self.callback_requested and self.status == 200

    def _error(self) -> dict[str, str]:
        if self.status < 300 and self.status != 203:
            return {}
        try:
            root = ET.fromstring(self.body)
        except ET.ParseError:
            return {}
        return {child.tag: (child.text or "") for child in root}

    @property
    def error_code(self) -> str:
        return self._error().get("Code", "")

    @property
    def error_message(self) -> str:
        return self._error().get("Message", "")

    @property
    def ec(self) -> str:
        return self._error().get("EC", "")

    @property
    def reply(self) -> object:
        """The callback server's reply as relayed by OSS (parsed JSON when it is JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return self.body.decode("utf-8", "replace")

    @property
    def callback_failure(self) -> CallbackFailure | None:
        """Why the callback failed (a 203), from OSS's message and EC; ``None`` otherwise."""
        if self.status != 203:
            return None
        return explain_callback_failure(self.error_message, self.ec)

    @property
    def explanation(self) -> str:
        failure = self.callback_failure
        if failure is not None:
            why = failure.explanation
            return (
                f"203 CallbackFailed: the object IS stored, but the callback failed. OSS says: "
                f"'{self.error_message}' (EC {self.ec or 'n/a'}). {why} oss2 and SDK V2 do not raise on 203: "
                "check status == 200 before treating the upload as done."
            )
        if self.callback_ok:
            return f"200: stored, callback delivered; your server replied {self.body.decode('utf-8', 'replace')}"
        if self.status >= 300:
            return f"{self.status} {self.error_code}: {self.error_message} (EC {self.ec or 'n/a'}). Nothing was stored."
        return f"{self.status}: stored (no callback requested)."

    def raise_for_status(self) -> UploadOutcome:
        """Raise :class:`UploadError` (with ``status``, ``code`` and ``request_id``) when OSS refused
        the upload (nothing stored); return self otherwise, so ``.raise_for_callback()`` can follow."""
        if self.status >= 300:
            raise UploadError(self.explanation, status=self.status, code=self.error_code,
                              request_id=self.request_id or self._error().get("RequestId", ""),
                              hint=_ERROR_HINTS.get(self.error_code, "See OSS's message and EC above."))
        return self

    def raise_for_callback(self) -> UploadOutcome:
        """Raise :class:`CallbackFailedError` on 203; return self otherwise."""
        if self.status == 203:
            raise CallbackFailedError(self.explanation, ec=self.ec or None, body=self.body,
                                      request_id=self.request_id,
                                      hint="The object is stored: fix the callback server, then re-upload or replay.")
        return self

    def __str__(self) -> str:
        return f"{self.operation} {self.key!r}: {self.explanation}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))
