"""Time to run every notebook under nbval, and ``%load_ext osscb_notebook`` in a fresh process."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .harness import ROOT, Context, Result, median, run_module

NBVAL_TARGET_S = 90.0
LOAD_EXT_TARGET_S = 0.5

_EMPTY_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {}, "outputs": [],
               "source": "1 + 1"}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def _pytest_nbval(target: Path, sanitize: Path | None) -> tuple[float, str]:
    args = ["-m", "pytest", "--nbval", str(target), "-p", "no:cacheprovider", "-q", "--timeout=600",
            "-o", "addopts=", "--rootdir", str(ROOT)]
    if sanitize is not None:
        args += ["--nbval-sanitize-with", str(sanitize)]
    t0 = time.perf_counter()
    proc = run_module(args, timeout=900)
    took = time.perf_counter() - t0
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    if proc.returncode not in (0, 5):
        tail = f"exit {proc.returncode}: {tail}"
    return took, tail


def nbval(ctx: Context) -> list[Result]:
    notebooks = ROOT / "notebooks"
    count = len(list(notebooks.glob("*.ipynb")))
    empty = ctx.scratch / "nbval-baseline" / "empty.ipynb"
    empty.parent.mkdir(exist_ok=True)
    empty.write_text(json.dumps(_EMPTY_NOTEBOOK))
    base, _ = _pytest_nbval(empty.parent, None)
    ours, tail = _pytest_nbval(notebooks, notebooks / "sanitize.cfg")
    return [Result(
        f"nbval, all {count} notebooks", ours, base, "s", "nbval on one 1-cell notebook (pytest + kernel start)",
        f"< {NBVAL_TARGET_S:.0f} s", ours < NBVAL_TARGET_S and "failed" not in tail and "exit" not in tail, tail)]


_LOAD_EXT = """
import time
t0 = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
t1 = time.perf_counter()
{extra}
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _fresh(extra: str) -> tuple[float, float]:
    proc = run_module(["-c", _LOAD_EXT.format(extra=extra)], timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    shell_s, ext_s = (float(x) for x in proc.stdout.split()[-2:])
    return shell_s, ext_s


def load_ext(ctx: Context) -> list[Result]:
    runs = 3 if ctx.quick else 7
    ext = [_fresh("shell.run_line_magic('load_ext', 'osscb_notebook')") for _ in range(runs)]
    base = [_fresh("import json") for _ in range(runs)]
    ours = median([e for _, e in ext])
    shell = median([s for s, _ in base])
    return [Result(
        "%load_ext osscb_notebook (fresh process)", ours, shell, "s",
        "creating the InteractiveShell itself in the same process", f"< {LOAD_EXT_TARGET_S} s",
        ours < LOAD_EXT_TARGET_S, f"median of {runs} fresh `python -c` runs; shell start {shell:.3f} s")]
