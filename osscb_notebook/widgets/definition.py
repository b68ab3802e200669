"""Moved: the model, parser and lint rules to :mod:`osscb_notebook.params.definition`, the
rendering to :mod:`osscb_notebook.display.definition`. Kept so existing imports work."""

from ..display.definition import Definition
from ..params.definition import (
    SAMPLE_CONTENT,
    CallbackDefinition,
    lint,
    parse_definition,
    sample_facts,
)

__all__ = ["SAMPLE_CONTENT", "CallbackDefinition", "Definition", "lint", "parse_definition", "sample_facts"]
