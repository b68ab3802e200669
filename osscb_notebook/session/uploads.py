"""Uploads through the session: the target (emulator or real OSS), the AccessKey secret kept in
memory only, and the last upload with the receiver's record of its callback."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Osscb
from ..errors import UploadError
from .events import ChangeNotifier

#: Asks for the real-OSS secret when none is set (the front end's concern: getpass by default).
SecretPrompt = Callable[[str], str]


@dataclass(frozen=True)
class OssSettings:
    """Real-OSS settings given for one upload (a panel's fields), instead of ``%config`` values."""

    endpoint: str = ""
    region: str = ""
    access_key_id: str = ""
    bucket: str = ""


@dataclass(frozen=True)
class UploadResult:
    """One upload: the outcome, the receiver's record of its callback (if it arrived) and the
    wall time from the first byte sent to the outcome, in milliseconds."""

    outcome: Any
    record: Any
    total_ms: float


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


class Uploads:
    """Runs uploads with a callback definition and keeps the last one."""

    def __init__(self, config: Osscb, events: ChangeNotifier, *, prompt: SecretPrompt | None = None) -> None:
        self.config = config
        self.events = events
        self.prompt: SecretPrompt = prompt or _getpass
        self.last: UploadResult | None = None
        self._secret: str | None = None  # real-OSS secret: memory only, never shown or saved
        self._lock = threading.Lock()

    @property
    def has_secret(self) -> bool:
        """Whether a real-OSS secret is available (set here, or in ``OSS_ACCESS_KEY_SECRET``)."""
        return bool(self._secret or os.environ.get("OSS_ACCESS_KEY_SECRET"))

    def set_secret(self, secret: str | None) -> None:
        """Keep the real-OSS AccessKey secret in memory for this session (never shown, never saved)."""
        self._secret = secret or None

    def target(self, backend: str | None, emulator: Callable[[], Any], oss: OssSettings | None = None) -> Any:
        from ..upload import UploadTarget

        backend = backend or self.config.backend
        c = self.config
        if backend == "emulator":
            return UploadTarget.for_emulator(emulator(), bucket=c.bucket)
        given = oss or OssSettings()
        key_id = given.access_key_id or c.oss_access_key_id or os.environ.get("OSS_ACCESS_KEY_ID", "")
        endpoint = given.endpoint or c.oss_endpoint or os.environ.get("OSS_ENDPOINT", "")
        if not (key_id and endpoint):
            raise UploadError("Real OSS needs an endpoint and an AccessKey ID.",
                              hint='%config Osscb.oss_endpoint = "https://oss-cn-hangzhou.aliyuncs.com" and '
                                   '%config Osscb.oss_access_key_id = "...", or OSS_ENDPOINT / OSS_ACCESS_KEY_ID.')
        secret = self._secret or os.environ.get("OSS_ACCESS_KEY_SECRET") or self.prompt("AccessKey secret: ")
        self._secret = secret
        bucket = given.bucket or (c.bucket if c.bucket != "demo" else os.environ.get("OSS_BUCKET", c.bucket))
        return UploadTarget.for_oss(endpoint, bucket, key_id, secret, given.region or c.oss_region or None)

    def upload(self, target: Any, key: str, data: bytes | str | Path, *, definition: Any, operation: str,
               part_size: int | None, threads: int | None, progress: Callable[[int, int], None] | None,
               content_type: str | None, history: Callable[[], list[Any]]) -> UploadResult:
        """Upload with ``definition`` (``None``: no callback) and keep the result."""
        from ..upload import upload

        params = variables = None
        if definition is not None:
            if not definition.ok:
                raise definition.error
            params, variables = definition.params, definition.variables
        kwargs: dict[str, Any] = {"operation": operation, "callback": params, "callback_vars": variables, "progress": progress}
        if part_size is not None:  # 0 reaches upload(), which says what a part size must be
            kwargs["part_size"] = part_size
        if threads is not None:
            kwargs["threads"] = threads
        if content_type:
            kwargs["content_type"] = content_type
        before = len(history())
        started = time.perf_counter()
        outcome = upload(target, key, data, **kwargs)
        total_ms = (time.perf_counter() - started) * 1000
        records = history()
        result = UploadResult(outcome, records[-1] if len(records) > before else None, total_ms)
        with self._lock:
            self.last = result
        self.events.notify("upload")
        return result
