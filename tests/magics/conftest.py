"""Fixtures for the magic tests: an IPython shell with the extension loaded, and a fresh session
per test, stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.support.session import G1, g1, session

__all__ = ["G1", "g1", "ip", "session"]


@pytest.fixture
def ip() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "osscb_notebook")
    try:
        yield shell
    finally:
        shell.run_line_magic("unload_ext", "osscb_notebook")
