"""One strict integer parser for every number a request carries (query, header, XML)."""

from __future__ import annotations

#: Enough for any epoch second, byte count or part number; longer is refused before int().
MAX_DIGITS = 18


def strict_int(text: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """``text`` as a non-negative int if it is 1..``max_digits`` ASCII digits, else ``None``.

    ``str.isdigit`` accepts ``²`` and other scripts' digits that ``int()`` then refuses or reads
    differently, and ``int()`` of thousands of digits is slow or raises: both were 500s.
    """
    if text is None or not 0 < len(text) <= max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
