"""Callback verification: parse a request, resolve the key under an allowlist, trace each step."""

from .keys import (
    OFFICIAL_KEY_URLS,
    OFFICIAL_PREFIXES,
    OFFICIAL_PUBLIC_KEY_PEM,
    KeyResolver,
    ResolvedKey,
)
from .rawrequest import CapturedRequest, parse_raw_request
from .trace import STEP_ORDER, Step, Trace
from .verifier import verify_request, visible

__all__ = [
    "OFFICIAL_KEY_URLS", "OFFICIAL_PREFIXES", "OFFICIAL_PUBLIC_KEY_PEM", "STEP_ORDER", "CapturedRequest",
    "KeyResolver", "ResolvedKey", "Step", "Trace", "parse_raw_request", "verify_request", "visible",
]
