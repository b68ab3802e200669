"""The saved teaching notebooks are what Binder users open first and what nbval compares against:
they must be executed, error-free, free of secrets, and in step with their sources in notebooks/src."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SAVED = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
SECRET_PATTERNS = [
    re.compile(r"LTAI[0-9A-Za-z]{8,}"),
    re.compile(r"token=[0-9a-f]{16,}"),
    re.compile(r"-----BEGIN (RSA |EC )?PRIVATE KEY-----"),
]


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("osscb_notebooks_build", NOTEBOOKS / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_numbered_notebooks_and_a_sanitiser() -> None:
    assert SAVED, "no notebooks/NN-*.ipynb"
    assert [p.name[:2] for p in SAVED] == sorted({p.name[:2] for p in SAVED}), "duplicate numbers"
    text = (NOTEBOOKS / "sanitize.cfg").read_text()
    assert re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE), "no regex/replace pairs"


@pytest.mark.parametrize("path", SAVED, ids=[p.name for p in SAVED])
def test_saved_notebook_is_executed_clean_and_secret_free(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.execution_count is not None, f"{path.name} {cell.get('id')}: not executed (run notebooks/build.py)"
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name} {cell.get('id')}: saved with an error"
    text = path.read_text(encoding="utf-8")
    for pattern in SECRET_PATTERNS:
        assert not pattern.search(text), f"{path.name} holds something secret-looking: {pattern.pattern}"


@pytest.mark.parametrize("path", SAVED, ids=[p.name for p in SAVED])
def test_saved_notebook_matches_its_source(path: Path) -> None:
    source = NOTEBOOKS / "src" / (path.stem + ".py")
    assert source.exists(), f"{path.name} has no source {source.relative_to(ROOT)}"
    build = _build_module()
    expected = [(c.cell_type, c.source) for c in build.parse_source(source.read_text(encoding="utf-8"))]
    saved = [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]
    assert saved == expected, f"{path.name} differs from its source: run .venv/bin/python notebooks/build.py {path.name[:2]}"
