"""Binder, reproduced without Docker.

mybinder.org builds the repository with repo2docker: with a ``binder/`` folder present it reads only
that folder (the root ``pyproject.toml`` is ignored), picks Python from ``binder/runtime.txt``, copies
the repository in and runs ``pip install -r binder/requirements.txt`` from its root, then starts
JupyterLab at ``urlpath``. The slow test does the same in a fresh virtual environment: copy the
repository's files, install, import the package from outside the tree, ask JupyterLab and the server
extensions for their status, and execute the quickstart notebook with that environment's kernel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
QUICKSTART = "notebooks/01-quickstart.ipynb"


def test_binder_folder_is_all_repo2docker_needs() -> None:
    assert not (ROOT / ".binder").exists(), "binder/ and .binder/ together is a repo2docker error"
    for ignored in ("environment.yml", "Project.toml"):
        # either would make repo2docker ignore runtime.txt
        assert not (BINDER / ignored).exists(), ignored
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11"
    requirements = [
        line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    # a local reference: repo2docker then copies the repo in before pip runs, and installs the package
    assert any(r == "." or r.startswith(".[") for r in requirements), requirements
    assert "jupyter-proxy" in requirements[0], "the Jupyter-proxy tunnel is the one that works on Binder"
    assert (ROOT / QUICKSTART).exists(), "the Binder launch link opens this notebook"


def _repo_files() -> list[str]:
    """What a clone holds (tracked files plus new, not-ignored ones); the work tree's .venv stays out."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is needed to list the repository's files")
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def _run(args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_fresh_environment_installs_like_binder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name in _repo_files():
        dest = repo / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, timeout=120)
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)

    # repo2docker: pip install -r binder/requirements.txt, from the repository's root (pip cache reused)
    _run([str(bin_dir / "pip"), "install", "--quiet", "-r", "binder/requirements.txt"], cwd=repo, timeout=300, env=env)

    # the package is installed (not picked up from the source tree): import it from elsewhere
    where = _run(
        [str(bin_dir / "python"), "-c", "import osscb_notebook, sys; print(osscb_notebook.__file__); print(sys.version_info[:2])"],
        cwd=tmp_path, timeout=60, env=env,
    )
    assert str(venv) in where.splitlines()[0], where
    assert "(3, 11)" in where or sys.version_info[:2] != (3, 11)

    version = _run([str(bin_dir / "jupyter"), "lab", "--version"], cwd=repo, timeout=60, env=env).strip()
    assert int(version.split(".")[0]) >= 4, version

    extensions = _run([str(bin_dir / "jupyter"), "server", "extension", "list"], cwd=repo, timeout=60, env=env)
    for ext in ("jupyterlab", "jupyter_server_proxy"):
        line = next((ln for ln in extensions.splitlines() if ln.strip().startswith(ext + " ")), "")
        assert "enabled" in line, f"{ext} is not enabled:\n{extensions}"
        assert f"{ext} " in extensions and "OK" in extensions

    # what the launch link opens: the quickstart runs top to bottom with no credentials in that environment
    out = tmp_path / "quickstart-run.ipynb"
    env_no_creds = {k: v for k, v in env.items() if not k.startswith(("OSS_", "ALIBABA_CLOUD_", "NGROK_"))}
    _run(
        [str(bin_dir / "jupyter"), "nbconvert", "--to", "notebook", "--execute", QUICKSTART,
         "--ExecutePreprocessor.timeout=120", "--output", str(out)],
        cwd=repo, timeout=240, env=env_no_creds,
    )
    assert out.exists()
