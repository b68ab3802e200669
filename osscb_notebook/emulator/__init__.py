"""A local OSS endpoint that behaves like OSS for upload callbacks; the kit's default backend.

>>> from osscb_notebook.emulator import Emulator
>>> with Emulator() as emu:           # temp data dir, free port, bucket "demo"
...     emu.endpoint                  # doctest: +SKIP
'http://127.0.0.1:54321'
"""

from ._config import (
    CALLBACK_TIMEOUT,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BUCKETS,
    PUBLIC_KEY_PATH,
    EmulatorConfig,
)
from ._dispatch import send as send_callback
from ._records import CallbackAttempt, Record
from ._server import Emulator

__all__ = [
    "CALLBACK_TIMEOUT", "DEFAULT_ACCESS_KEY_ID", "DEFAULT_ACCESS_KEY_SECRET", "DEFAULT_BUCKETS", "PUBLIC_KEY_PATH",
    "CallbackAttempt", "Emulator", "EmulatorConfig", "Record", "send_callback",
]
