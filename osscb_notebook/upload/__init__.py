"""Uploads with a callback, to the local emulator or real OSS, and what the client gets back."""

from .operations import OPERATIONS, Operation, post_policy, upload
from .outcome import UploadOutcome
from .target import UploadTarget

__all__ = ["OPERATIONS", "Operation", "UploadOutcome", "UploadTarget", "post_policy", "upload"]
