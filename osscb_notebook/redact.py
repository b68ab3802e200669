"""Keep secrets (a Jupyter token in the callback URL's query) out of everything people see."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, unquote_plus

from .verification import Trace

MASK = "***"
#: Query parameters whose values are credentials (jupyter-server-proxy needs ``?token=``).
DEFAULT_SECRET_PARAMS = ("token",)


def secrets_in_query(query: str, names: Iterable[str] = DEFAULT_SECRET_PARAMS) -> set[str]:
    """Raw and decoded values of the named query parameters."""
    wanted = {n.lower() for n in names}
    found: set[str] = set()
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if sep and unquote(key).lower() in wanted and value:
            found.add(value)
            found.add(unquote(value))
    for key, value in parse_qsl(query, keep_blank_values=False):
        if key.lower() in wanted and value:
            found.add(value)
    return found


#: The path segment after this is a capability of the Jupyter server extension (osscb_notebook.serverext).
CAPABILITY_ROUTE = "/osscb/callback/"


def secrets_in_url(url: str, names: Iterable[str] = DEFAULT_SECRET_PARAMS) -> set[str]:
    """:func:`secrets_in_query` of the URL's query, plus a scoped-endpoint capability in its path."""
    path, _, query = url.partition("#")[0].partition("?")
    found = secrets_in_query(query, names)
    if CAPABILITY_ROUTE in path:
        capability = path.split(CAPABILITY_ROUTE, 1)[1].split("/", 1)[0]
        if capability:
            found |= {capability, unquote(capability)}
    return found


def secrets_in_cookies(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Every cookie value of the ``Cookie`` headers (a browser sends its Jupyter session and
    ``_xsrf`` cookies to the server's origin, and so to a receiver behind it)."""
    found: set[str] = set()
    for name, value in headers:
        if name.lower() == "cookie":
            for item in value.split(";"):
                cookie_value = item.partition("=")[2].strip().strip('"')
                if cookie_value:
                    found.add(cookie_value)
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    # Longest first, so a decoded secret that is a substring of the raw one cannot leave a tail.
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 4:  # a 1-3 character "secret" would mangle ordinary text
            text = text.replace(secret, MASK)
    return text


def redact_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 4:
            data = data.replace(secret.encode("utf-8", "replace"), MASK.encode())
    return data


def redact_trace(trace: Trace, secrets: Iterable[str]) -> Trace:
    """A copy of the trace with every secret masked (the verdict is kept)."""
    secrets = set(secrets)
    if not secrets:
        return trace
    out = copy.deepcopy(trace)
    for step in out.steps:
        step.inputs = {k: redact(v, secrets) for k, v in step.inputs.items()}
        step.output = redact(step.output, secrets)
        step.cause = redact(step.cause, secrets)
    return out


def callback_secrets(value: str, names: Iterable[str] = DEFAULT_SECRET_PARAMS) -> set[str]:
    """Secrets in the callback URLs of a Base64 ``callback`` parameter (header, query or form);
    an undecodable value has none."""
    try:
        doc = json.loads(base64.b64decode(value.strip(), validate=False).decode("utf-8"))
    except (binascii.Error, ValueError):
        return set()
    url = doc.get("callbackUrl") if isinstance(doc, dict) else None
    if not isinstance(url, str):
        return set()
    found: set[str] = set()
    for one in url.split(";"):
        found |= secrets_in_url(one, names)
    return found


def redact_base64(value: str, secrets: Iterable[str]) -> str:
    """``value`` Base64-decoded, masked and re-encoded: a Base64 parameter must not carry a
    secret that anyone can decode back. Unchanged when there is nothing to mask."""
    secrets = set(secrets)
    try:
        text = base64.b64decode(value.strip(), validate=False).decode("utf-8")
    except (binascii.Error, ValueError):
        return value
    masked = redact(text, secrets)
    return value if masked == text else base64.b64encode(masked.encode("utf-8")).decode("ascii")


def redact_query_base64(query: str, name: str, secrets: Iterable[str]) -> str:
    """A raw query string with the Base64 parameter ``name`` masked (re-encoded) and every other
    occurrence of a secret masked too."""
    secrets = set(secrets)
    parts = []
    for item in query.split("&"):
        key, sep, value = item.partition("=")
        if sep and unquote(key) == name:
            item = key + "=" + quote(redact_base64(unquote_plus(value), secrets), safe="")
        parts.append(item)
    return redact("&".join(parts), secrets)


# -- logs ---------------------------------------------------------------------------------------
_ROUTE_IN_TEXT = re.compile(r"(osscb/+callback/+)([^/?#\s\"']+)", re.IGNORECASE)
_SECRET_PARAM_IN_TEXT = re.compile(r"([?&](?:{})=)[^&#\s\"']+".format("|".join(DEFAULT_SECRET_PARAMS)), re.IGNORECASE)


def _escape_controls(text: str) -> str:
    return "".join(c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}" for c in text)


def mask_log_text(text: str) -> str:
    """``text`` with every scoped-endpoint capability and ``?token=`` value masked, however the
    route is written: ``//osscb/callback/``, ``%2F`` for a slash, a percent-encoded capability,
    ``%00`` after it. When a capability is found in the percent-decoded text, the decoded text is
    what comes back (control characters escaped)."""
    out = _SECRET_PARAM_IN_TEXT.sub(lambda m: m.group(1) + MASK, text)
    decoded = out
    for _ in range(3):  # double-encoded too
        step = unquote(decoded, errors="replace")
        if step == decoded:
            break
        decoded = step
    if "callback" not in decoded.lower() or not _ROUTE_IN_TEXT.search(decoded):
        return out
    masked = _ROUTE_IN_TEXT.sub(lambda m: m.group(1) + MASK, decoded)
    return _escape_controls(_SECRET_PARAM_IN_TEXT.sub(lambda m: m.group(1) + MASK, masked))


class LogMasker(logging.Filter):
    """A logging filter that applies :func:`mask_log_text` to every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the logging module's to report
            return True
        masked = mask_log_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


LOG_MASKER = LogMasker()


def mask_logs(*targets: logging.Logger | logging.Handler) -> None:
    """Add :data:`LOG_MASKER` to each logger or handler (once); a logger's own handlers too."""
    for target in targets:
        items: list[logging.Filterer] = [target]
        if isinstance(target, logging.Logger):
            items += target.handlers
        for item in items:
            if LOG_MASKER not in item.filters:
                item.addFilter(LOG_MASKER)
