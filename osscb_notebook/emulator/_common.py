"""Helpers the operation modules share: bucket/key checks, body intake, stored headers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote

from ._errors import OssError
from ._http import Request
from ._ints import strict_int
from ._routing import check_key
from ._storage import TempFile
from ._xml import truncate_echo

if TYPE_CHECKING:
    from ._app import App
    from ._call import Call

#: Request headers stored with an object and returned by GetObject/HeadObject.
STORED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires")
MAX_XML_BODY = 4 * 1024 * 1024
#: What OSS stores when a PUT carries no Content-Type; it never guesses from the key (SDKs do that).
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def stored_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        low = name.lower()
        if low in STORED_HEADERS or low.startswith("x-oss-meta-"):
            out.setdefault(low, value)
    return out


def bucket_and_key(app: App, call: Call) -> tuple[str, str]:
    bucket, key = call.route.bucket, call.route.key
    assert bucket is not None and key is not None
    app.require_bucket(bucket)
    check_key(key)
    return bucket, key


def receive(app: App, req: Request) -> TempFile:
    """Stream the body to a temp file, checking ``Content-MD5`` when the client sent one."""
    temp = app.storage.new_temp()
    try:
        for chunk in req.body.chunks():
            temp.write(chunk)
        md5 = req.header("content-md5")
        if md5 is not None and md5.strip() != temp.digests.content_md5:
            raise OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    except BaseException:
        temp.discard()
        raise
    return temp


#: OSS's object ACLs; ``default`` means the bucket's ACL.
OBJECT_ACLS = ("default", "private", "public-read", "public-read-write")


def object_acl(raw: str | None, fallback: str = "default", *, required: bool = False) -> str:
    """An ``x-oss-object-acl`` header (or PostObject field), checked: absent is ``fallback``; an
    unknown value is OSS's 400
    (``no such object access control exists``, EC 0017-00000104, from the Swift SDK V2's
    integration test), and with ``required`` (PutObjectAcl) so is an absent or empty one
    (EC 0017-00000105, OSS's error-code page)."""
    if raw is None and not required:
        return fallback
    value = (raw or "").strip()
    if value not in OBJECT_ACLS:
        raise OssError(400, "InvalidArgument", "no such object access control exists",
                       extra=[("ArgumentName", "x-oss-object-acl"), ("ArgumentValue", truncate_echo(raw or ""))],
                       ec="0017-00000104" if value else "0017-00000105")
    return value


def check_overwrite(app: App, bucket: str, key: str, forbid: str | None) -> None:
    """``x-oss-forbid-overwrite: true`` refuses to replace an existing object (409)."""
    if (forbid or "").strip().lower() == "true" and app.storage.get(bucket, key) is not None:
        raise OssError(409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")


def content_type(req: Request) -> str:
    return req.header("content-type") or DEFAULT_CONTENT_TYPE


def encode(value: str, encoded: bool) -> str:
    return quote(value, safe="/") if encoded else value


def note_callback(call: Call, spec: object) -> None:
    from ._uploads import CallbackSpec

    if call.record is not None and isinstance(spec, CallbackSpec):
        call.record.callback = spec.raw
        call.record.callback_var = dict(spec.variables)
        call.record.callback_transport = spec.transport


def max_int_param(call: Call, name: str, default: int, top: int) -> int:
    """A ``max-*`` query parameter: an integer in 1..``top``, else 400 ``InvalidArgument``."""
    raw = call.route.param(name)
    if raw is None:
        return default
    n = strict_int(raw)
    if n is None or not 1 <= n <= top:
        raise OssError(400, "InvalidArgument", f"Argument {name} must be an integer between 1 and {top}.",
                       extra=[("ArgumentName", name), ("ArgumentValue", truncate_echo(raw))])
    return n
