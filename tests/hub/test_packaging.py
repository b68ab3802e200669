"""``pip install osscb-notebook`` enables the server extension: the wheel carries the config file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "etc/jupyter/jupyter_server_config.d/osscb_notebook.serverext.json"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_wheel_installs_the_config_that_enables_the_extension(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=280)
    (wheel,) = tmp_path.glob("osscb_notebook-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".data/data/" + CONFIG)]
        config = json.loads(zf.read(name))
        assert "osscb_notebook/serverext/handler.py" in zf.namelist()
        # every exported receiver and framework hookup ships (the Python one as .py.txt: not a module of the package)
        exports = ROOT / "osscb_notebook" / "exports"
        shipped = sorted(p.relative_to(ROOT).as_posix() for p in exports.rglob("*")
                         if p.is_file() and "__pycache__" not in p.parts)
        assert shipped and set(shipped) <= set(zf.namelist())
        assert "osscb_notebook/exports/python/oss_callback_receiver.py.txt" in shipped
    assert config == {"ServerApp": {"jpserver_extensions": {"osscb_notebook.serverext": True}}}
    assert json.loads((ROOT / "jupyter-config/jupyter_server_config.d/osscb_notebook.serverext.json").read_text()) == config


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_wheel_built_with_build_installs_the_enablement_into_a_fresh_venv(tmp_path):
    """``python -m build`` then ``pip install --no-deps`` into a new venv: the config file lands in
    that venv's ``etc/jupyter`` (an editable install does not do this; the README says so)."""
    pytest.importorskip("build")
    # a copy of what the wheel is made of, so the build writes its build/ and egg-info there, not in the repo
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("osscb_notebook", "jupyter-config"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    # cwd outside the repo: `python -m build` would otherwise import a build/ folder left there
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(src)],
                   check=True, capture_output=True, timeout=240, cwd=tmp_path)
    (wheel,) = dist.glob("osscb_notebook-*.whl")
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=120)
    installed = env / CONFIG
    assert installed.is_file(), [str(p.relative_to(env)) for p in env.rglob("etc/**/*")]
    assert json.loads(installed.read_text()) == {"ServerApp": {"jpserver_extensions": {"osscb_notebook.serverext": True}}}
