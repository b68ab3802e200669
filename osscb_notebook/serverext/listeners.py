"""Who listens on a loopback port: the listening socket's inode and owner, read from ``/proc``.

The listening sockets come from the kernel's sock_diag netlink interface, which lists only
listeners (``/proc/net/tcp`` lists every socket, thousands on a busy host, and costs tens of
milliseconds per read); ``/proc/net/tcp`` is the fallback where netlink is not allowed.

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
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLMSG_ERROR, _NLMSG_DONE = 2, 3
_TCP_LISTEN = 10
_NLMSG = struct.Struct("=IHHII")
_DIAG_MSG = struct.Struct("=BBBB2H16s16sI8sIIIII")  # inet_diag_msg


class ListenersUnavailable(OSError):
    """Neither sock_diag netlink nor ``/proc/net/tcp*`` could be read (EMFILE, a sandbox...): who
    listens is unknown, which is not the same as "nobody listens"."""


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


def _diag_listeners(family: int) -> list[Listener]:
    """Listening TCP sockets of ``family`` over sock_diag netlink (OSError if not allowed)."""
    req = struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 0, 0, 1 << _TCP_LISTEN) + bytes(48)
    flags = 0x1 | 0x300  # NLM_F_REQUEST | NLM_F_DUMP
    out: list[Listener] = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as nl:
        nl.settimeout(2)
        nl.send(_NLMSG.pack(_NLMSG.size + len(req), _SOCK_DIAG_BY_FAMILY, flags, 1, 0) + req)
        while True:
            data = nl.recv(65536)
            offset = 0
            while offset + _NLMSG.size <= len(data):
                length, kind, _, _, _ = _NLMSG.unpack_from(data, offset)
                if kind == _NLMSG_DONE:
                    return out
                if kind == _NLMSG_ERROR or length < _NLMSG.size:
                    raise OSError("sock_diag refused the request")
                if kind == _SOCK_DIAG_BY_FAMILY and length >= _NLMSG.size + _DIAG_MSG.size:
                    fields = _DIAG_MSG.unpack_from(data, offset + _NLMSG.size)
                    fam, sport, src = fields[0], fields[4], fields[6]
                    raw = src[:4] if fam == socket.AF_INET else src
                    out.append(Listener(socket.inet_ntop(fam, raw), socket.ntohs(sport), fields[13], fields[14]))
                offset += (length + 3) & ~3


def listening(port: int | None = None) -> list[Listener]:
    """The listening TCP sockets of this network namespace (on ``port``, if given);
    :class:`ListenersUnavailable` when they cannot be listed at all."""
    if hasattr(socket, "AF_NETLINK"):
        try:
            found = _diag_listeners(socket.AF_INET) + _diag_listeners(socket.AF_INET6)
        except OSError:
            pass
        else:
            return [s for s in found if port is None or s.port == port]
    return _proc_listening(port)


def _proc_listening(port: int | None = None) -> list[Listener]:
    """The listening TCP sockets of this network namespace (on ``port``, if given); empty where
    ``/proc`` has none. A busy machine lists thousands of sockets (TIME_WAIT): with a port, only
    the lines of that port's listeners are parsed. :class:`ListenersUnavailable` when no table
    could be read (a missing ``tcp6``, IPv6 being off, is not a failure)."""
    out: list[Listener] = []
    read = 0
    failure: OSError | None = None
    for path, family in _TABLES:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            failure = exc
            continue
        read += 1
        if port is None:
            lines = data.splitlines()[1:]
        else:
            # a listener's line has the local port then an all-zero remote address and state 0A
            remote = b"0" * (8 if family == socket.AF_INET else 32) + b":0000 " + _LISTEN.encode()
            needle = b":%04X %s " % (port, remote)
            lines = []
            start = data.find(needle)
            while start >= 0:
                lines.append(data[data.rfind(b"\n", 0, start) + 1:data.find(b"\n", start)])
                start = data.find(needle, start + 1)
        for line in lines:
            fields = line.decode("ascii", "replace").split()
            if len(fields) < 10 or fields[3] != _LISTEN:
                continue
            addr, _, hex_port = fields[1].partition(":")
            out.append(Listener(_address(addr, family), int(hex_port, 16), int(fields[7]), int(fields[9])))
    if not read and failure is not None:
        raise ListenersUnavailable(failure.errno or 0, f"cannot list the listening sockets: {failure}")
    return out


def listener_for(host: str, port: int) -> Listener | None:
    """The socket a connection to ``host:port`` reaches: bound to that address, else a wildcard."""
    ip = ipaddress.ip_address(host)
    exact: list[str] = [str(ip)]
    wild = ["::"] if ip.version == 6 else ["0.0.0.0", "::"]  # noqa: S104 - matching, not binding
    if ip.version == 4:
        exact.append(f"::ffff:{ip}")
    found = [s for s in listening(port) if s.port == port]
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
