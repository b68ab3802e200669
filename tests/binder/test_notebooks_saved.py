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


def _sanitise(text: str) -> str:
    """Apply notebooks/sanitize.cfg exactly as nbval does (re.sub of each pair, in file order)."""
    pairs = re.findall(r"^regex: (.*)$\n^replace: (.*)$", (NOTEBOOKS / "sanitize.cfg").read_text(), flags=re.MULTILINE)
    for regex, replace in pairs:
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize(
    ("notebook", "teaching_output"),
    [
        # golden vector G1: OSS's signature, the string to sign, its MD5, the verdict
        ("05-verify-signature.ipynb", "kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA=="),
        ("05-verify-signature.ipynb", "/index.php?id=1&index=2\\nbucket=yonghu-test"),
        ("05-verify-signature.ipynb", "5b74fc97cc385b45c6c8b7782d5a2140"),
        ("05-verify-signature.ipynb", "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs"),
        ("05-verify-signature.ipynb", "Signature verified: this callback was signed by the holder of the key."),
        # Base64 parameters, rendered bodies and OSS's own error messages
        ("02-callback-parameters.ipynb", "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9vc3MtZGVtby5hbGl5dW5jcy5jb206MjM0NTAi"),
        ("02-callback-parameters.ipynb", "object=photos%2F2024%20trip%2Fcat%3A1.jpg"),
        ("02-callback-parameters.ipynb", "The callback var is not expecten json."),
        ("06-troubleshooting-lab.ipynb", "Error Status : 400.User server missing content-length."),
        ("06-troubleshooting-lab.ipynb", "EC 0007-00000202"),
        ("01-quickstart.ipynb", "bucket=demo&object=photos%2Fhello.txt&size=22&mimeType=text%2Fplain&uid=42"),
    ],
)
def test_sanitiser_keeps_teaching_outputs_checked(notebook: str, teaching_output: str) -> None:
    """The sanitiser masks what changes between runs, never what the notebooks teach."""
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    outputs = "\n".join(
        out.get("text", "") or out.get("data", {}).get("text/plain", "")
        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert teaching_output in outputs, f"{notebook} no longer shows {teaching_output!r}"
    assert teaching_output in _sanitise(outputs), f"sanitize.cfg masks a teaching output: {teaching_output!r}"


def test_sanitiser_masks_what_changes_between_runs() -> None:
    volatile = (
        "http://127.0.0.1:40191/ x-oss-request-id: 5C3D9175B6FC201293AD4890 Date: Wed, 25 Nov 2026 13:46:51 GMT "
        "cost:5006ms 97.0 ms ?token=0123456789abcdef0123456789abcdef"
    )
    clean = _sanitise(volatile)
    for gone in ("40191", "5C3D9175B6FC201293AD4890", "13:46:51", "5006", "97.0", "0123456789abcdef"):
        assert gone not in clean, (gone, clean)
