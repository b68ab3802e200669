"""``jupyter``: through the Jupyter server's own proxy (jupyter-server-proxy), for Binder and JupyterHub.

OSS signs the path it calls. ``/proxy/PORT/...`` strips that prefix before the receiver sees it,
so we use ``/proxy/absolute/PORT/...``, which forwards the full path (percent-encoding kept) and
the query unchanged, ``token`` included (checked in tests/tunnels). Every proxied request needs
the server's token, so it goes in the callbackUrl's query: that token grants full access to the
server. It is masked in every display, and a :class:`TokenExposureWarning` says so.
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

from ..errors import TunnelError, TunnelUnavailableError
from .base import Tunnel
from .jupyter_env import JupyterContext, detect_jupyter, require_server
from .probe import ping_or_close

log = logging.getLogger(__name__)

TOKEN_WARNING = (
    "This callback URL carries your Jupyter token, which grants full access to this Jupyter server "
    "(run code, read and write files) to anyone who sees it: OSS logs, callback configs, screenshots. "
    "The kit masks it in its displays; use it only on a short-lived Binder/JupyterHub session and "
    "restart the server (new token) when done."
)


class TokenExposureWarning(UserWarning):
    """A Jupyter token is about to travel inside a callback URL."""


def open_jupyter(
    port: int,
    *,
    server_url: str | None = None,
    token: str | None = None,
    route: Literal["absolute", "prefix"] = "absolute",
    check: bool = True,
    timeout: float = 5.0,
    context: JupyterContext | None = None,
) -> Tunnel:
    """Expose ``port`` at ``{server_url}proxy/absolute/{port}/?token=...``.

    ``server_url``/``token`` default to what :func:`detect_jupyter` finds. ``route="prefix"`` uses
    ``/proxy/PORT/`` instead; the receiver then rebuilds the signed path from X-Forwarded-Prefix.
    ``check`` pings the receiver through the proxy, so a wrong token or URL fails here, fast.
    """
    ctx = context or detect_jupyter()
    if server_url:
        ctx = JupyterContext(ctx.kind if ctx.kind != "none" else "server", server_url, ctx.token, "argument")
    if token is not None:
        ctx = JupyterContext(ctx.kind, ctx.server_url, token, ctx.source)
    require_server(ctx)
    base = ctx.server_url if ctx.server_url.endswith("/") else ctx.server_url + "/"
    token = ctx.token
    route_path = f"proxy/absolute/{port}/" if route == "absolute" else f"proxy/{port}/"
    public = base + route_path + (f"?token={token}" if token else "")
    tunnel = Tunnel("jupyter", public, port, warning=TOKEN_WARNING if token else "",
                    secrets=(token,) if token else (), details={"kind": ctx.kind, "route": route})
    if token:
        warnings.warn(TOKEN_WARNING, TokenExposureWarning, stacklevel=2)
    log.info("jupyter tunnel %s", tunnel.display_url)
    if check:
        try:
            ping_or_close(tunnel, timeout=timeout, what=f"The Jupyter proxy at {base}{route_path}", hint=_hint(ctx))
        except TunnelError as exc:
            # The proxy answers 403 (POST) or a 302 to the login page without a valid token.
            message = str(exc).replace(token, "***") if token else str(exc)
            raise type(exc)(message) from None
    return tunnel


def _hint(ctx: JupyterContext) -> str:
    return ("Is the server URL right, and is jupyter-server-proxy installed in the server's environment (pip install jupyter-server-proxy, "
            "then restart the server)? Is the token right (a 403 or a redirect to /login means it is not)? "
            f"Detected: {ctx!r}.")


__all__ = ["TOKEN_WARNING", "TokenExposureWarning", "TunnelUnavailableError", "open_jupyter"]
