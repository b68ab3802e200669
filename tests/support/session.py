"""Fixtures for the widget and magic tests: OSS's documented callback (G1) and a fresh kit session
per test, stopped afterwards. Imported by ``tests/magics`` and ``tests/widgets`` conftests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from osscb_notebook.session import Session, reset_session

G1 = Path(__file__).parent.parent / "data" / "g1.http"


@pytest.fixture
def g1() -> bytes:
    return G1.read_bytes()


@pytest.fixture
def session() -> Iterator[Session]:
    s = reset_session()
    try:
        yield s
    finally:
        s.close()
