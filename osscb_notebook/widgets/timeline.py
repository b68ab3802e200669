"""The timeline widget: one exchange (client -> OSS -> application server -> OSS -> client) as the
display layer's inline SVG, with its text form for nbval."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..display.exchange import BUDGET_MS, Exchange, exchange_from, exchange_html, render_svg
from ..display.text import timeline_text
from . import _html as h
from ._text import TextRepr

__all__ = ["BUDGET_MS", "Exchange", "Timeline", "exchange_from", "render_svg"]


class Timeline(TextRepr, W.VBox):
    """Shows one :class:`Exchange`; call :meth:`show` (or :meth:`show_outcome`) to update it."""

    def __init__(self, exchange: Exchange | None = None) -> None:
        self.view = W.HTML()
        self.exchange: Exchange | None = None
        super().__init__([W.HTML(h.wrap("<div class='osscb-title'>Timeline</div>")), self.view])
        self.add_class("osscb-timeline")
        self.show(exchange)

    def show(self, exchange: Exchange | None) -> None:
        self.exchange = exchange
        self.view.value = exchange_html(exchange)

    def show_outcome(self, outcome: Any, record: Any = None, *, key: str = "", total_ms: float | None = None) -> Exchange:
        ex = exchange_from(outcome, record, key=key, total_ms=total_ms)
        self.show(ex)
        return ex

    def text_summary(self) -> str:
        return timeline_text(self.exchange)
