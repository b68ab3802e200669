"""OSS's naming rules, shared by the typed-in value checks (``_cliargs``), ``%config`` and the
emulator; pure, so every layer can import it without loading another."""

from __future__ import annotations

import re

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def valid_bucket_name(name: str) -> bool:
    """OSS's rule: 3-63 characters, lowercase letters, digits and '-', not starting/ending with '-'."""
    return bool(_BUCKET_NAME.match(name))
