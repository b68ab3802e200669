"""Tunnels: a public callbackUrl for a local receiver port, and a clean close.

``open_tunnel("local"|"ssh"|"ngrok"|"jupyter", port_or_receiver, **options) -> Tunnel``.
"""

from __future__ import annotations

from typing import Any

from ..errors import TunnelError, TunnelUnavailableError
from . import registry
from .base import Tunnel, close_all_tunnels, open_tunnels
from .jupyter import TOKEN_WARNING, TokenExposureWarning, open_jupyter
from .jupyter_env import JupyterContext, detect_jupyter
from .local import open_local
from .ngrok import open_ngrok
from .registry import NONE, Provider, choices, names, provider, register
from .ssh import open_ssh

#: name -> opener, derived from the registry (:mod:`.registry` is where providers are listed).
PROVIDERS = {name: p.opener for name, p in registry.PROVIDERS.items()}


def open_tunnel(provider: str, port: Any, **options: Any) -> Tunnel:
    """Open a tunnel to ``port`` (an int, or a running ``Receiver``: its secrets are then registered
    with it, so the receiver masks the tunnel's token in its history too)."""
    entry = registry.provider(provider)
    entry.check(options)  # a missing required option (ssh's host) is one clear line, not a TypeError
    receiver = None
    if not isinstance(port, int):
        receiver, port = port, int(port.port)
    tunnel = entry.opener(port, **options)
    if receiver is not None:
        for secret in tunnel.secrets:
            receiver.add_secret(secret)
    return tunnel


__all__ = [
    "NONE", "PROVIDERS", "TOKEN_WARNING", "JupyterContext", "Provider", "TokenExposureWarning", "Tunnel", "TunnelError",
    "TunnelUnavailableError", "choices", "close_all_tunnels", "detect_jupyter", "names", "open_jupyter", "open_local",
    "open_ngrok", "open_ssh", "open_tunnel", "open_tunnels", "provider", "register",
]
