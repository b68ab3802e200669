"""Who listens on a loopback port: the listening socket's inode and owner, read from ``/proc``.

The scoped endpoint binds a registration to one listening socket (its inode, its owner's pid),
so a port freed by a dead receiver and bound again by someone else is not the receiver any more.
Linux only: elsewhere :func:`available` is False and the callers fall back to the pid check.
Pure standard library (kernels import it without Jupyter).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

_TABLES = (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6))
_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    host: str
    port: int
    uid: int
    inode: int


def available() -> bool:
    return os.path.exists(_TABLES[0][0])


def _address(hex_addr: str, family: int) -> str:
    raw = bytes.fromhex(hex_addr)
    # /proc prints each 32-bit word in host byte order
    words = b"".join(struct.pack("=I", int.from_bytes(raw[i:i + 4], "big")) for i in range(0, len(raw), 4))
    return socket.inet_ntop(family, words)


def listening() -> list[Listener]:
    """Every listening TCP socket of this network namespace (empty where ``/proc`` has none)."""
    out: list[Listener] = []
    for path, family in _TABLES:
        try:
            lines = Path(path).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            addr, _, port = fields[1].partition(":")
            out.append(Listener(_address(addr, family), int(port, 16), int(fields[7]), int(fields[9])))
    return out


def listener_for(host: str, port: int) -> Listener | None:
    """The socket a connection to ``host:port`` reaches: bound to that address, else a wildcard."""
    ip = ipaddress.ip_address(host)
    exact: list[str] = [str(ip)]
    wild = ["::"] if ip.version == 6 else ["0.0.0.0", "::"]  # noqa: S104 - matching, not binding
    if ip.version == 4:
        exact.append(f"::ffff:{ip}")
    found = [s for s in listening() if s.port == port]
    for candidates in (exact, wild):
        for sock in found:
            if sock.host in candidates:
                return sock
    return None


def owner_pid(inode: int, hint: int | None = None) -> int | None:
    """The pid of a process of this user holding socket ``inode`` (``hint`` is tried first)."""
    wanted = f"socket:[{inode}]"
    pids = [hint] if hint else []
    try:
        pids += [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != hint]
    except OSError:
        return None
    for pid in pids:
        if holds(pid, wanted):
            return pid
    return None


def holds(pid: int, socket_link: str) -> bool:
    fd_dir = f"/proc/{pid}/fd"
    try:
        if os.stat(f"/proc/{pid}").st_uid != os.getuid():
            return False
        names = os.listdir(fd_dir)
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(f"{fd_dir}/{name}") == socket_link:
                return True
        except OSError:
            continue
    return False
