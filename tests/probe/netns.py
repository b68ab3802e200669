"""A second host for the probe's remote tests (issue #28): a network namespace joined to this one by a
veth pair, with addresses from the benchmarking range 198.18.0.0/15 (RFC 2544, never routed) on the
pair only. Names are unique per run; :meth:`NamespaceHost.close` kills what it started there and deletes
the namespace (which deletes both veth ends), also after a failed setup."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parents[2]
#: The netns server script, run as ``python -m tests.probe.ns_server`` from the repository root.
NS_SERVER = "tests.probe.ns_server"
#: Seconds a server in the namespace may take to print its port (a Python start on a busy machine).
STARTUP_TIMEOUT = 60.0


class NamespaceUnavailable(RuntimeError):
    """Network namespaces cannot be made here (not root, no ``ip``, or the kernel refuses)."""


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise NamespaceUnavailable(f"ip {' '.join(args)}: {done.stderr.strip() or done.returncode}")


def _used_subnets() -> str:
    done = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True, timeout=30)
    return done.stdout


def sweep_stale() -> None:
    """Delete namespaces this module made in runs whose process is gone (a run killed before teardown)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30).stdout
    for line in listed.splitlines():
        name = line.split()[0] if line.split() else ""
        parts = name.split("-")
        if len(parts) != 4 or parts[:2] != ["osscb", "probe"] or not parts[2].isdigit():
            continue
        try:
            os.kill(int(parts[2]), 0)
        except ProcessLookupError:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
        except PermissionError:
            pass  # alive, someone else's


class NamespaceHost:
    """A network namespace reachable at ``ns_ip``; it reaches this machine at ``host_ip`` (and nothing
    else: no default route, so only the veth pair)."""

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise NamespaceUnavailable("network namespaces need root (ip netns add)")
        if shutil.which("ip") is None:
            raise NamespaceUnavailable("the ip command (iproute2) is not installed")
        sweep_stale()
        tag = secrets.token_hex(3)
        self.name = f"osscb-probe-{os.getpid()}-{tag}"
        self.outer, self.inner = f"osp{tag}o", f"osp{tag}i"  # at most 15 characters
        used = _used_subnets()
        while True:
            third, fourth = secrets.randbelow(256), secrets.randbelow(64) * 4
            net = f"198.18.{third}."
            if f"inet {net}{fourth + 1}/" not in used and f"inet {net}{fourth + 2}/" not in used:
                break
        self.host_ip, self.ns_ip = f"{net}{fourth + 1}", f"{net}{fourth + 2}"
        self.procs: list[subprocess.Popen[str]] = []
        self._created = False
        try:
            _ip("netns", "add", self.name)
            self._created = True
            _ip("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
            _ip("link", "set", self.inner, "netns", self.name)
            _ip("addr", "add", f"{self.host_ip}/30", "dev", self.outer)
            _ip("link", "set", self.outer, "up")
            _ip("-n", self.name, "addr", "add", f"{self.ns_ip}/30", "dev", self.inner)
            _ip("-n", self.name, "link", "set", self.inner, "up")
            _ip("-n", self.name, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def popen(self, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """``argv`` run inside the namespace (stdout a pipe, text), from the repository root."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.name, *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True, cwd=REPO,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
        self.procs.append(proc)
        return proc

    def python(self, *args: str) -> subprocess.Popen[str]:
        return self.popen([sys.executable, *args])

    def port_of(self, proc: subprocess.Popen[str]) -> int:
        """The port a server started with :meth:`popen` printed on its first line ("... :PORT ...")."""
        import re
        import select

        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], STARTUP_TIMEOUT)
        if not ready:
            raise RuntimeError(f"{proc.args!r} printed nothing within {STARTUP_TIMEOUT:g} s")
        line = proc.stdout.readline()
        match = re.search(r":(\d+)", line)
        if not match:
            raise RuntimeError(f"no port in the first line of {proc.args!r}: {line!r}")
        return int(match.group(1))

    def stop(self, proc: subprocess.Popen[str]) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()

    def close(self) -> None:
        """Stop what this host started, then delete the namespace (and with it both veth ends)."""
        for proc in self.procs:
            self.stop(proc)
        self.procs.clear()
        if self._created:
            subprocess.run(["ip", "link", "del", self.outer], capture_output=True, timeout=30)
            for _ in range(50):  # the namespace can be busy for a moment while its processes exit
                if subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30).returncode == 0:
                    break
                time.sleep(0.1)
            self._created = False

    def __enter__(self) -> NamespaceHost:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
