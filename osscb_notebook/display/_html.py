"""Small HTML helpers for every front end: escaping, badges, code blocks, tables, one stylesheet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

GREEN = "#1a7f37"
RED = "#cf222e"
AMBER = "#9a6700"
GREY = "#6e7781"
BLUE = "#0969da"

#: Scoped by the ``osscb`` class so it never leaks into the rest of JupyterLab.
STYLE = """<style>
.osscb { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; line-height: 1.45; }
.osscb .osscb-title { font-weight: 600; font-size: 15px; margin: 2px 0 6px; }
.osscb pre.osscb-code { background: var(--jp-layout-color2, #f6f8fa); border: 1px solid var(--jp-border-color2, #d0d7de);
  color: var(--jp-content-font-color1, #1f2328);
  border-radius: 4px; padding: 6px 8px; margin: 2px 0 8px; white-space: pre-wrap; word-break: break-all;
  font-family: var(--jp-code-font-family, monospace); font-size: 12px; user-select: all; max-height: 260px; overflow: auto; }
.osscb .osscb-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600;
  font-size: 11px; letter-spacing: .3px; }
.osscb table.osscb-table { border-collapse: collapse; margin: 2px 0 6px; width: 100%; table-layout: auto !important; }
.osscb table.osscb-table td, .osscb table.osscb-table th { border-bottom: 1px solid var(--jp-border-color2, #d0d7de);
  padding: 3px 8px; text-align: left; vertical-align: top; font-size: 12px; }
.osscb table.osscb-table th { color: #57606a; font-weight: 600; }
.osscb table.osscb-table td.k { color: #57606a; white-space: nowrap; width: 1%; min-width: 80px; }
.osscb table.osscb-table td code { word-break: break-all; }
/* callouts keep light backgrounds in every theme, so their text is dark in every theme */
.osscb .osscb-box { border-left: 4px solid; padding: 6px 10px; margin: 4px 0; border-radius: 3px; color: #1f2328; }
.osscb .osscb-ok { border-color: #1a7f37; background: #dafbe1; }
.osscb .osscb-fail { border-color: #cf222e; background: #ffebe9; }
.osscb .osscb-warn { border-color: #9a6700; background: #fff8c5; }
.osscb .osscb-info { border-color: #0969da; background: #ddf4ff; }
.osscb .osscb-muted { color: #6e7781; }
/* the timeline's arrow labels sit on the notebook background: follow the theme's text colour */
.osscb svg text[fill="#24292f"] { fill: var(--jp-content-font-color1, #24292f); }
/* the selected history row keeps its light highlight in every theme: dark text on it */
.osscb tr.osscb-row[style*="#ddf4ff"] td { color: #1f2328; }
.osscb-field-label { text-align: right; padding-right: 8px; color: var(--jp-widgets-label-color, #000); }
/* ipywidgets gives every tab the same fixed width; let titles such as "Presigned URL" fit */
.osscb-builder .lm-TabBar-tab, .osscb-receiver-panel .lm-TabBar-tab { min-width: 0 !important; max-width: none !important;
  flex: 0 0 auto !important; padding: 0 12px !important; }
.osscb-builder .osscb-var button, .osscb-builder button.osscb-var { font-family: var(--jp-code-font-family, monospace); font-size: 11px; }
</style>"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def badge(text: str, color: str) -> str:
    return f'<span class="osscb-badge" style="background:{color}">{esc(text)}</span>'


def code(text: str) -> str:
    return f'<pre class="osscb-code">{esc(text)}</pre>'


def box(html: str, kind: str) -> str:
    """A coloured callout; ``kind`` is ok, fail, warn or info."""
    return f'<div class="osscb-box osscb-{kind}">{html}</div>'


def kv_table(rows: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    items = rows.items() if isinstance(rows, Mapping) else rows
    body = "".join(f'<tr><td class="k">{esc(k)}</td><td><code>{esc(v)}</code></td></tr>' for k, v in items)
    return f'<table class="osscb-table">{body}</table>'


def wrap(html: str) -> str:
    """Wrap a fragment in the scoped stylesheet. The ignore classes stop JupyterLab's MathJax from
    typesetting ``${bucket}&object=${object}`` as LaTeX in HTML outputs."""
    return f'{STYLE}<div class="osscb tex2jax_ignore mathjax_ignore">{html}</div>'
