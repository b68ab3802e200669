"""``local``: no tunnel at all; the callbackUrl is the loopback one (for the local emulator)."""

from __future__ import annotations

from .base import Tunnel
from .probe import ping_or_close


def open_local(port: int, *, host: str = "127.0.0.1", check: bool = True, timeout: float = 5.0) -> Tunnel:
    """Real OSS refuses loopback and private callback URLs (EC 0007-00000008): use this with the emulator."""
    tunnel = Tunnel("local", f"http://{host}:{port}/", port,
                    warning="Loopback URL: only the local emulator can call it; real OSS rejects private addresses.")
    if check:
        ping_or_close(tunnel, timeout=timeout, what=f"The receiver at {tunnel.public_url}",
                      hint="Start the receiver first: start_receiver(port=...).")
    return tunnel
