"""Build the teaching notebooks from their sources and execute them, so that the saved outputs are
the references nbval compares against.

    .venv/bin/python notebooks/build.py            # every notebook
    .venv/bin/python notebooks/build.py 02 05      # only those numbers
    .venv/bin/python notebooks/build.py --no-execute 03

Sources are ``notebooks/src/NN-name.py`` in jupytext's "percent" format (``# %%`` starts a code
cell, ``# %% [markdown]`` a markdown cell; cell tags as ``# %% tags=["..."]``); jupytext reads them,
and an author can open them as notebooks in JupyterLab. Edit the source, not the ``.ipynb``, then
rebuild. On top of jupytext the build adds: execution with ipywidgets' saved widget state (so static
views show the widgets), stable cell ids (``cell-NN``), no timing metadata (a rebuild only changes
what really changed), and a refusal to save a notebook whose outputs or widget state hold something
secret-looking (an ``LTAI`` AccessKey id, a ``token=`` hex string, a private key).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SECRETS = [
    re.compile(r"LTAI[0-9A-Za-z]{8,}"),
    re.compile(r"token=[0-9a-f]{16,}"),
    re.compile(r"(?i)access_?key_?secret\s*[=:]\s*['\"]?[0-9A-Za-z]{16,}"),
    re.compile(r"-----BEGIN (RSA |EC )?PRIVATE KEY-----"),
]


def parse_source(text: str) -> list[nbformat.NotebookNode]:
    """The cells of a percent-format source, with stable ids."""
    nb = jupytext.reads(text, fmt="py:percent")
    cells: list[nbformat.NotebookNode] = []
    for i, cell in enumerate(nb.cells, 1):
        cell["id"] = f"cell-{i:02d}"
        cells.append(cell)
    return cells


def new_notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _check(text: str, where: str) -> None:
    for pattern in SECRETS:
        if pattern.search(text):
            raise SystemExit(f"refusing to save: {where} matches {pattern.pattern!r}")


def scrub(nb: nbformat.NotebookNode) -> None:
    """Drop volatile metadata; keep outputs and widget state. Fail on anything that looks secret."""
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        _check(nbformat.writes(nbformat.from_dict({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})),
               f"cell {cell['id']}")
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if state is not None:
        _check(json.dumps(state), "the saved widget state")


def build(source: Path, execute: bool) -> Path:
    target = HERE / (source.stem + ".ipynb")
    nb = new_notebook(parse_source(source.read_text(encoding="utf-8")))
    if execute:
        started = time.monotonic()
        client = NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}},
            record_timing=False, allow_errors=False, store_widget_state=True,
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
