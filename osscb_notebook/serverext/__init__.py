"""The osscb Jupyter server extension: a scoped callback endpoint at ``{base_url}osscb/callback/``.

Enabled on ``pip install`` by ``etc/jupyter/jupyter_server_config.d/osscb_notebook.json``. A kernel
registers its receiver (``osscb_notebook.serverext.registry``); OSS then reaches exactly that
receiver through the server, with no Jupyter token in the callback URL.
"""

from __future__ import annotations

import atexit
from typing import Any

from . import registry

ROUTE = "osscb/callback"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "osscb_notebook.serverext"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from jupyter_server.utils import url_path_join

    from .handler import CallbackHandler

    base_url = serverapp.base_url
    info = registry.publish_server(serverapp.runtime_dir, base_url)
    atexit.register(registry.retract_server, info)  # revoke every capability when the server stops
    pattern = url_path_join(base_url, ROUTE, r"([^/?]+)(?:/.*)?")
    serverapp.web_app.add_handlers(".*$", [(pattern, CallbackHandler, {"registry_dir": info.registry})])
    serverapp.log.info("osscb: scoped callback endpoint at %s%s/<capability>/ (registry %s)",
                       base_url, ROUTE, info.registry)


load_jupyter_server_extension = _load_jupyter_server_extension  # the pre-2.0 name
