"""``osscb lab``: JupyterLab on the teaching notebooks, with the local emulator as the default backend."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .cli import command
from .errors import OsscbError


def find_notebooks(start: Path | None = None) -> Path:
    """The ``notebooks/`` folder of a source checkout (this package's parent, or the cwd)."""
    for base in (start, Path.cwd(), Path(__file__).resolve().parent.parent):
        if base is not None and (base / "notebooks").is_dir():
            return base / "notebooks"
    raise OsscbError("No notebooks/ folder found.", hint="Run from the repository root or pass --notebook-dir.")


def _lab_args(p: argparse.ArgumentParser) -> None:
    p.description = "Open JupyterLab on the osscb notebooks (emulator backend, loopback only)."
    p.add_argument("--notebook-dir", type=Path, default=None, help="folder to open (default: notebooks/)")
    p.add_argument("--port", type=int, default=8888, help="JupyterLab port (default 8888)")
    p.add_argument("--ip", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--backend", choices=("emulator", "oss"), default="emulator",
                   help="default upload backend the notebooks and magics use (default: emulator)")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="further arguments for jupyter lab")


@command("lab", _lab_args)
def _lab(args: argparse.Namespace) -> int:
    folder = args.notebook_dir or find_notebooks()
    env = dict(os.environ, OSSCB_BACKEND=args.backend)
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={folder}", f"--ServerApp.ip={args.ip}",
           f"--ServerApp.port={args.port}", "--ServerApp.default_url=/lab/tree/01-quickstart.ipynb"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    print(f"osscb lab: JupyterLab on {folder} (backend: {args.backend}); Ctrl-C to stop.", flush=True)
    try:
        return subprocess.call(cmd + list(args.extra), env=env)
    except KeyboardInterrupt:
        return 0
