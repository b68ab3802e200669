"""Moved to :mod:`osscb_notebook.display.snippets`; kept so existing imports work."""

from ..display.snippets import (
    SNIPPET_KINDS,
    all_snippets,
    form_snippet,
    header_snippet,
    oss2_snippet,
    query_snippet,
    sdk_v2_snippet,
)

__all__ = ["SNIPPET_KINDS", "all_snippets", "form_snippet", "header_snippet", "oss2_snippet", "query_snippet",
           "sdk_v2_snippet"]
