"""``pip install osscb-notebook`` enables the server extension: the wheel carries the config file."""

from __future__ import annotations

import json
import subprocess
import sys
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
        # every exported receiver's template ships (the Python one as .py.txt: not a module of the package)
        templates = ROOT / "osscb_notebook" / "receiver" / "templates"
        shipped = sorted(f"osscb_notebook/receiver/templates/{p.name}" for p in templates.iterdir() if p.is_file())
        assert shipped and set(shipped) <= set(zf.namelist())
        assert "osscb_notebook/receiver/templates/oss_callback_receiver.py.txt" in shipped
    assert config == {"ServerApp": {"jpserver_extensions": {"osscb_notebook.serverext": True}}}
    assert json.loads((ROOT / "jupyter-config/jupyter_server_config.d/osscb_notebook.serverext.json").read_text()) == config
