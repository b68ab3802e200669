"""The one owner of secret masking in what people see (reports, widget text and HTML, definitions).

Built on :mod:`osscb_notebook.redact`. Besides secrets passed explicitly, every mask also applies
the secrets of registered sources (the session registers its open tunnel's token), so no front end
has to remember to pass them.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Iterable
from urllib.parse import quote

from ..redact import redact

SecretSource = Callable[[], Iterable[str]]
HIDDEN = "<hidden: carries a secret token>"

_SOURCES: list[SecretSource] = []
_LOCK = threading.Lock()


def add_secret_source(source: SecretSource) -> Callable[[], None]:
    """Mask whatever ``source()`` returns in everything masked from now on; returns a remover."""
    with _LOCK:
        _SOURCES.append(source)

    def remove() -> None:
        with _LOCK:
            if source in _SOURCES:
                _SOURCES.remove(source)

    return remove


def current_secrets(extra: Iterable[str] = ()) -> set[str]:
    """``extra`` plus every registered source's secrets."""
    found = {s for s in extra if s}
    with _LOCK:
        sources = list(_SOURCES)
    for source in sources:
        found.update(s for s in source() if s)
    return found


def _carries(value: str, secrets: set[str]) -> bool:
    try:
        decoded = base64.b64decode(value).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return False
    return any(s in decoded for s in secrets)


def mask(text: str, secrets: Iterable[str] = (), *, encoded: Iterable[str | None] = ()) -> str:
    """``text`` with every secret masked. A Base64 value in ``encoded`` (the ``callback`` header)
    that decodes to something carrying a secret is replaced whole, raw and URL-quoted."""
    found = current_secrets(secrets)
    if not found:
        return text
    for value in encoded:
        if value and _carries(value, found):
            text = text.replace(quote(value, safe=""), HIDDEN).replace(value, HIDDEN)
    return redact(text, found)
