"""The osscb Jupyter server extension: a scoped callback endpoint at ``{base_url}osscb/callback/``.

Enabled on ``pip install`` by ``etc/jupyter/jupyter_server_config.d/osscb_notebook.json``. A kernel
registers its receiver (``osscb_notebook.serverext.registry``); OSS then reaches exactly that
receiver through the server, with no Jupyter token in the callback URL.
"""

from __future__ import annotations

import atexit
import logging
import secrets
from typing import Any

from . import registry
from .hop import RELAY_HEADER

ROUTE = "osscb/callback"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "osscb_notebook.serverext"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from jupyter_server.utils import url_path_join

    from ..redact import ROUTE_MASKER, mask_logs, request_log
    from .handler import CallbackHandler

    # Capabilities are masked in every log line, including near-miss routes and 405s that never
    # reach the handler (on the loggers tornado and Jupyter use, and on the handlers they reach).
    # ``?token=`` values are masked in request logs (tornado's loggers and the app's request log
    # function), not in the server's own messages: its startup lines keep the URL a user logs in with.
    mask_logs(*(logging.getLogger(name) for name in ("tornado.access", "tornado.general", "tornado.application")))
    mask_logs(serverapp.log, *serverapp.log.handlers, *logging.getLogger().handlers, masker=ROUTE_MASKER)
    settings = serverapp.web_app.settings
    if callable(settings.get("log_function")):  # without one, tornado writes to tornado.access (masked above)
        settings["log_function"] = request_log(settings["log_function"])
    base_url = serverapp.base_url
    if registry.shared_runtime(serverapp.runtime_dir):
        serverapp.log.warning("osscb: the runtime directory %s is writable by other users; set "
                              "JUPYTER_RUNTIME_DIR to a private directory (mode 0700)", serverapp.runtime_dir)
    info = registry.publish_server(serverapp.runtime_dir, base_url)
    atexit.register(registry.retract_server, info)  # revoke every capability when the server stops
    pattern = url_path_join(base_url, ROUTE, r"([^/?]+)(?:/.*)?")
    serverapp.web_app.add_handlers(".*$", [(pattern, CallbackHandler, {"registry_dir": info.registry,
                                                                       "relay_id": secrets.token_hex(8)})])
    serverapp.log.info("osscb: scoped callback endpoint at %s%s/<capability>/ (registry %s)",
                       base_url, ROUTE, info.registry)


load_jupyter_server_extension = _load_jupyter_server_extension  # the pre-2.0 name

__all__ = ["RELAY_HEADER", "ROUTE", "load_jupyter_server_extension", "registry"]
