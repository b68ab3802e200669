"""``ngrok``: via pyngrok (optional extra ``osscb-notebook[ngrok]``), with its binary and token.

pyngrok downloads the ngrok agent on first use. Where that cannot work (no internet, CI, a locked
down Binder) this fails quickly with :class:`TunnelUnavailableError` saying what to do instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import Any

from ..errors import TunnelError, TunnelUnavailableError
from .base import Tunnel
from .probe import ping_or_close

DOWNLOAD_TIMEOUT = 5.0
_WHAT_TO_DO = ("Install the ngrok agent yourself and pass ngrok_path=/path/to/ngrok (or set PYNGROK_NGROK_PATH), "
               "or use open_tunnel('ssh', ...) or open_tunnel('jupyter', ...) instead.")


def _find_binary(ngrok_path: str | None, default: str) -> str:
    if ngrok_path:
        return os.path.expanduser(ngrok_path)
    env = os.environ.get("PYNGROK_NGROK_PATH")
    if env:
        return env
    if os.path.exists(default):
        return default
    return shutil.which("ngrok") or default


def _process_log(config: Any) -> list[str]:
    """The running ngrok agent's last log lines (pyngrok keeps them), or none if it is not running."""
    from pyngrok import process

    if not process.is_process_running(config.ngrok_path):
        return []
    return [log.line for log in process.get_process(config).logs]


def _mask(lines: list[str], token: str | None) -> list[str]:
    return [line.replace(token, "***") for line in lines] if token else lines


def open_ngrok(
    port: int,
    *,
    auth_token: str | None = None,
    ngrok_path: str | None = None,
    region: str | None = None,
    download: bool = True,
    download_timeout: float = DOWNLOAD_TIMEOUT,
    startup_timeout: int = 15,
    config_path: str | None = None,
    check: bool = True,
    check_timeout: float = 10.0,
    **connect_options: Any,
) -> Tunnel:
    """Open an HTTP tunnel to ``port``; ``auth_token`` defaults to ``NGROK_AUTHTOKEN``/ngrok's config.

    ngrok's URL is HTTPS on a shared front end: set ``callbackSNI: true`` in the callback parameter.
    The receiver is pinged through the public URL (``check=False`` skips it); if it does not answer,
    the tunnel is closed and :class:`TunnelUnavailableError` says so.
    """
    try:
        from pyngrok import conf, installer, ngrok
        from pyngrok.exception import PyngrokError, PyngrokNgrokInstallError
    except ImportError:
        raise TunnelUnavailableError("pyngrok is not installed.", provider="ngrok",
                                     hint="pip install 'osscb-notebook[ngrok]' (or pip install pyngrok).") from None
    path = _find_binary(ngrok_path, conf.DEFAULT_NGROK_PATH)
    if not os.path.exists(path):
        if not download:
            raise TunnelUnavailableError(f"No ngrok agent at {path} and downloading is off.", provider="ngrok",
                                         hint=_WHAT_TO_DO)
        installer._print_progress_enabled = False  # pyngrok prints progress to stdout: not in a notebook cell
        try:
            installer.install_ngrok(path, timeout=download_timeout)
        except (PyngrokNgrokInstallError, OSError) as exc:
            raise TunnelUnavailableError(
                f"The ngrok agent is not installed at {path} and could not be downloaded "
                f"(no internet access from here?): {exc}", provider="ngrok", hint=_WHAT_TO_DO) from None
    if not os.access(path, os.X_OK):
        raise TunnelUnavailableError(f"{path} is not an executable ngrok agent.", provider="ngrok", hint=_WHAT_TO_DO)
    token = auth_token or os.environ.get("NGROK_AUTHTOKEN")
    config = conf.PyngrokConfig(ngrok_path=path, auth_token=token, region=region, monitor_thread=False,
                                startup_timeout=startup_timeout, config_path=config_path)
    try:
        opened = ngrok.connect(str(port), "http", pyngrok_config=config, **connect_options)
    except PyngrokError as exc:
        message = str(exc).replace(token, "***") if token else str(exc)
        hint = ("ngrok needs an auth token: pass auth_token=... or set NGROK_AUTHTOKEN "
                "(https://dashboard.ngrok.com/get-started/your-authtoken)." if "auth" in message.lower()
                else "Check that this machine can reach ngrok's service (outbound HTTPS).")
        lines = [log.line for log in getattr(exc, "ngrok_logs", [])] or _process_log(config)
        raise TunnelUnavailableError(f"ngrok could not open a tunnel: {message}", provider="ngrok",
                                     log=_mask(lines, token), hint=hint) from None
    public_url = opened.public_url
    if not public_url:
        raise TunnelError("ngrok opened a tunnel without a public URL.", provider="ngrok",
                          log=_mask(_process_log(config), token),
                          hint="Close it (close_all_tunnels()) and try again; check ngrok's dashboard.")

    def close() -> None:
        with contextlib.suppress(PyngrokError):
            ngrok.disconnect(public_url, pyngrok_config=config)
        ngrok.kill(pyngrok_config=config)

    tunnel = Tunnel("ngrok", public_url.rstrip("/") + "/", port, secrets=tuple(x for x in (token,) if x),
                    details={"ngrok_path": path}, _closer=close,
                    warning="HTTPS on a shared host: set callbackSNI to true in the callback parameter.")
    if check:
        ping_or_close(tunnel, timeout=check_timeout, what=f"The ngrok tunnel {tunnel.public_url}",
                      hint="ngrok is up but its URL does not reach the receiver: is the receiver running on "
                           f"port {port}, and does this machine allow outbound HTTPS?",
                      log=lambda: _mask(_process_log(config), token))
    return tunnel
