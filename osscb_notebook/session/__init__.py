"""The session layer below both front ends: what a kernel started (emulator, receiver, tunnel), its
current callback definition, its uploads, and change notifications for panels to follow."""

from .callback import DEFAULT_BODY, CallbackState
from .events import ChangeNotifier
from .services import DEFAULT_PATH, Services
from .session import Session, get_session, reset_session
from .uploads import OssSettings, UploadResult, Uploads

__all__ = [
    "DEFAULT_BODY", "DEFAULT_PATH", "CallbackState", "ChangeNotifier", "OssSettings", "Services", "Session",
    "UploadResult", "Uploads", "get_session", "reset_session",
]
