"""Keep secrets (a Jupyter token in the callback URL's query) out of everything people see."""

from __future__ import annotations

import base64
import binascii
import contextvars
import copy
import functools
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import TypeVar
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
#: Loggers of the libraries and kit modules that log URLs, headers or strings to sign in a kernel:
#: httpx's request line and httpcore's DEBUG lines (a presigned URL's ``?callback=<Base64>``, a
#: redirect's ``Location``), oss2's DEBUG headers and urllib3's request line (the ``x-oss-callback``
#: header, a presigned URL), and the emulator's own request line. A filter on a logger sees only the
#: records logged on that very logger, not its children's, so each is named.
KIT_LOGGERS = (
    "httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy", "httpcore.socks",
    "oss2", "oss2.api", "oss2.http", "oss2.auth", "oss2.models", "oss2.resumable", "urllib3.connectionpool",
    "osscb_notebook.emulator._server", "osscb_notebook.emulator._app", "osscb_notebook.emulator._records",
    "osscb_notebook.tunnels.jupyter",
)
# A separator is ``/`` or ``\`` (tornado logs a raw ``/osscb/callback\<CAP>/cb``; JSON may write ``\/``).
_ROUTE_IN_TEXT = re.compile(r"(osscb[/\\]+callback[/\\]+)([^/\\?#\s\"']+)", re.IGNORECASE)
# ``?token=`` / ``&token=``, raw or percent-encoded (``%3Ftoken%3D``, a redirect's ``next=`` in httpcore's DEBUG line).
_SECRET_PARAM_IN_TEXT = re.compile(
    r"((?:[?&]|%3F|%26)(?:{})(?:=|%3D))(?:%(?!26)|[^&#\s\"'%\\])+".format("|".join(DEFAULT_SECRET_PARAMS)),
    re.IGNORECASE)
# A Base64 run, raw or URL-encoded (``%2B``, ``%2F``, ``%3D``): a ``callback`` parameter or header.
_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9+/]|%2[BF]){24,}(?:=|%3D){0,2}", re.IGNORECASE)
_ENCODED_BASE64 = re.compile(r"%(2B|2F|3D)", re.IGNORECASE)
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def _decode_printable(text: str) -> str:
    """One round of percent-decoding that decodes printable ASCII only: ``%0a``, ``%00`` and any
    non-ASCII byte stay encoded, so decoding never creates a control character (a forged log line)."""
    def one(m: re.Match[str]) -> str:
        code = int(m.group(1), 16)
        return chr(code) if 0x20 <= code < 0x7F else m.group(0)

    return _PERCENT.sub(one, text)


def _escape_controls(text: str) -> str:
    return "".join(c if c.isprintable() or c in "\n\t" else f"\\x{ord(c):02x}" for c in text)


def _base64_text(run: str) -> str | None:
    value = _ENCODED_BASE64.sub(lambda m: chr(int(m.group(1), 16)), run)
    if len(value) % 4 == 1:
        return None
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _mask_base64(text: str, depth: int) -> str:
    """Each Base64 run whose decoded text carries a capability or a ``token=`` value, masked inside
    and re-encoded in the same form (raw or URL-encoded)."""
    def one(m: re.Match[str]) -> str:
        run = m.group(0)
        # a run glued to a word before it (``callback%3DeyJ...`` is two runs already): try a JSON start too
        starts = [0, *(i for i in (run.find("eyJ"), run.find("eyAi"), run.find("ewo")) if i > 0)]
        for start in starts:
            decoded = _base64_text(run[start:])
            if decoded is None:
                continue
            masked = _mask(decoded, tokens=True, depth=depth + 1)
            if masked == decoded:
                return run
            encoded = base64.b64encode(masked.encode("utf-8")).decode("ascii")
            return run[:start] + (quote(encoded, safe="") if "%" in run[start:] else encoded)
        return run

    return _BASE64_RUN.sub(one, text)


def _mask(text: str, *, tokens: bool, depth: int = 0) -> str:
    out = _mask_base64(text, depth) if depth < 2 else text
    if tokens:
        out = _SECRET_PARAM_IN_TEXT.sub(lambda m: m.group(1) + MASK, out)
    decoded = out
    for _ in range(3):  # double-encoded too
        step = _decode_printable(decoded)
        if step == decoded:
            break
        decoded = step
    if "callback" not in decoded.lower() or not _ROUTE_IN_TEXT.search(decoded):
        return out
    masked = _ROUTE_IN_TEXT.sub(lambda m: m.group(1) + MASK, decoded)
    if tokens:
        masked = _SECRET_PARAM_IN_TEXT.sub(lambda m: m.group(1) + MASK, masked)
    return _escape_controls(masked)


def mask_log_text(text: str, *, tokens: bool = True) -> str:
    """``text`` with every scoped-endpoint capability masked, however the route is written
    (``//osscb/callback/``, ``%2F`` or ``\\`` for a slash, a percent-encoded capability, ``%00``
    after it), and secrets inside Base64 runs (a ``callback`` parameter, raw or URL-encoded) masked
    and re-encoded. With ``tokens``, ``?token=`` values too (raw or percent-encoded).

    When a capability is found in the percent-decoded text, the decoded text is what comes back;
    only printable ASCII is decoded, so masking never turns ``%0a`` into a line of its own."""
    return _mask(text, tokens=tokens)


class LogMasker(logging.Filter):
    """A logging filter that applies :func:`mask_log_text` to every record's message.

    ``tokens=False`` leaves plain ``?token=`` values alone (capabilities and Base64-carried secrets
    are still masked), except in the records a request log writes (:func:`request_log`): the
    server's own startup lines keep the login URL a user must copy."""

    def __init__(self, *, tokens: bool = True) -> None:
        super().__init__()
        self.tokens = tokens

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the logging module's to report
            return True
        masked = mask_log_text(message, tokens=self.tokens or _IN_REQUEST_LOG.get())
        if masked != message:
            record.msg, record.args = masked, None
        return True


LOG_MASKER = LogMasker()
#: For a server's own loggers and handlers: capabilities and Base64 forms, plus tokens in request logs.
ROUTE_MASKER = LogMasker(tokens=False)
_IN_REQUEST_LOG: contextvars.ContextVar[bool] = contextvars.ContextVar("osscb_in_request_log", default=False)

_LogFunction = TypeVar("_LogFunction", bound=Callable[..., None])


def request_log(log_function: _LogFunction) -> _LogFunction:
    """``log_function`` (a tornado application's request logger, called with the handler) writing
    the request's URI and ``Referer`` masked, ``?token=`` values included, to whichever logger the
    handler uses (an extension app's own logger too); every record it writes meanwhile is masked as
    a request line by any :class:`LogMasker` it meets."""
    @functools.wraps(log_function)
    def logged(handler: object, *args: object, **kwargs: object) -> None:
        request = getattr(handler, "request", None)
        uri = getattr(request, "uri", None)
        headers = getattr(request, "headers", None)
        referer = headers.get("Referer") if headers is not None else None
        if isinstance(uri, str):
            request.uri = mask_log_text(uri)  # type: ignore[union-attr]
        if isinstance(referer, str):
            headers["Referer"] = mask_log_text(referer)  # type: ignore[index]
        mark = _IN_REQUEST_LOG.set(True)
        try:
            log_function(handler, *args, **kwargs)
        finally:
            _IN_REQUEST_LOG.reset(mark)
            if isinstance(uri, str):
                request.uri = uri  # type: ignore[union-attr]
            if isinstance(referer, str):
                headers["Referer"] = referer  # type: ignore[index]

    return logged  # type: ignore[return-value]


def mask_logs(*targets: logging.Logger | logging.Handler, masker: LogMasker = LOG_MASKER) -> None:
    """Add ``masker`` to each logger or handler (once); a logger's own handlers too."""
    for target in targets:
        items: list[logging.Filterer] = [target]
        if isinstance(target, logging.Logger):
            items += target.handlers
        for item in items:
            if not any(isinstance(f, LogMasker) and f.tokens == masker.tokens for f in item.filters):
                item.addFilter(masker)


mask_logs(*(logging.getLogger(name) for name in KIT_LOGGERS))
