"""Adds the G vectors' paths to an exported hookup's route list, as a user adds a path: each
Spring, Laravel, Rails and Sinatra hookup keeps its list (``CALLBACK_PATHS``) on lines between a
marker comment and the first entry, ``HOOK_PATH`` and its sub-paths."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def add_after(file: Path, anchor: str, paths: Sequence[str], quote: str = '"') -> None:
    """Insert one line listing ``paths`` (quoted, comma-separated, indented like ``anchor``'s line)
    after the first line of ``file`` that contains ``anchor``."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if anchor in line:
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(i + 1, indent + "".join(f"{quote}{p}{quote}, " for p in paths).rstrip() + "\n")
            file.write_text("".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"{file}: no line holds {anchor!r} (the hookup's CALLBACK_PATHS list)")
