"""Ask a receiver, through a tunnel, whether it is there (``GET .../_osscb_ping``, not recorded).

The receiver answers ``osscb-receiver <instance id>``: given the instance, anything else that
answers (another receiver, an impostor on the same port) is refused. httpx logs every request URL
at INFO, capability and ``?token=`` included: its logger masks them (:func:`~osscb_notebook.redact.mask_logs`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import httpx

from .._wire import PING_SUFFIX
from ..errors import TunnelError, TunnelUnavailableError
from ..redact import mask_logs
from .base import Tunnel

mask_logs(logging.getLogger("httpx"))
PING_REPLY = "osscb-receiver"


def ping(url: str, *, timeout: float, what: str, hint: str, provider: str = "", instance: str = "") -> None:
    """Raise a clear :class:`TunnelError` unless an osscb receiver (the one with ``instance``, when
    given) answers at ``url``."""
    try:
        resp = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        raise TunnelUnavailableError(f"{what} did not answer within {timeout:g} s.", provider=provider,
                                     hint=hint) from None
    except httpx.HTTPError as exc:
        raise TunnelUnavailableError(f"{what} is unreachable: {exc.__class__.__name__}: {exc}.", provider=provider,
                                     hint=hint) from None
    if resp.status_code == 200 and resp.text.startswith(PING_REPLY):
        if not instance or resp.text.strip() == f"{PING_REPLY} {instance}":
            return
        raise TunnelError(f"{what} reaches another program than this receiver (its ping answered with another "
                          "instance id): something else listens on the receiver's port or address.",
                          provider=provider, hint=hint)
    raise TunnelError(f"{what} answered HTTP {resp.status_code}, not the receiver's ping reply.", provider=provider,
                      hint=hint)


def ping_or_close(tunnel: Tunnel, *, timeout: float, what: str, hint: str,
                  log: Callable[[], Iterable[str]] | None = None, instance: str = "") -> None:
    """Ping the receiver through ``tunnel``; close the tunnel if that fails, then re-raise.

    ``instance`` defaults to that of this process's receiver on the tunnel's port, if any.
    ``log`` returns the provider program's last lines (ssh's stderr, ngrok's log); a failure
    carries them, read before the close so they include why the forward did not work."""
    if not instance:
        from ..receiver.receiver import receiver_on

        receiver = receiver_on(tunnel.local_port)
        instance = receiver.config.instance if receiver is not None else ""
    try:
        ping(tunnel.callback_url(PING_SUFFIX), timeout=timeout, what=what, hint=hint, provider=tunnel.provider,
             instance=instance)
    except TunnelError as exc:
        if log is not None:
            exc.log = tuple(log())
        tunnel.close()
        raise
    except BaseException:
        tunnel.close()
        raise
