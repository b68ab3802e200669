"""Where is the Jupyter server this kernel runs under, and with which token? (Binder, JupyterHub, local)"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import TunnelUnavailableError

#: The public address a trainer or hub admin sets once for a class, e.g. in JupyterHub's
#: ``c.Spawner.environment``: the hub's origin (``https://hub.example.org``); on a hub the user's
#: ``/user/<name>/`` prefix is added. Outside a hub it is the server's full base URL.
PUBLIC_URL_ENV = "OSSCB_PUBLIC_URL"


@dataclass(frozen=True)
class JupyterContext:
    """``kind`` is ``binder``, ``jupyterhub``, ``server`` (a local Jupyter Server) or ``none``.
    ``server_url`` is the public base URL (ends with ``/``) or ``""`` when unknown."""

    kind: str
    server_url: str = ""
    token: str = field(default="", repr=False)
    source: str = ""
    #: where the server hosting this kernel keeps its runtime files, and its pid: how the kernel
    #: finds the osscb server extension (``osscb_notebook.serverext``) in that server
    runtime_dir: str = ""
    server_pid: int = 0

    def __repr__(self) -> str:
        token = "***" if self.token else "none"
        return f"JupyterContext(kind={self.kind!r}, server_url={self.server_url!r}, token={token}, source={self.source!r})"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _running_servers(runtime_dir: str | None) -> list[dict]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    try:
        return list(list_running_servers(runtime_dir) if runtime_dir else list_running_servers())
    except OSError:
        return []


def _runtime_dir(runtime_dir: str | None, env: Mapping[str, str]) -> str:
    if runtime_dir:
        return runtime_dir
    if env.get("JUPYTER_RUNTIME_DIR"):
        return env["JUPYTER_RUNTIME_DIR"]
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return ""
    return jupyter_runtime_dir()


def detect_jupyter(env: Mapping[str, str] | None = None, *, runtime_dir: str | None = None,
                   parent_pid: int | None = None) -> JupyterContext:
    """Read the environment: ``BINDER_*`` and ``JUPYTERHUB_*`` (hub; the public address from
    ``OSSCB_PUBLIC_URL``, which a trainer sets once for a class, or the hub's own variables),
    ``JUPYTER_SERVER_URL`` / ``JUPYTER_TOKEN``, else the running-server list (preferring the server
    that started this kernel)."""
    env = os.environ if env is None else env
    ppid = os.getppid() if parent_pid is None else parent_pid
    runtime = _runtime_dir(runtime_dir, env)
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if prefix:
        kind = "binder" if any(k.startswith("BINDER_") for k in env) else "jupyterhub"
        origin, source = "", "JUPYTERHUB_SERVICE_PREFIX"
        for name in (PUBLIC_URL_ENV, "JUPYTERHUB_PUBLIC_URL", "JUPYTERHUB_PUBLIC_HUB_URL", "JUPYTERHUB_HOST",
                     "JUPYTER_SERVER_URL"):
            origin = _origin(env.get(name, ""))
            if origin:
                source = f"{name} + JUPYTERHUB_SERVICE_PREFIX"
                break
        url = origin + _slash(prefix) if origin else ""
        return JupyterContext(kind, url, env.get("JUPYTERHUB_API_TOKEN", ""), source, runtime, ppid)
    if env.get("JUPYTER_SERVER_URL"):
        return JupyterContext("server", _slash(env["JUPYTER_SERVER_URL"]), env.get("JUPYTER_TOKEN", ""),
                              "JUPYTER_SERVER_URL", runtime, ppid)
    if env.get(PUBLIC_URL_ENV):
        return JupyterContext("server", _slash(env[PUBLIC_URL_ENV]), env.get("JUPYTER_TOKEN", ""), PUBLIC_URL_ENV,
                              runtime, ppid)
    servers = _running_servers(runtime_dir)
    mine = [s for s in servers if s.get("pid") == ppid]
    chosen = mine[0] if mine else (servers[0] if len(servers) == 1 else None)
    if chosen is not None:
        return JupyterContext("server", _slash(chosen.get("url", "")), chosen.get("token", ""), "running servers",
                              runtime, int(chosen.get("pid") or 0))
    return JupyterContext("none", source=f"{len(servers)} running servers, none started this kernel" if servers else "",
                          runtime_dir=runtime, server_pid=ppid)


def require_server(ctx: JupyterContext) -> None:
    if ctx.server_url:
        return
    if ctx.kind in ("binder", "jupyterhub"):
        raise TunnelUnavailableError(
            f"On {ctx.kind} the public address of your server is not in the kernel's environment.",
            hint="Pass server_url= the address in your browser up to and including /user/<name>/ "
                 f"(e.g. https://hub.example.org/user/alice/), or ask the trainer to set {PUBLIC_URL_ENV}="
                 "https://hub.example.org for the whole class (JupyterHub: c.Spawner.environment).")
    raise TunnelUnavailableError(
        "No Jupyter server found for this kernel (not under Binder/JupyterHub, no JUPYTER_SERVER_URL, "
        f"no running server that started it{': ' + ctx.source if ctx.source else ''}).",
        hint="Pass server_url='http://host:8888/' and token='...' of the server you want to go through.")
