"""`osscb lab --backend oss` exports OSSCB_BACKEND; a kernel under it defaults to real OSS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

CELL = """%load_ext osscb_notebook
shown = %config Osscb.backend
print("config:", repr(shown))
from osscb_notebook.magics import get_session
print("target kind:", get_session().target().kind)
"""


def run_ipython(env_backend: str | None) -> subprocess.CompletedProcess[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # never contacted: building a target sends nothing
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSCB_"))}
    env.update(OSS_ENDPOINT=f"http://127.0.0.1:{port}", OSS_ACCESS_KEY_ID="id", OSS_ACCESS_KEY_SECRET="secret",
               OSS_BUCKET="demo")
    if env_backend is not None:
        env["OSSCB_BACKEND"] = env_backend
    return subprocess.run([sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "-c", CELL],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(("env_backend", "expected"), [("oss", "oss"), ("OSS", "oss"), (None, "emulator")])
def test_the_kernel_default_backend_comes_from_osscb_backend(env_backend: str | None, expected: str) -> None:
    r = run_ipython(env_backend)
    assert f"config: '{expected}'" in r.stdout, r.stdout + r.stderr  # %config Osscb.backend
    if expected == "oss":
        assert "target kind: oss" in r.stdout, r.stdout + r.stderr


def test_an_unknown_osscb_backend_warns_and_keeps_the_emulator() -> None:
    r = run_ipython("s3")
    assert "config: 'emulator'" in r.stdout, r.stdout + r.stderr
    assert "OSSCB_BACKEND='s3' is not a backend" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_lab_help_documents_the_variable() -> None:
    r = subprocess.run([sys.executable, "-m", "osscb_notebook", "lab", "--help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and "OSSCB_BACKEND" in r.stdout
