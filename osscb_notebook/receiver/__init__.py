"""The callback receiver: verifies every callback, records everything, answers within OSS's 5 s.

Runs in a child process of the kernel (default) or a kernel thread, and standalone (``osscb receiver``).
"""

from .engine import DEFAULT_MAX_BODY, EngineConfig
from .history import History, load_log
from .receiver import Receiver, running_receivers, start_receiver, stop_receiver
from .record import CallbackRecord
from .replay import ReplayResult, replay
from .reply import OSS_MAX_REPLY_BODY, ReplySettings

#: How a receiver runs: a child process (the default: fast replies while a cell computes) or a
#: kernel thread. The magics' ``--mode``, ``%config Osscb.receiver_mode`` and the panels derive from it.
MODES = ("process", "thread")

__all__ = [
    "DEFAULT_MAX_BODY", "MODES", "OSS_MAX_REPLY_BODY", "CallbackRecord", "EngineConfig", "History", "Receiver",
    "ReplayResult", "ReplySettings", "load_log",
    "replay", "running_receivers", "start_receiver", "stop_receiver",
]
