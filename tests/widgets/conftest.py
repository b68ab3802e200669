"""Fixtures for widget tests: a fresh session per test, stopped afterwards."""

from tests.support.session import G1, g1, session

__all__ = ["G1", "g1", "session"]
