"""``osscb lab``: JupyterLab on the teaching notebooks, with the local emulator as the default backend."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ._cliargs import arg, check_port
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
    p.add_argument("--port", type=arg(check_port), default=8888, help="JupyterLab port (default 8888)")
    p.add_argument("--ip", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--backend", choices=("emulator", "oss"), default="emulator",
                   help="default upload backend the notebooks and magics use, passed to kernels as OSSCB_BACKEND "
                        "(default: emulator)")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="further arguments for jupyter lab")


@command("lab", _lab_args)
def _lab(args: argparse.Namespace) -> int:
    folder = args.notebook_dir or find_notebooks()
    if not folder.is_dir():
        raise OsscbError(f"--notebook-dir {folder} is not a folder.", hint="Name an existing folder of notebooks.")
    env = dict(os.environ, OSSCB_BACKEND=args.backend)
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={folder}", f"--ServerApp.ip={args.ip}",
           f"--ServerApp.port={args.port}", "--ServerApp.default_url=/lab/tree/01-quickstart.ipynb"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    print(f"osscb lab: JupyterLab on {folder} (backend: {args.backend}); Ctrl-C to stop.", flush=True)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    if os.name == "posix":
        # Become JupyterLab rather than wait on it as a child: a SIGTERM from a supervisor (or a
        # test) then stops the server itself instead of orphaning it on the port.
        os.execve(sys.executable, cmd + extra, env)
    try:
        return subprocess.call(cmd + extra, env=env)
    except KeyboardInterrupt:
        return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.description = ("Run one whole exchange in the terminal: emulator, receiver, an upload with a callback, "
                     "the verification trace and the client's answer. Exit 0 when the callback verified.")
    p.add_argument("--operation", choices=("PutObject", "PostObject", "Multipart", "Presigned"), default="PutObject")
    p.add_argument("--mode", choices=("thread", "process"), default="thread",
                   help="receiver isolation mode (default thread: this command runs nothing else)")


@command("demo", _demo_args)
def _demo(args: argparse.Namespace) -> int:
    from .emulator import Emulator
    from .receiver import start_receiver
    from .upload import UploadTarget, upload

    with Emulator() as emulator:
        receiver = start_receiver(mode=args.mode, trust_key_urls=[emulator.endpoint + "/"])
        try:
            print(f"emulator  {emulator.endpoint}  (key URL {emulator.public_key_url})")
            print(f"receiver  {receiver.url}  ({args.mode} mode)")
            outcome = upload(
                UploadTarget.for_emulator(emulator), "demo/hello world.txt", b"hello, callbacks\n",
                operation=args.operation,
                callback={"callbackUrl": receiver.url.rstrip("/") + "/callback",
                          "callbackBody": "bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}"},
                callback_vars={"x:uid": "42"},
            )
            record = receiver.last
            print()
            if record is not None:
                print(f"OSS -> application server: POST {record.path}")
                print(f"body: {record.body.decode('utf-8', 'replace')}")
                print()
                print(record.trace.render_text() if record.trace else "(no trace)")
                print()
            print(f"client <- OSS: {outcome}")
            return 0 if outcome.callback_ok and record is not None and record.verified else 1
        finally:
            receiver.stop()
