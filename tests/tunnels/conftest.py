"""Real peers on loopback: an OpenSSH server, a Jupyter Server with jupyter-server-proxy, and one
with the osscb server extension (the scoped endpoint) too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from osscb_notebook.tunnels import JupyterContext
from tests.support import free_port
from tests.support.processes import stop, wait_port

SSHD = "/usr/sbin/sshd"




@dataclass
class Sshd:
    port: int
    client_key: str
    known_hosts: str
    user: str
    log: Path


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator[Sshd]:  # noqa: ANN001
    """A real OpenSSH server on loopback: generated host and client keys, key-only login."""
    assert Path(SSHD).exists(), "openssh-server is required (scripts/system-deps.sh installs it)"
    if os.geteuid() != 0:
        pytest.skip("sshd's privilege separation needs root here (CI runs as root)")
    d = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    shutil.copy(d / "client_key.pub", d / "authorized_keys")
    host_pub = (d / "host_key.pub").read_text().split()
    port = free_port()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    # AddressFamily inet: a remote forward on port 0 binds "localhost", and over both families sshd
    # takes the port the kernel gave ::1 for 127.0.0.1 too. That port can be taken on IPv4 (once it
    # was this sshd's own port), so the tunnel's 127.0.0.1 URL led to the wrong server.
    (d / "sshd_config").write_text(f"""Port {port}
AddressFamily inet
ListenAddress 127.0.0.1
HostKey {d / 'host_key'}
AuthorizedKeysFile {d / 'authorized_keys'}
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
GatewayPorts no
PidFile {d / 'sshd.pid'}
""")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    log = d / "sshd.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc, "sshd", timeout=20)
        import getpass

        yield Sshd(port, str(d / "client_key"), str(d / "known_hosts"), getpass.getuser(), log)
    finally:
        stop(proc)


@dataclass
class JupyterServer:
    url: str
    token: str
    pid: int
    runtime_dir: str


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory) -> Iterator[JupyterServer]:  # noqa: ANN001
    """A real ``jupyter server`` (with jupyter-server-proxy) on loopback, with a token."""
    d = tmp_path_factory.mktemp("jupyter")
    port = free_port()
    token = "osscb-test-token-" + os.urandom(8).hex()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(d / "runtime"), "JUPYTER_CONFIG_DIR": str(d / "config"),
           "JUPYTER_DATA_DIR": str(d / "data")}
    env.pop("JUPYTER_TOKEN", None)
    jupyter = Path(sys.executable).parent / "jupyter-server"
    with open(d / "server.log", "w") as out:
        proc = subprocess.Popen(
            [str(jupyter), "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0", "--allow-root",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={d}"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_port(port, proc, "jupyter server")
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while httpx.get(url + "api/status", params={"token": token}).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("jupyter server not ready")
            time.sleep(0.1)
        yield JupyterServer(url, token, proc.pid, str(d / "runtime"))
    finally:
        stop(proc)


@dataclass
class ScopedServer:
    url: str
    token: str
    pid: int
    runtime_dir: str
    proc: subprocess.Popen
    log: Path

    def context(self) -> JupyterContext:
        return JupyterContext("server", self.url, self.token, "test", self.runtime_dir, self.pid)


def start_scoped_server(d: Path, *extra: str, executable: str | None = None) -> ScopedServer:
    port = free_port()
    token = "osscb-test-token-" + os.urandom(8).hex()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(d / "runtime"), "JUPYTER_CONFIG_DIR": str(d / "config"),
           "JUPYTER_DATA_DIR": str(d / "data")}
    env.pop("JUPYTER_TOKEN", None)
    log = d / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [executable or str(Path(sys.executable).parent / "jupyter-server"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--port-retries=0", "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={d}",
             "--ServerApp.jpserver_extensions=osscb_notebook.serverext=True", *extra],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    wait_port(port, proc, "jupyter server")
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while httpx.get(url + "api/status", params={"token": token}).status_code != 200:
        assert time.monotonic() < deadline, "jupyter server not ready"
        time.sleep(0.1)
    return ScopedServer(url, token, proc.pid, str(d / "runtime"), proc, log)


@pytest.fixture(scope="module")
def scoped_server(tmp_path_factory) -> Iterator[ScopedServer]:  # noqa: ANN001
    server = start_scoped_server(tmp_path_factory.mktemp("scoped"))
    try:
        yield server
    finally:
        stop(server.proc)
