"""A real JupyterHub (default auth settings) with four students, for tests/hub."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hub_harness import DISABLE, Hub, start_hub  # noqa: E402

SCOPED = ("alice", "bob")
#: carol: the extension disabled, the hub's defaults (token in URL ignored); dave: disabled, and the
#: hub admin's JUPYTERHUB_ALLOW_TOKEN_IN_URL=1 for him, so the jupyter-server-proxy fallback works.
PER_USER: dict[str, dict[str, object]] = {
    "carol": {"args": [DISABLE]},
    "dave": {"args": [DISABLE], "environment": {"JUPYTERHUB_ALLOW_TOKEN_IN_URL": "1"}},
}


@pytest.fixture(scope="package")
def hub(tmp_path_factory) -> Iterator[Hub]:  # noqa: ANN001
    h = start_hub(tmp_path_factory.mktemp("hub"), per_user=PER_USER)
    try:
        names = [*SCOPED, *PER_USER]
        ready = h.start_servers(names)
        assert set(ready) == set(names), f"servers not ready: {set(names) - set(ready)}; see {h.log}"
        yield h
    finally:
        h.stop()
