"""CopyObject: ``PUT`` with ``x-oss-copy-source``, the metadata directive and the copy-source
conditions. A copy onto itself with ``REPLACE`` is how SDKs update metadata
(``bucket.update_object_meta``): the bytes stay, the metadata changes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from . import _conditions
from ._common import (
    MAX_XML_BODY,
    bucket_and_key,
    check_overwrite,
    content_type,
    iso,
    object_acl,
    stored_headers,
)
from ._errors import OssError, no_such_bucket, no_such_key
from ._http import Response
from ._routing import check_key
from ._storage import ObjectMeta, TempFile
from ._xml import document, element

if TYPE_CHECKING:
    from ._app import App
    from ._call import Call


def copy_source(app: App, call: Call) -> tuple[str, ObjectMeta]:
    """The source bucket and object named by ``x-oss-copy-source: /bucket/key`` (key URL-encoded)."""
    raw = call.req.header("x-oss-copy-source") or ""
    path, _, query = raw.partition("?")
    if query:
        raise OssError(501, "NotImplemented",
                       "The local OSS emulator does not implement versioning (versionId in x-oss-copy-source).")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise OssError(400, "InvalidArgument", "Copy Source must mention the source bucket and key: /bucket/key.",
                       extra=[("ArgumentName", "x-oss-copy-source"), ("ArgumentValue", raw)])
    if not app.storage.bucket_exists(bucket):
        raise no_such_bucket(bucket)
    check_key(key)
    meta = app.storage.get(bucket, key)
    if meta is None:
        raise no_such_key(key)
    return bucket, meta


def source_not_modified(call: Call, src: ObjectMeta) -> Response | None:
    """Check the ``x-oss-copy-source-if-*`` conditions: 412 raised, or a 304 answer to return."""
    try:
        _conditions.check(src, call.req.header, prefix="x-oss-copy-source-")
    except _conditions.NotModified:
        return Response(304, [("ETag", src.quoted_etag)])
    return None


def read_source(app: App, bucket: str, meta: ObjectMeta, span: tuple[int, int] | None) -> TempFile:
    """The source bytes (all, or the inclusive ``span``) in a temp file with their digests."""
    temp = app.storage.new_temp()
    try:
        if span is None:
            temp.append_file(app.storage.blob_path(bucket, meta), meta.crc64)
        else:
            with app.storage.open(bucket, meta) as f:
                f.seek(span[0])
                left = span[1] - span[0] + 1
                while left > 0:
                    data = f.read(min(1024 * 1024, left))
                    if not data:
                        break
                    temp.write(data)
                    left -= len(data)
    except BaseException:
        temp.discard()
        raise
    return temp


def _directive(call: Call) -> str:
    raw = call.req.header("x-oss-metadata-directive")
    value = (raw or "COPY").strip().upper()
    if value not in ("COPY", "REPLACE"):
        raise OssError(400, "InvalidArgument", "Invalid x-oss-metadata-directive: use COPY or REPLACE.",
                       extra=[("ArgumentName", "x-oss-metadata-directive"), ("ArgumentValue", raw or "")])
    return value


def CopyObject(app: App, call: Call) -> Response:  # noqa: N802 - OSS's operation names
    bucket, key = bucket_and_key(app, call)
    req = call.req
    directive = _directive(call)
    src_bucket, src = copy_source(app, call)
    not_modified = source_not_modified(call, src)
    if not_modified is not None:
        return not_modified
    check_overwrite(app, bucket, key, req.header("x-oss-forbid-overwrite"))
    acl = object_acl(req.header("x-oss-object-acl"))  # the copy's own, never the source's [I]
    req.body.drain(MAX_XML_BODY)  # a copy has no body of its own
    if directive == "REPLACE":
        ctype, headers = content_type(req), stored_headers(req.headers)
    else:
        ctype, headers = src.content_type, dict(src.headers)
    try:
        temp = read_source(app, src_bucket, src, None)
    except FileNotFoundError:  # the source was replaced meanwhile: copy what is there now
        return CopyObject(app, call)
    meta = app.storage.commit(bucket, key, temp, content_type=ctype, headers=headers, object_type=src.object_type,
                              etag=src.etag, content_md5=src.content_md5, acl=acl)
    body = document("CopyObjectResult", [element("ETag", meta.quoted_etag), element("LastModified", iso(meta.last_modified))])
    return Response(200, [("Content-Type", "application/xml"), ("ETag", meta.quoted_etag),
                          ("x-oss-hash-crc64ecma", str(meta.crc64))], body)
