"""Tunnels: a public callbackUrl for a local receiver port, and a clean close.

``open_tunnel("local"|"ssh"|"ngrok"|"jupyter", port_or_receiver, **options) -> Tunnel``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import TunnelError, TunnelUnavailableError
from .base import Tunnel, close_all_tunnels, open_tunnels
from .jupyter import TOKEN_WARNING, TokenExposureWarning, open_jupyter
from .jupyter_env import JupyterContext, detect_jupyter
from .local import open_local
from .ngrok import open_ngrok
from .ssh import open_ssh

PROVIDERS: dict[str, Callable[..., Tunnel]] = {"local": open_local, "ssh": open_ssh, "ngrok": open_ngrok, "jupyter": open_jupyter}


def open_tunnel(provider: str, port: Any, **options: Any) -> Tunnel:
    """Open a tunnel to ``port`` (an int, or a running ``Receiver``: its secrets are then registered
    with it, so the receiver masks the tunnel's token in its history too)."""
    try:
        opener = PROVIDERS[provider]
    except KeyError:
        raise TunnelError(f"Unknown tunnel provider {provider!r}.", hint=f"Pick one of {', '.join(PROVIDERS)}.") from None
    receiver = None
    if not isinstance(port, int):
        receiver, port = port, int(port.port)
    tunnel = opener(port, **options)
    if receiver is not None:
        for secret in tunnel.secrets:
            receiver.add_secret(secret)
    return tunnel


__all__ = [
    "PROVIDERS", "TOKEN_WARNING", "JupyterContext", "TokenExposureWarning", "Tunnel", "TunnelError",
    "TunnelUnavailableError", "close_all_tunnels", "detect_jupyter", "open_jupyter", "open_local", "open_ngrok",
    "open_ssh", "open_tunnel", "open_tunnels",
]
