"""Checks for values a user types: ports, bucket names, sizes, seconds, URLs, log files and PEM keys.

Each ``check_*`` function raises :class:`ValueError` with a message that says what is wrong and
what would be right; the Python API calls them directly. ``arg(check_*)`` wraps one as an argparse
``type=``, so the command line reports the same message as one line and exits 2.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def _int(value: str | int, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    if isinstance(value, int):
        return value
    text = value.strip()
    # only ASCII digits: int() would also take "1_0" or other scripts' digits
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    return int(text)


def check_port(value: str | int) -> int:
    """A TCP port: 0 (any free one) to 65535."""
    port = _int(value, "the port")
    if not 0 <= port <= 65535:
        raise ValueError(f"{port} is not a port: use 1-65535, or 0 for any free one")
    return port


def check_positive_int(value: str | int, what: str = "the value") -> int:
    """A whole number >= 1 (a size in bytes, a count)."""
    number = _int(value, what)
    if number < 1:
        raise ValueError(f"{what} must be at least 1, not {number}")
    return number


def check_positive_seconds(value: str | float, what: str = "the timeout") -> float:
    """A finite number of seconds greater than 0 (``inf``, ``nan``, 0 and negatives refused)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number of seconds, not {value!r}")
    try:
        seconds = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds, not {value!r}") from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{what} must be a finite number of seconds above 0, not {value!r}")
    return seconds


def check_bucket_name(value: str) -> str:
    """OSS's bucket naming rule (the emulator's and the SDKs'): 3-63 of a-z, 0-9 and '-'."""
    from .emulator._config import valid_bucket_name

    if not valid_bucket_name(value):
        raise ValueError(f"{value!r} is not a valid bucket name: use 3-63 characters of a-z, 0-9 and '-', "
                         "starting and ending with a letter or digit")
    return value


def check_http_url(value: str) -> str:
    """An absolute ``http://`` or ``https://`` URL with a host, no spaces or control characters."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"{value!r} is not a URL: it contains spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL: write it like http://127.0.0.1:9000")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    return value


def check_writable_file(value: str | os.PathLike[str]) -> str:
    """A file that can be appended to: not a directory, in a folder that exists and is writable.

    Checked by opening it for appending (a file this check creates is removed again), so what
    counts is what the operating system allows, not guesses from permission bits."""
    path = Path(value)
    if path.is_dir():
        raise ValueError(f"{str(value)!r} is a directory: name a file in it, e.g. {str(path / 'callbacks.jsonl')!r}")
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise ValueError(f"cannot write to {str(value)!r}: {exc.strerror or exc}") from None
    if not existed:
        path.unlink(missing_ok=True)
    return str(value)


def check_public_key_pem(data: bytes, source: str = "the public key") -> bytes:
    """An RSA public key in PEM form (SPKI or PKCS#1); empty, garbage or another algorithm is refused."""
    from .callback.signing import load_public_key

    if not data.strip():
        raise ValueError(f"{source} is empty: it must hold a PEM RSA public key (-----BEGIN PUBLIC KEY-----)")
    try:
        load_public_key(data)
    except Exception as exc:  # noqa: BLE001 - cryptography raises ValueError, TypeError or UnsupportedAlgorithm
        raise ValueError(f"{source} is not a PEM RSA public key ({exc})") from None
    return data


def arg(check: Callable[[str], T], metavar: str = "") -> Callable[[str], T]:
    """``check`` as an argparse ``type=``: its message becomes argparse's (one line, exit 2)."""
    import argparse

    def convert(text: str) -> T:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = metavar or check.__name__.removeprefix("check_")
    return convert
