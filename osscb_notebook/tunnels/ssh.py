"""``ssh``: a reverse tunnel (``ssh -R``) to any SSH server you name; the server's port forwards to ours."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Sequence

from ..errors import TunnelUnavailableError
from .base import Tunnel
from .probe import ping_or_close

_ALLOCATED = re.compile(r"Allocated port (\d+) for remote forward")
_SUCCESS = re.compile(r"remote forward success for: listen (?:(\S+):)?(\d+)")
_DONE = "all expected forwarding replies received"
_FAILURES = ("remote port forwarding failed", "Permission denied", "Host key verification failed",
             "Could not resolve hostname", "Connection refused", "Connection timed out", "No route to host",
             "Network is unreachable", "Connection closed", "kex_exchange_identification")


class _SshProcess:
    """Runs ssh, reads its (verbose) stderr in a thread, and keeps the last lines for diagnostics."""

    def __init__(self, argv: list[str]) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        self.allocated: int | None = None
        self.listen: int | None = None
        self.ready = threading.Event()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self._reader = threading.Thread(target=self._read, name="osscb-ssh-stderr", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # keep draining so ssh never blocks on a full pipe
            line = line.rstrip()
            self.lines.append(line)
            if m := _ALLOCATED.search(line):
                self.allocated = int(m.group(1))
            elif m := _SUCCESS.search(line):
                self.listen = int(m.group(2))
            if _DONE in line:
                self.ready.set()
        self.ready.set()

    def failure(self) -> str:
        """ssh's own complaint (its non-debug lines), without the version banner."""
        said = [x for x in self.lines if not x.startswith(("debug", "OpenSSH_"))]
        return "\n".join(said[-6:]) or "\n".join(list(self.lines)[-6:])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(5)


def open_ssh(
    port: int,
    *,
    host: str,
    ssh_port: int = 22,
    user: str | None = None,
    identity_file: str | None = None,
    remote_port: int = 0,
    bind_address: str | None = None,
    public_host: str | None = None,
    public_url: str | None = None,
    known_hosts_file: str | None = None,
    strict_host_key_checking: str = "accept-new",
    connect_timeout: float = 10.0,
    check: bool = False,
    extra_args: Sequence[str] = (),
    ssh_binary: str = "ssh",
) -> Tunnel:
    """Open ``ssh -R [bind_address:]remote_port:127.0.0.1:port user@host``.

    ``host`` may be ``user@host`` or an alias from ``~/.ssh/config``. ``remote_port=0`` lets the server pick. The public URL is ``public_url`` if given (servers such as
    localhost.run print their own), else ``http://{public_host or host}:{remote port}/``. For the
    port to be reachable from outside the server needs ``GatewayPorts`` (clientspecified + bind
    address ``0.0.0.0``) or a front end. ``check=True`` pings the receiver through the public URL.
    Fails within about ``connect_timeout`` seconds when the server cannot be reached.
    """
    binary = shutil.which(ssh_binary)
    if binary is None:
        raise TunnelUnavailableError(f"The ssh client ({ssh_binary!r}) is not installed.", provider="ssh",
                                     hint="Install OpenSSH's client (apt-get install openssh-client).")
    # "user@host" works as well as host= plus user=; without a user, ssh (and ~/.ssh/config) decides.
    if "@" in host:
        user, host = host.rsplit("@", 1)[0] if user is None else user, host.rsplit("@", 1)[1]
    destination = f"{user}@{host}" if user else host
    spec = f"{bind_address + ':' if bind_address else ''}{remote_port}:127.0.0.1:{port}"
    argv = [binary, "-v", "-N", "-T", "-p", str(ssh_port),
            "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
            "-o", f"ConnectTimeout={max(1, int(connect_timeout))}",
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
            "-o", f"StrictHostKeyChecking={strict_host_key_checking}"]
    if known_hosts_file:
        argv += ["-o", f"UserKnownHostsFile={known_hosts_file}"]
    if identity_file:
        argv += ["-i", identity_file, "-o", "IdentitiesOnly=yes"]
    argv += [*extra_args, "-R", spec, destination]
    ssh = _SshProcess(argv)
    deadline = time.monotonic() + connect_timeout + 10
    while not ssh.ready.wait(0.1):
        if time.monotonic() > deadline:
            ssh.close()
            raise TunnelUnavailableError(
                f"ssh to {host}:{ssh_port} did not set up the forward within {connect_timeout + 10:g} s.",
                provider="ssh", log=ssh.lines,
                hint="Is the server reachable from here (port 22 is often blocked, e.g. on mybinder.org)?")
    if ssh.proc.poll() is not None or (ssh.allocated is None and ssh.listen is None):
        ssh.close()
        raise TunnelUnavailableError(
            f"ssh -R to {destination}:{ssh_port} failed (exit code {ssh.proc.returncode}):\n{ssh.failure()}",
            provider="ssh", log=ssh.lines,
            hint="Check the host, port, user and key, and that outbound SSH is allowed from here (mybinder.org "
                 "blocks it); the server must allow TCP forwarding (AllowTcpForwarding).")
    remote = ssh.allocated or ssh.listen or remote_port
    url = public_url or f"http://{public_host or host}:{remote}/"
    tunnel = Tunnel("ssh", url, port, details={"ssh": f"{destination}:{ssh_port}", "remote_port": str(remote),
                                               "pid": str(ssh.proc.pid)},
                    _closer=ssh.close, _alive=lambda: ssh.proc.poll() is None)
    if check:
        ping_or_close(tunnel, timeout=connect_timeout, what=f"The tunnel {url}",
                      hint="The forward is up but its public side is not reachable: GatewayPorts or a firewall?",
                      log=lambda: ssh.lines)
    return tunnel
