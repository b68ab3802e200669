"""A real JupyterHub on loopback with its default auth settings, and kernels driven over its proxy.

JupyterHub from PyPI, ``SimpleLocalProcessSpawner`` (servers as this OS user, a home per user),
``DummyAuthenticator``, the pure-Python ``configurable-http-proxy``. A service token with admin
scopes creates users, starts their servers and runs code in their kernels over the kernel
websocket, through the proxy, as a browser would. Shared by tests/hub and benchmarks/bench_classroom.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class KernelError(RuntimeError):
    """Code run in a user's kernel raised; the message is its traceback."""


CONFIG = """
import os
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = "sqlite:///{d}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{d}/cookie_secret"
c.JupyterHub.pid_file = "{d}/hub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{d}/home/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {environment!r}
c.JupyterHub.services = [{{"name": "osscb-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "osscb-test", "services": ["osscb-test"],
                             "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]}}]
c.JupyterHub.concurrent_spawn_limit = 200
c.JupyterHub.active_server_limit = 0

PER_USER = {per_user!r}

def pre_spawn_hook(spawner):
    extra = PER_USER.get(spawner.user.name, {{}})
    spawner.args = list(spawner.args) + list(extra.get("args", []))
    spawner.environment = {{**spawner.environment, **extra.get("environment", {{}})}}

c.Spawner.pre_spawn_hook = pre_spawn_hook
"""

ENABLE = "--ServerApp.jpserver_extensions=osscb_notebook.serverext=True"
DISABLE = "--ServerApp.jpserver_extensions=osscb_notebook.serverext=False"

#: tests/hub's class: alice and bob use the scoped endpoint; carol has the extension disabled on the
#: hub's defaults (token in URL ignored); dave too, with the admin's JUPYTERHUB_ALLOW_TOKEN_IN_URL=1
#: for him, so the jupyter-server-proxy fallback works.
CLASS_SCOPED = ("alice", "bob")
CLASS_PER_USER: dict[str, dict[str, object]] = {
    "carol": {"args": [DISABLE]},
    "dave": {"args": [DISABLE], "environment": {"JUPYTERHUB_ALLOW_TOKEN_IN_URL": "1"}},
}


@dataclass
class Hub:
    url: str
    token: str
    hub_api: str  # the hub's own port: admin calls skip the proxy, which students' traffic crosses
    dir: Path
    proc: subprocess.Popen[bytes]
    log: Path
    kernels: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return self.url.rstrip("/")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        return httpx.request(method, f"{self.hub_api}{path}", headers=self._headers(),
                             timeout=120, **kwargs)  # type: ignore[arg-type]

    def user_url(self, name: str) -> str:
        return f"{self.url}user/{name}/"

    def start_server(self, name: str, timeout: float = 180) -> float:
        """Create ``name`` if needed, start their server; seconds until it answers through the proxy."""
        t0 = time.monotonic()
        self.api("POST", f"users/{name}")
        resp = self.api("POST", f"users/{name}/server")
        assert resp.status_code in (201, 202, 400), resp.text  # 400: already running
        while time.monotonic() - t0 < timeout:
            user = self.api("GET", f"users/{name}").json()
            server = (user.get("servers") or {}).get("", {})
            if server.get("ready"):
                return time.monotonic() - t0
            time.sleep(0.2)
        raise RuntimeError(f"{name}'s server did not start in {timeout} s; see {self.log}")

    def start_servers(self, names: list[str], timeout: float = 300) -> dict[str, float]:
        """Ask for several servers at once, as a class clicking "Start" together does (the hub's
        POST waits up to its slow_spawn_timeout, so each is sent from its own thread); seconds from
        the first request until each server was ready."""
        from concurrent.futures import ThreadPoolExecutor

        t0 = time.monotonic()

        def ask(name: str) -> None:
            self.api("POST", f"users/{name}")
            self.api("POST", f"users/{name}/server")

        ready: dict[str, float] = {}
        with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
            futures = [pool.submit(ask, name) for name in names]
            while len(ready) < len(names) and time.monotonic() - t0 < timeout:
                try:
                    resp = self.api("GET", "users")
                    users = resp.json() if resp.status_code == 200 else []
                except (httpx.HTTPError, ValueError):
                    users = []  # a hub busy spawning a class can time out or answer an error page
                for user in users:
                    server = (user.get("servers") or {}).get("", {})
                    if user["name"] in names and user["name"] not in ready and server.get("ready"):
                        ready[user["name"]] = time.monotonic() - t0
                time.sleep(0.25)
            for f in futures:
                f.result()
        return ready

    def spawn_times(self) -> dict[str, float]:
        """The hub's own "User X took N seconds to start", from its log."""
        import re

        found = re.findall(r"User (\S+) took ([\d.]+) seconds to start", self.log.read_text(errors="replace"))
        return {name: float(sec) for name, sec in found}

    def stop_server(self, name: str) -> None:
        self.api("DELETE", f"users/{name}/server")

    def start_kernel(self, name: str) -> str:
        resp = httpx.post(f"{self.user_url(name)}api/kernels", headers=self._headers(), json={"name": "python3"},
                          timeout=120)
        assert resp.status_code == 201, resp.text
        self.kernels[name] = resp.json()["id"]
        return self.kernels[name]

    def execute(self, name: str, code: str, timeout: float = 120) -> str:
        """Run ``code`` in ``name``'s kernel; return its stdout, or raise :class:`KernelError`."""
        if name not in self.kernels:
            self.start_kernel(name)
        ws = f"ws://{self.url.split('://', 1)[1]}user/{name}/api/kernels/{self.kernels[name]}/channels"
        # A worker thread gets its own event loop: the caller's thread may already run one (Playwright's
        # sync API keeps a loop running in the main thread while the browser tests' session lives).
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, _execute(ws, self.token, code, timeout)).result()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


async def _execute(ws_url: str, token: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"},
                                               connect_timeout=60, request_timeout=timeout))
    msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {"msg_id": msg_id, "username": "osscb-test", "session": session, "msg_type": "execute_request",
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    out: list[str] = []
    error = ""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the kernel did not finish in {timeout} s; output so far: {''.join(out)}")
            raw = await asyncio.wait_for(conn.read_message(), left)
            if raw is None:
                raise KernelError("the kernel websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"]["traceback"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        conn.close()
    if error:
        raise KernelError(error)
    return "".join(out)


def start_hub(d: Path, *, per_user: dict[str, dict[str, object]] | None = None,
              environment: dict[str, str] | None = None, args: tuple[str, ...] = (ENABLE,)) -> Hub:
    """Start a hub in ``d`` with JupyterHub's default auth settings; ``per_user`` adds ``args`` /
    ``environment`` for some users (e.g. the extension disabled, or the token allowed in URLs)."""
    d.mkdir(parents=True, exist_ok=True)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    token = uuid.uuid4().hex
    url = f"http://127.0.0.1:{port}/"
    single_args = ["--allow-root", *args] if os.geteuid() == 0 else list(args)
    env_for_users = {"OSSCB_PUBLIC_URL": url.rstrip("/"), **(environment or {})}  # the class-wide setting
    (d / "jupyterhub_config.py").write_text(CONFIG.format(
        port=port, hub_port=hub_port, api_port=api_port, d=d, token=token, args=single_args,
        chp=str(BIN / "configurable-http-proxy"), singleuser=str(BIN / "jupyterhub-singleuser"),
        environment=env_for_users, per_user=per_user or {}))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTERHUB_", "JUPYTER_", "OSSCB_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CONFIGPROXY_AUTH_TOKEN"] = uuid.uuid4().hex
    log = d / "hub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(d / "jupyterhub_config.py")], cwd=d,
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    hub = Hub(url, token, f"http://127.0.0.1:{hub_port}/hub/api/", d, proc, log)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}hub/api/", timeout=5).status_code == 200:
                return hub
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            hub.stop()
            raise RuntimeError(f"jupyterhub did not answer in 120 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
