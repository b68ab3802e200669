"""``jupyter``: through the Jupyter server hosting the kernel, for Binder, JupyterHub and JupyterLab.

When the osscb server extension (``osscb_notebook.serverext``, enabled on ``pip install``) runs in
that server, the receiver is registered with it and OSS calls ``{server}osscb/callback/<capability>/``:
the capability opens this receiver and nothing else, and no Jupyter token travels. Otherwise we
fall back to jupyter-server-proxy's ``/proxy/absolute/PORT/``, which forwards the full path
(percent-encoding kept) and the query unchanged, ``token`` included (checked in tests/tunnels). Every
proxied request needs the server's token, so it goes in the callbackUrl's query: that token grants
full access to the server. It is masked in every display, and a :class:`TokenExposureWarning` says so,
naming why the scoped endpoint was not used.

The registration names the receiver itself (address, owning pid, socket, instance id:
:mod:`osscb_notebook.serverext.registry`), found through ``/proc`` when the port belongs to a
receiver of another process; the ping then checks the receiver's instance id.
"""

from __future__ import annotations

import ipaddress
import logging
import warnings
from typing import Literal

import httpx

from ..errors import TunnelError, TunnelUnavailableError
from ..receiver.engine import DEFAULT_MAX_BODY, PING_SUFFIX
from ..receiver.receiver import Receiver, receiver_on
from ..serverext import ROUTE, registry
from .base import Tunnel
from .jupyter_env import JupyterContext, detect_jupyter, require_server
from .probe import PING_REPLY, ping_or_close

log = logging.getLogger(__name__)

TOKEN_WARNING = (
    "This callback URL carries your Jupyter token, which grants full access to this Jupyter server "
    "(run code, read and write files) to anyone who sees it: OSS logs, callback configs, screenshots. "
    "The kit masks it in its displays; use it only on a short-lived Binder/JupyterHub session and "
    "restart the server (new token) when done."
)

HUB_TOKEN_IN_URL_FIXES = (
    "Either a hub admin sets JUPYTERHUB_ALLOW_TOKEN_IN_URL=1 in the hub's environment "
    "(or c.Spawner.environment), or you add c.HubOAuth.allow_token_in_url = True to "
    "~/.jupyter/jupyter_server_config.py and restart your server (File > Hub Control Panel > "
    "Stop My Server, then start it). Better: install osscb-notebook in the server's environment "
    "(the image), so its scoped endpoint is used and no token travels."
)


class TokenExposureWarning(UserWarning):
    """A Jupyter token is about to travel inside a callback URL."""


def _base(ctx: JupyterContext) -> str:
    return ctx.server_url if ctx.server_url.endswith("/") else ctx.server_url + "/"




def open_jupyter(
    port: int,
    *,
    server_url: str | None = None,
    token: str | None = None,
    route: Literal["absolute", "prefix"] = "absolute",
    check: bool = True,
    timeout: float = 5.0,
    context: JupyterContext | None = None,
    scoped: bool | None = None,
) -> Tunnel:
    """Expose ``port`` through the Jupyter server that hosts this kernel.

    With the osscb server extension active there (``scoped=None``, the default, detects it;
    ``True`` requires it; ``False`` never uses it): ``{server_url}osscb/callback/<capability>/``.
    Otherwise ``{server_url}proxy/absolute/{port}/?token=...`` (jupyter-server-proxy); ``route="prefix"``
    uses ``/proxy/PORT/`` instead, and the receiver rebuilds the signed path from X-Forwarded-Prefix.
    ``server_url``/``token`` default to what :func:`detect_jupyter` finds. ``check`` pings the
    receiver through the public URL, so a wrong token or URL fails here, fast.
    """
    ctx = context or detect_jupyter()
    if server_url:
        ctx = JupyterContext(ctx.kind if ctx.kind != "none" else "server", server_url, ctx.token, "argument",
                             ctx.runtime_dir, ctx.server_pid)
    if token is not None:
        ctx = JupyterContext(ctx.kind, ctx.server_url, token, ctx.source, ctx.runtime_dir, ctx.server_pid)
    require_server(ctx)
    info = None
    if scoped is not False and ctx.runtime_dir:
        info = registry.find_server(ctx.runtime_dir, ctx.server_pid)
    if info is not None:
        return _open_scoped(port, ctx, info, check=check, timeout=timeout)
    why = _not_active(ctx)
    if scoped:
        raise TunnelUnavailableError(
            why, hint="Install osscb-notebook in the server's environment and restart the server "
                      "(`jupyter server extension list` shows osscb_notebook.serverext), or pass scoped=None "
                      "to fall back to jupyter-server-proxy with the token.")
    return _open_proxy(port, ctx, route=route, check=check, timeout=timeout, why=why if scoped is None else "")


def _not_active(ctx: JupyterContext) -> str:
    why = ("The osscb server extension is not active in the Jupyter server hosting this kernel "
           f"(no marker for server pid {ctx.server_pid} in {ctx.runtime_dir or 'the runtime directory'}).")
    if ctx.runtime_dir and registry.shared_runtime(ctx.runtime_dir):
        why += (f" The runtime directory {ctx.runtime_dir} is writable by other users, who can stop the "
                "extension from loading: set JUPYTER_RUNTIME_DIR to a private directory (mode 0700) and "
                "restart the server.")
    return why


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _foreign_instance(host: str, port: int, timeout: float) -> str:
    """The instance id a receiver of another process answers its ping with ("" if none)."""
    host_part = f"[{host}]" if ":" in host else host
    try:
        resp = httpx.get(f"http://{host_part}:{port}{PING_SUFFIX}", timeout=timeout, follow_redirects=False)
    except httpx.HTTPError:
        return ""
    text = resp.text.strip()
    return text[len(PING_REPLY) + 1:] if resp.status_code == 200 and text.startswith(PING_REPLY + " ") else ""


def _registration(port: int, receiver: Receiver | None, timeout: float | None) -> registry.Registration:
    """The receiver on ``port``: this process's, or another process's (whose instance id is asked
    for, unless ``timeout`` is None: nothing will check it)."""
    try:
        if receiver is not None:
            # a name ("localhost") is not an address: look for the receiver's socket on 127.0.0.1 and ::1
            host_given = receiver.loopback_host if _ip_literal(receiver.loopback_host) else None
            host, pid, inode = registry.locate(port, host_given, receiver.pid)
            if pid != receiver.pid:
                raise LookupError(f"port {port} is held by pid {pid}, not by the receiver (pid {receiver.pid})")
            return registry.Registration(port, receiver.config.max_body, host, pid, inode, receiver.config.instance)
        host, pid, inode = registry.locate(port)
    except LookupError as exc:
        raise TunnelUnavailableError(f"Cannot register port {port} with the osscb endpoint: {exc}.",
                                     hint="Start the receiver first (start_receiver(...)) on 127.0.0.1 or ::1, "
                                          "then open the tunnel to it.") from None
    except OSError as exc:
        raise TunnelUnavailableError(f"Cannot register port {port} with the osscb endpoint: the listening sockets "
                                     f"could not be listed ({exc}).", hint="Try again in a moment.") from None
    instance = _foreign_instance(host, port, timeout) if timeout is not None else ""
    return registry.Registration(port, DEFAULT_MAX_BODY, host, pid, inode, instance)


def _open_scoped(port: int, ctx: JupyterContext, info: registry.ServerInfo, *, check: bool,
                 timeout: float) -> Tunnel:
    receiver = receiver_on(port)
    reg = _registration(port, receiver, timeout if check else None)
    capability, path = registry.register(info, reg)
    base = _base(ctx)
    tunnel = Tunnel("jupyter", f"{base}{ROUTE}/{capability}/", port, secrets=(capability,),
                    details={"kind": ctx.kind, "route": "scoped"}, _closer=lambda: registry.revoke(path))
    if receiver is not None:
        receiver.add_secret(capability)
        receiver.on_stop(tunnel.close)  # revoked when the receiver stops or a re-run cell replaces it
    log.info("jupyter tunnel %s", tunnel.display_url)
    if check:
        ping_or_close(tunnel, timeout=timeout, what=f"The osscb endpoint at {base}{ROUTE}/***/",
                      hint=("Is the server URL right (the address in your browser up to and including "
                            f"/user/<name>/ on a hub)? Detected: {ctx!r}."), instance=reg.instance)
    return tunnel


def _open_proxy(port: int, ctx: JupyterContext, *, route: Literal["absolute", "prefix"], check: bool,
                timeout: float, why: str = "") -> Tunnel:
    base = _base(ctx)
    token = ctx.token
    route_path = f"proxy/absolute/{port}/" if route == "absolute" else f"proxy/{port}/"
    public = base + route_path + (f"?token={token}" if token else "")
    warning = (f"{why} Falling back to jupyter-server-proxy: {TOKEN_WARNING}" if why else TOKEN_WARNING) if token else ""
    tunnel = Tunnel("jupyter", public, port, warning=warning,
                    secrets=(token,) if token else (), details={"kind": ctx.kind, "route": route})
    if token:
        warnings.warn(warning, TokenExposureWarning, stacklevel=3)
    log.info("jupyter tunnel %s", tunnel.display_url)
    if check:
        try:
            ping_or_close(tunnel, timeout=timeout, what=f"The Jupyter proxy at {base}{route_path}", hint=_hint(ctx))
        except TunnelError as exc:
            # The proxy answers 403 (POST) or a 302 to the login page without a valid token.
            message = exc.message.replace(token, "***") if token else exc.message
            hint = exc.hint.replace(token, "***") if token else exc.hint
            if token and ctx.kind in ("jupyterhub", "binder") and _header_token_works(base + route_path, token, timeout):
                message = (f"{message} The same token in an Authorization header reaches your receiver: this "
                           "JupyterHub ignores ?token= in URLs (JupyterHub 5+ default, allow_token_in_url=False), "
                           "and OSS can authenticate only through the URL.")
                hint = HUB_TOKEN_IN_URL_FIXES
            raise type(exc)(message, hint=hint) from None
    return tunnel


def _header_token_works(url: str, token: str, timeout: float) -> bool:
    try:
        resp = httpx.get(url.rstrip("/") + PING_SUFFIX, headers={"Authorization": f"token {token}"},
                         timeout=timeout, follow_redirects=False)
    except httpx.HTTPError:
        return False
    return resp.status_code == 200 and resp.text.startswith(PING_REPLY)


def _hint(ctx: JupyterContext) -> str:
    return ("Is the server URL right, and is jupyter-server-proxy installed in the server's environment (pip install jupyter-server-proxy, "
            "then restart the server)? Is the token right (a 403 or a redirect to /login means it is not)? "
            f"Detected: {ctx!r}.")


__all__ = ["HUB_TOKEN_IN_URL_FIXES", "TOKEN_WARNING", "TokenExposureWarning", "TunnelUnavailableError", "open_jupyter"]
