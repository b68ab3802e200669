"""Uploads with a callback, to the local emulator or real OSS, and what the client gets back."""

from .failure import CAUSES, CallbackFailure, explain_callback_failure
from .operations import OPERATIONS, Operation, post_policy, upload
from .outcome import UploadOutcome
from .target import UploadTarget

__all__ = [
    "CAUSES", "OPERATIONS", "CallbackFailure", "Operation", "UploadOutcome", "UploadTarget", "explain_callback_failure",
    "post_policy", "upload",
]
