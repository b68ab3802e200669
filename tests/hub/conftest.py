"""A real JupyterHub (default auth settings) with four students, for tests/hub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hub.hub_harness import CLASS_PER_USER, CLASS_SCOPED, Hub, start_hub


@pytest.fixture(scope="package")
def hub(tmp_path_factory) -> Iterator[Hub]:  # noqa: ANN001
    h = start_hub(tmp_path_factory.mktemp("hub"), per_user=CLASS_PER_USER)
    try:
        names = [*CLASS_SCOPED, *CLASS_PER_USER]
        ready = h.start_servers(names)
        assert set(ready) == set(names), f"servers not ready: {set(names) - set(ready)}; see {h.log}"
        yield h
    finally:
        h.stop()
