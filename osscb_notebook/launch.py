"""``osscb lab``: JupyterLab on the teaching notebooks, with the local emulator as the default backend."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
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
    p.add_argument("--port", type=arg(check_port), default=8888,
                   help="JupyterLab port (default 8888; the next free one if taken, as Jupyter does)")
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
    runtime = _runtime_dirs(extra)
    if os.name == "posix":
        # Become JupyterLab rather than wait on it as a child: a SIGTERM from a supervisor (or a
        # test) then stops the server itself instead of orphaning it on the port. A detached
        # helper prints the login URL once the server has written it.
        _announce_detached(os.getpid(), runtime)
        os.execve(sys.executable, cmd + extra, env)
    try:
        child = subprocess.Popen(cmd + extra, env=env)
        threading.Thread(target=announce, args=(child.pid, runtime), daemon=True).start()
        return child.wait()
    except KeyboardInterrupt:
        return 0


def _runtime_dirs(extra: list[str]) -> list[Path]:
    """Where the server may write ``jpserver-<pid>.json``: ``--ServerApp.runtime_dir`` if given
    (``jupyter lab`` does not always honour it), and Jupyter's own (``JUPYTER_RUNTIME_DIR``...)."""
    from jupyter_core.paths import jupyter_runtime_dir

    found = []
    for i, item in enumerate(extra):
        for name in ("--ServerApp.runtime_dir", "--runtime-dir"):
            if item.startswith(name + "="):
                found.append(Path(item.split("=", 1)[1]).expanduser())
            elif item == name and i + 1 < len(extra):
                found.append(Path(extra[i + 1]).expanduser())
    return [*found, Path(jupyter_runtime_dir())]


def login_line(info: dict[str, object]) -> str:
    """The one line ``osscb lab`` prints: the URL to open (with the server's token, as Jupyter's
    own startup lines show it) and the SSH tunnel for a server without a browser."""
    url = str(info.get("url") or "").rstrip("/") + "/lab"
    token = str(info.get("token") or "")
    port = info.get("port")
    return (f"osscb lab: open {url}{'?token=' + token if token else ''} in a browser; on a remote machine, run "
            f"`ssh -L {port}:127.0.0.1:{port} HOST` on your computer first, then open that URL there.")


def announce(pid: int, runtime: list[Path], timeout: float = 300.0) -> bool:
    """Wait for the server ``pid`` to write its ``jpserver-<pid>.json`` in one of the ``runtime``
    folders, then print :func:`login_line`; False if the server stopped or never wrote it in
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    started = time.time() - 2  # a file left by an earlier server with the same pid is older
    while time.monotonic() < deadline:
        for folder in runtime:
            path = folder / f"jpserver-{pid}.json"
            try:
                if path.stat().st_mtime < started:
                    continue
                info = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(info, dict) and info.get("url"):
                print(login_line(info), flush=True)
                return True
        if not _running(pid):
            return False
        time.sleep(0.2)
    return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an exited server not yet reaped by whoever started it is a zombie ("Z")
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _announce_detached(pid: int, runtime: list[Path]) -> None:
    """Run :func:`announce` in a grandchild (double fork: the server, which this process becomes,
    never has to reap it)."""
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    try:
        if os.fork() == 0:
            try:
                announce(pid, runtime)
            finally:
                os._exit(0)
    finally:
        os._exit(0)


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
