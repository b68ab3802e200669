"""HTTP preconditions as OSS evaluates them: ``If-Match`` / ``If-None-Match`` /
``If-Modified-Since`` / ``If-Unmodified-Since`` on GetObject and HeadObject, and the
``x-oss-copy-source-if-*`` family on CopyObject and UploadPartCopy.

A failed ``*match`` or ``unmodified-since`` test is 412 ``PreconditionFailed``; a failed
``none-match`` or ``modified-since`` test is 304 Not Modified. Order follows RFC 7232 §6: an
``If-Match`` that holds makes ``If-Unmodified-Since`` moot, and likewise ``If-None-Match``
for ``If-Modified-Since``. Unparseable dates are ignored, as HTTP servers do.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime

from ._errors import OssError
from ._storage import ObjectMeta


class NotModified(Exception):
    """The object has not changed: answer 304 with its validators and no body."""


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _matches(value: str, etag: str) -> bool:
    wanted = [v.strip().removeprefix("W/").strip('"').upper() for v in value.split(",")]
    return "*" in wanted or etag.upper() in wanted


def precondition_failed(condition: str) -> OssError:
    return OssError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.",
                    extra=[("Condition", condition)])


def check(meta: ObjectMeta, header: Callable[[str], str | None], prefix: str = "") -> None:
    """Raise 412 :class:`OssError` or :class:`NotModified` unless ``meta`` meets the request's conditions.

    ``prefix`` is ``""`` for GET/HEAD and ``"x-oss-copy-source-"`` for the copy-source family. The
    error's ``Condition`` is ``If-Match`` / ``If-Unmodified-Since`` for both, as OSS names them
    (ali-oss's live ``copy()`` tests send ``x-oss-copy-source-if-match`` and expect
    ``(condition: If-Match)``).
    """
    modified = int(meta.last_modified)  # Last-Modified has whole seconds
    if_match = header(f"{prefix}if-match")
    if if_match is not None:
        if not _matches(if_match, meta.etag):
            raise precondition_failed("If-Match")
    else:
        since = _date(header(f"{prefix}if-unmodified-since"))
        if since is not None and modified > since:
            raise precondition_failed("If-Unmodified-Since")
    if_none = header(f"{prefix}if-none-match")
    if if_none is not None:
        if _matches(if_none, meta.etag):
            raise NotModified()
    else:
        since = _date(header(f"{prefix}if-modified-since"))
        if since is not None and modified <= since:
            raise NotModified()
