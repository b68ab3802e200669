"""Build the teaching notebooks from their sources and execute them, so that the saved outputs are
the references nbval compares against.

    .venv/bin/python notebooks/build.py            # every notebook
    .venv/bin/python notebooks/build.py 02 05      # only those numbers
    .venv/bin/python notebooks/build.py --no-execute 03

Sources are ``notebooks/src/NN-name.py`` in the "percent" format (``# %%`` starts a code cell,
``# %% [markdown]`` a markdown cell whose lines start with ``# ``). Edit the source, not the
``.ipynb``, then rebuild. Cell ids are stable (``cell-NN``) and no timing metadata is saved, so a
rebuild only changes what really changed. The build refuses to save a notebook whose outputs hold
something secret-looking (an ``LTAI`` AccessKey id, a ``token=`` hex string).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
CELL_MARK = re.compile(r"^# %%(?P<md> \[markdown\])?\s*$")
SECRETS = [
    re.compile(r"LTAI[0-9A-Za-z]{8,}"),
    re.compile(r"token=[0-9a-f]{16,}"),
    re.compile(r"(?i)access_?key_?secret\s*[=:]\s*['\"]?[0-9A-Za-z]{16,}"),
]


def parse_source(text: str) -> list[nbformat.NotebookNode]:
    cells: list[nbformat.NotebookNode] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if kind is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)
            cells.append(nbformat.v4.new_markdown_cell(body))
        else:
            cells.append(nbformat.v4.new_code_cell("\n".join(lines)))

    for line in text.splitlines():
        match = CELL_MARK.match(line)
        if match:
            flush()
            kind, lines = ("markdown" if match.group("md") else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    for i, cell in enumerate(cells, 1):
        cell["id"] = f"cell-{i:02d}"
    return cells


def new_notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def scrub(nb: nbformat.NotebookNode) -> None:
    """Drop volatile metadata; keep outputs. Fail on anything that looks like a secret."""
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        text = nbformat.writes(nbformat.from_dict({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        for pattern in SECRETS:
            if pattern.search(text):
                raise SystemExit(f"refusing to save: cell {cell['id']} matches {pattern.pattern!r}")


def build(source: Path, execute: bool) -> Path:
    target = HERE / (source.stem + ".ipynb")
    nb = new_notebook(parse_source(source.read_text(encoding="utf-8")))
    if execute:
        started = time.monotonic()
        client = NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}},
            record_timing=False, allow_errors=False,
        )
        client.execute()
        print(f"{target.name}: executed in {time.monotonic() - started:.1f} s")
    scrub(nb)
    nbformat.validate(nb)
    target.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="notebook numbers to build (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write the notebook without outputs")
    args = parser.parse_args(argv)
    sources = sorted(SRC.glob("[0-9][0-9]-*.py"))
    if args.numbers:
        sources = [s for s in sources if s.name[:2] in {n.zfill(2) for n in args.numbers}]
    if not sources:
        print("no matching sources", file=sys.stderr)
        return 2
    for source in sources:
        print(build(source, execute=not args.no_execute).relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
