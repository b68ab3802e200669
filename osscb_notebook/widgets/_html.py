"""The display layer's HTML helpers, plus the one helper that needs ipywidgets (a labelled field)."""

from __future__ import annotations

from ..display._html import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    RED,
    STYLE,
    badge,
    box,
    code,
    esc,
    kv_table,
    wrap,
)

__all__ = ["AMBER", "BLUE", "GREEN", "GREY", "RED", "STYLE", "badge", "box", "code", "esc", "kv_table", "labeled", "wrap"]


def labeled(text: str, widget: object, width: str = "110px") -> object:
    """``widget`` with a right-aligned label of ``width`` in front, like a Text's description
    (ToggleButtons put their description on a line of its own when space is short)."""
    import ipywidgets as W

    label = W.HTML(f'<div class="osscb-field-label">{esc(text)}</div>', layout=W.Layout(width=width, min_width=width))
    return W.HBox([label, widget], layout=W.Layout(align_items="center"))
