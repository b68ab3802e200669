"""Moved to :mod:`osscb_notebook.display.records`; kept so existing imports work."""

from ..display.records import (
    BUDGET_MS,
    budget_bar,
    detail_views,
    history_table,
    ms,
    pretty_body,
    record_line,
    verdict,
)

__all__ = ["BUDGET_MS", "budget_bar", "detail_views", "history_table", "ms", "pretty_body", "record_line", "verdict"]
