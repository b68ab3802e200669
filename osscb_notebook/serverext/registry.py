"""Which receivers a Jupyter server may forward callbacks to: files in its runtime directory.

The server extension writes ``osscb-serverext-<server pid>.json`` (where it runs, its registry
directory) and keeps one registry directory, mode 0700, per server process. A kernel registers a
receiver by writing ``<sha256(capability)>.json`` (mode 0600: loopback port, kernel pid, body cap)
there; only the user who owns the runtime directory can. The capability itself is never written
down: the server hashes what a request presents and looks for that file. Deleting the file revokes.
Pure standard library, so kernels import it without Jupyter.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

MARKER_PREFIX = "osscb-serverext-"
REGISTRY_PREFIX = "osscb-callbacks-"
CAPABILITY_BYTES = 24  # 192 bits; the issue asks for at least 128
_CAPABILITY = re.compile(r"[A-Za-z0-9_-]{22,86}")


@dataclass(frozen=True)
class ServerInfo:
    """What a running server with the extension wrote about itself."""

    pid: int
    base_url: str
    registry: Path


@dataclass(frozen=True)
class Registration:
    port: int
    kernel_pid: int
    max_body: int


def new_capability() -> str:
    return secrets.token_urlsafe(CAPABILITY_BYTES)


def looks_like_capability(text: str) -> bool:
    return bool(_CAPABILITY.fullmatch(text))


def _digest(capability: str) -> str:
    return hashlib.sha256(capability.encode("ascii")).hexdigest()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: never ours to forward for
    return True


def _private_file(path: Path) -> bool:
    """A regular file (not a link), owned by us, that nobody else can read or write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def _write_private(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out)
    os.replace(tmp, path)


# -- the server side ------------------------------------------------------------------------------
def publish_server(runtime_dir: str | Path, base_url: str, pid: int | None = None) -> ServerInfo:
    """Create this server's registry (empty) and marker; forget registries of servers now gone."""
    runtime = Path(runtime_dir)
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    pid = os.getpid() if pid is None else pid
    for old in runtime.glob(REGISTRY_PREFIX + "*"):
        old_pid = old.name[len(REGISTRY_PREFIX):]
        if old_pid.isdigit() and (int(old_pid) == pid or not pid_alive(int(old_pid))):
            shutil.rmtree(old, ignore_errors=True)
            with contextlib.suppress(OSError):
                (runtime / f"{MARKER_PREFIX}{old_pid}.json").unlink()
    registry = runtime / f"{REGISTRY_PREFIX}{pid}"
    registry.mkdir(mode=0o700)
    os.chmod(registry, 0o700)
    info = ServerInfo(pid, base_url, registry)
    _write_private(runtime / f"{MARKER_PREFIX}{pid}.json",
                   {"pid": pid, "base_url": base_url, "registry": str(registry)})
    return info


def retract_server(info: ServerInfo) -> None:
    """Revoke every capability of this server (on shutdown)."""
    shutil.rmtree(info.registry, ignore_errors=True)
    with contextlib.suppress(OSError):
        (info.registry.parent / f"{MARKER_PREFIX}{info.pid}.json").unlink()


def lookup(registry: Path, capability: str) -> Registration | None:
    """The receiver ``capability`` grants, or None (unknown, revoked, tampered, or its kernel gone)."""
    if not looks_like_capability(capability):
        return None
    path = registry / f"{_digest(capability)}.json"
    if not _private_file(path):
        return None
    try:
        data = json.loads(path.read_text())
        reg = Registration(int(data["port"]), int(data["kernel_pid"]), int(data["max_body"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not 0 < reg.port < 65536 or reg.max_body < 0:
        return None
    if not pid_alive(reg.kernel_pid):
        with contextlib.suppress(OSError):
            path.unlink()  # the kernel died without stopping its receiver
        return None
    return reg


# -- the kernel side ------------------------------------------------------------------------------
def find_server(runtime_dir: str | Path, server_pid: int) -> ServerInfo | None:
    """The extension's marker for the server with ``server_pid``, if that server runs it."""
    marker = Path(runtime_dir) / f"{MARKER_PREFIX}{server_pid}.json"
    if not server_pid or not _private_file(marker) or not pid_alive(server_pid):
        return None
    try:
        data = json.loads(marker.read_text())
        info = ServerInfo(int(data["pid"]), str(data["base_url"]), Path(data["registry"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if info.pid == server_pid and info.registry.is_dir() else None


def register(info: ServerInfo, port: int, max_body: int, capability: str | None = None,
             kernel_pid: int | None = None) -> tuple[str, Path]:
    """Let ``info``'s server forward to ``127.0.0.1:port``; returns the capability and the file
    whose removal revokes it."""
    capability = capability or new_capability()
    path = info.registry / f"{_digest(capability)}.json"
    _write_private(path, {"port": int(port), "max_body": int(max_body),
                          "kernel_pid": os.getpid() if kernel_pid is None else kernel_pid})
    return capability, path


def revoke(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
