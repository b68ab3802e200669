"""Moved: :class:`Session` to :mod:`osscb_notebook.session`, :class:`Report` and the error box to
:mod:`osscb_notebook.display`. Kept so existing imports work."""

from ..display.report import Report, error_report, info_report, ok_report
from ..session import DEFAULT_BODY, DEFAULT_PATH, Session, get_session, reset_session

__all__ = ["DEFAULT_BODY", "DEFAULT_PATH", "Report", "Session", "error_report", "get_session", "info_report",
           "ok_report", "reset_session"]
