"""Which receivers a Jupyter server may forward callbacks to: files in its runtime directory.

The server extension writes ``osscb-serverext-<server pid>-<random>.json`` (where it runs, its
registry directory) and keeps one registry directory, mode 0700 and a random name, per server
process: in a runtime directory other users can write, they cannot squat either name. A kernel
registers a receiver by writing ``<sha256(capability)>.json`` (mode 0600) there; only the user who
owns the runtime directory can. The capability itself is never written down: the server hashes
what a request presents and looks for that file. Deleting the file revokes.

A registration is bound to the receiver itself, not to the kernel that registered it [I, our
design]: it records the loopback address the receiver listens on (``127.0.0.1`` or ``::1``), the
pid of the process that owns the listening socket (the receiver's child, or the kernel in thread
mode, or whichever process of ours listens there when the port was registered from elsewhere), the
socket's inode (Linux ``/proc``) and the receiver's instance id (what its ping answers). It is dead,
and deleted, once that pid is gone or that socket no longer listens there; the relay checks the
socket again after it connects, before it sends a byte, so a port freed by a dead receiver and
bound again by another user never receives a callback, the capability or a cookie. Where
``/proc`` is missing (not Linux) only the pid is checked.
Pure standard library, so kernels import it without Jupyter.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import listeners

MARKER_PREFIX = "osscb-serverext-"
REGISTRY_PREFIX = "osscb-callbacks-"
CAPABILITY_BYTES = 24  # 192 bits; the issue asks for at least 128
_CAPABILITY = re.compile(r"[A-Za-z0-9_-]{22,86}")


class RegistryUnavailable(OSError):
    """Whether a registered receiver still listens cannot be told right now (the listening sockets
    could not be listed): refuse the request, keep the registration."""


@dataclass(frozen=True)
class ServerInfo:
    """What a running server with the extension wrote about itself."""

    pid: int
    base_url: str
    registry: Path
    marker: Path | None = None


@dataclass(frozen=True)
class Registration:
    """One receiver a capability opens: ``host:port`` on loopback, owned by ``pid`` (socket
    ``inode``; 0 where ``/proc`` is missing), answering its ping with ``instance``."""

    port: int
    max_body: int
    host: str = "127.0.0.1"
    pid: int = 0
    inode: int = 0
    instance: str = ""
    kernel_pid: int = 0

    def listener_ok(self) -> bool:
        """The socket registered still listens there (always True without ``/proc``);
        :class:`RegistryUnavailable` when the listening sockets cannot be listed."""
        if not self.inode:
            return not listeners.available()
        try:
            sock = listeners.listener_for(self.host, self.port)
        except listeners.ListenersUnavailable as exc:
            raise RegistryUnavailable(exc.errno or 0, str(exc)) from None
        return sock is not None and sock.inode == self.inode and sock.uid == os.getuid()

    def alive(self) -> bool:
        return pid_alive(self.pid) and self.listener_ok()


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
def _ours(path: Path, *, directory: bool) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    kind = stat.S_ISDIR if directory else stat.S_ISREG
    return kind(st.st_mode) and st.st_uid == os.getuid()


def shared_runtime(runtime_dir: str | Path) -> bool:
    """True when users other than its owner can create files in ``runtime_dir``."""
    try:
        st = os.stat(runtime_dir)
    except OSError:
        return False
    return st.st_uid != os.getuid() or bool(st.st_mode & 0o022)


def _pid_of(name: str, prefix: str) -> int | None:
    head = name[len(prefix):].split("-", 1)[0].removesuffix(".json")
    return int(head) if head.isdigit() else None


def publish_server(runtime_dir: str | Path, base_url: str, pid: int | None = None) -> ServerInfo:
    """Create this server's registry (empty) and marker; forget registries of servers now gone.

    Both names carry a random part, so another user who can write the runtime directory cannot
    take them first; what is not ours there is left alone."""
    runtime = Path(runtime_dir)
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    pid = os.getpid() if pid is None else pid
    for prefix, directory in ((REGISTRY_PREFIX, True), (MARKER_PREFIX, False)):
        for old in runtime.glob(prefix + "*"):
            old_pid = _pid_of(old.name, prefix)
            if old_pid is None or not _ours(old, directory=directory):
                continue
            if old_pid == pid or not pid_alive(old_pid):
                if directory:
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        old.unlink()
    registry = Path(tempfile.mkdtemp(prefix=f"{REGISTRY_PREFIX}{pid}-", dir=runtime))  # 0700
    marker = runtime / f"{MARKER_PREFIX}{pid}-{secrets.token_hex(8)}.json"
    info = ServerInfo(pid, base_url, registry, marker)
    _write_private(marker, {"pid": pid, "base_url": base_url, "registry": str(registry)})
    return info


def retract_server(info: ServerInfo) -> None:
    """Revoke every capability of this server (on shutdown)."""
    shutil.rmtree(info.registry, ignore_errors=True)
    if info.marker is not None:
        with contextlib.suppress(OSError):
            info.marker.unlink()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lookup(registry: Path, capability: str) -> Registration | None:
    """The receiver ``capability`` grants, or None (unknown, revoked, tampered, or the receiver
    gone: its process exited or its socket no longer listens; such a file is deleted).
    :class:`RegistryUnavailable` (the file is kept) when the listening sockets cannot be listed."""
    if not looks_like_capability(capability):
        return None
    path = registry / f"{_digest(capability)}.json"
    if not _private_file(path):
        return None
    try:
        data = json.loads(path.read_text())
        reg = Registration(int(data["port"]), int(data["max_body"]), str(data["host"]), int(data["pid"]),
                           int(data["inode"]), str(data["instance"]), int(data.get("kernel_pid", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not 0 < reg.port < 65536 or reg.max_body < 0 or not _loopback(reg.host) or reg.pid <= 0:
        return None
    if not reg.alive():
        with contextlib.suppress(OSError):
            path.unlink()  # the receiver stopped or died without revoking
        return None
    return reg


# -- the kernel side ------------------------------------------------------------------------------
def find_server(runtime_dir: str | Path, server_pid: int) -> ServerInfo | None:
    """The extension's marker for the server with ``server_pid``, if that server runs it."""
    if not server_pid or not pid_alive(server_pid):
        return None
    found: list[tuple[float, ServerInfo]] = []
    for marker in Path(runtime_dir).glob(f"{MARKER_PREFIX}{server_pid}-*.json"):
        if not _private_file(marker):
            continue  # someone else's file in a shared runtime directory
        try:
            data = json.loads(marker.read_text())
            info = ServerInfo(int(data["pid"]), str(data["base_url"]), Path(data["registry"]), marker)
            mtime = marker.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if info.pid == server_pid and _ours(info.registry, directory=True):
            found.append((mtime, info))
    return max(found, key=lambda x: x[0])[1] if found else None


def register(info: ServerInfo, reg: Registration, capability: str | None = None) -> tuple[str, Path]:
    """Let ``info``'s server forward to the receiver ``reg``; returns the capability and the file
    whose removal revokes it."""
    if not _loopback(reg.host):
        raise ValueError(f"a receiver must listen on loopback, not {reg.host!r}")
    capability = capability or new_capability()
    path = info.registry / f"{_digest(capability)}.json"
    _write_private(path, {"port": int(reg.port), "max_body": int(reg.max_body), "host": reg.host,
                          "pid": int(reg.pid), "inode": int(reg.inode), "instance": reg.instance,
                          "kernel_pid": reg.kernel_pid or os.getpid()})
    return capability, path


def revoke(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def locate(port: int, host: str | None = None, pid: int | None = None) -> tuple[str, int, int]:
    """``(host, pid, inode)`` of the receiver listening on loopback ``port``: on ``host`` if given,
    else on 127.0.0.1 or ::1; ``pid`` (the receiver's own, when known) is checked first. Without
    ``/proc``: ``(host or 127.0.0.1, pid or this process, 0)``. :class:`LookupError` when no
    process of ours listens there."""
    if not listeners.available():
        return host or "127.0.0.1", pid or os.getpid(), 0
    for candidate in ([host] if host else ["127.0.0.1", "::1"]):
        sock = listeners.listener_for(candidate, port)
        if sock is None:
            continue
        owner = listeners.owner_pid(sock.inode, pid) if sock.uid == os.getuid() else None
        if owner is None:
            raise LookupError(f"{candidate} port {port} is held by another user's process, not a receiver of yours")
        return candidate, owner, sock.inode
    raise LookupError(f"nothing listens on {host or '127.0.0.1 or ::1'} port {port}")
