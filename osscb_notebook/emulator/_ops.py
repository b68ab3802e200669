"""The service, bucket, listing, object and PostObject operations, one function each, named as
OSS names them. Multipart is in ``_multipart_ops``, CopyObject in ``_copy``; ``_table`` maps
requests to all of them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from collections.abc import Iterator
from email.utils import formatdate
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote

from . import _conditions, _policy
from ._common import (
    MAX_XML_BODY,
    STORED_HEADERS,
    bucket_and_key,
    check_overwrite,
    content_type,
    encode,
    iso,
    max_int_param,
    note_callback,
    object_acl,
    receive,
    stored_headers,
)
from ._errors import OssError, no_such_bucket, no_such_key
from ._formdata import FormReader, boundary_of
from ._http import Response
from ._routing import check_key
from ._storage import ObjectMeta
from ._uploads import finish, read_callback
from ._xml import document, element, parse_xml_body

if TYPE_CHECKING:
    from ._app import App
    from ._call import Call

#: DeleteMultipleObjects takes at most this many keys (OSS's limit).
MAX_DELETE_KEYS = 1000


def _owner(app: App) -> str:
    return f"<Owner>{element('ID', app.config.owner_id)}{element('DisplayName', app.config.owner_id)}</Owner>"


def _stored(app: App, call: Call) -> tuple[str, ObjectMeta]:
    """The request's bucket and the object it names; 404 ``NoSuchKey`` if there is none."""
    bucket, key = bucket_and_key(app, call)
    meta = app.storage.get(bucket, key)
    if meta is None:
        raise no_such_key(key)
    return bucket, meta


# ------------------------------------------------------------------ service and buckets


def ListBuckets(app: App, call: Call) -> Response:  # noqa: N802 - OSS's operation names
    """``GET /``: buckets in name order after ``marker``, starting with ``prefix``, ``max-keys`` a
    page (default 100, at most 1000, as OSS documents). ``Prefix``, ``Marker`` and ``MaxKeys`` are
    echoed when the request names any of them; ``IsTruncated`` too, and ``NextMarker`` on a cut page."""
    p = call.route.param
    prefix, marker = p("prefix") or "", p("marker") or ""
    max_keys = _max_keys(call)
    names = sorted(b for b in app.storage.list_buckets() if b.startswith(prefix) and b > marker)
    shown, truncated = names[:max_keys], len(names) > max_keys
    parts = []
    if any(call.route.has(name) for name in ("prefix", "marker", "max-keys")) or truncated:
        parts = [element("Prefix", prefix), element("Marker", marker), element("MaxKeys", max_keys),
                 element("IsTruncated", str(truncated).lower())]
        if truncated:
            parts.append(element("NextMarker", shown[-1]))
    buckets = "".join(
        "<Bucket>" + element("CreationDate", iso(app.storage.bucket_created(b))) + element("ExtranetEndpoint", call.req.host)
        + element("IntranetEndpoint", call.req.host) + element("Location", f"oss-{app.config.region}") + element("Name", b)
        + element("Region", app.config.region) + element("StorageClass", "Standard") + "</Bucket>"
        for b in shown
    )
    body = document("ListAllMyBucketsResult", [*parts, _owner(app), f"<Buckets>{buckets}</Buckets>"])
    return Response(200, [("Content-Type", "application/xml")], body)


def PutBucket(app: App, call: Call) -> Response:  # noqa: N802
    assert call.route.bucket is not None
    call.req.body.read_all(MAX_XML_BODY)  # CreateBucketConfiguration: storage class etc. do not apply here
    try:
        app.storage.create_bucket(call.route.bucket)
    except ValueError:
        raise OssError(400, "InvalidBucketName", "The specified bucket is not valid.",
                       extra=[("BucketName", call.route.bucket)]) from None
    return Response(200, [("Location", f"/{call.route.bucket}")])


def DeleteBucket(app: App, call: Call) -> Response:  # noqa: N802
    bucket = call.route.bucket
    assert bucket is not None
    app.require_bucket(bucket)
    if not app.storage.delete_bucket(bucket):
        raise OssError(409, "BucketNotEmpty", "The bucket you tried to delete is not empty.",
                       extra=[("BucketName", bucket)])
    return Response(204)


def _list(app: App, bucket: str, prefix: str, after: str, delimiter: str, max_keys: int
          ) -> tuple[list[ObjectMeta], list[str], bool, str]:
    contents: list[ObjectMeta] = []
    prefixes: list[str] = []
    last = ""
    after_b = after.encode("utf-8")
    for meta in app.storage.sorted_objects(bucket):
        key = meta.key
        if not key.startswith(prefix) or key.encode("utf-8") <= after_b:
            continue
        if delimiter and after.endswith(delimiter) and key.startswith(after):
            continue  # the previous page ended on this common prefix
        common = None
        if delimiter:
            i = key.find(delimiter, len(prefix))
            if i >= 0:
                common = key[: i + len(delimiter)]
        if common is not None and prefixes and prefixes[-1] == common:
            continue
        if len(contents) + len(prefixes) >= max_keys:
            return contents, prefixes, True, last
        if common is not None:
            prefixes.append(common)
            last = common
        else:
            contents.append(meta)
            last = key
    return contents, prefixes, False, ""


def _max_keys(call: Call) -> int:
    return max_int_param(call, "max-keys", 100, 1000)


def _contents_xml(app: App, metas: list[ObjectMeta], encoded: bool, owner: bool) -> list[str]:
    out = []
    for m in metas:
        xml = (element("Key", encode(m.key, encoded)) + element("LastModified", iso(m.last_modified))
               + element("ETag", m.quoted_etag) + element("Type", m.object_type) + element("Size", m.size)
               + element("StorageClass", "Standard"))
        if owner:
            xml += _owner(app)
        out.append(f"<Contents>{xml}</Contents>")
    return out


def ListObjects(app: App, call: Call) -> Response:  # noqa: N802
    bucket = call.route.bucket
    assert bucket is not None
    app.require_bucket(bucket)
    p = call.route.param
    prefix, marker, delimiter = p("prefix") or "", p("marker") or "", p("delimiter") or ""
    encoded = p("encoding-type") == "url"
    max_keys = _max_keys(call)
    contents, prefixes, truncated, next_marker = _list(app, bucket, prefix, marker, delimiter, max_keys)
    parts = [element("Name", bucket), element("Prefix", encode(prefix, encoded)),
             element("Marker", encode(marker, encoded)), element("MaxKeys", max_keys),
             element("Delimiter", encode(delimiter, encoded)), element("IsTruncated", str(truncated).lower())]
    if truncated:
        parts.append(element("NextMarker", encode(next_marker, encoded)))
    if encoded:
        parts.append(element("EncodingType", "url"))
    parts += _contents_xml(app, contents, encoded, True)
    parts += [f"<CommonPrefixes>{element('Prefix', encode(c, encoded))}</CommonPrefixes>" for c in prefixes]
    return Response(200, [("Content-Type", "application/xml")], document("ListBucketResult", parts))


def ListObjectsV2(app: App, call: Call) -> Response:  # noqa: N802
    bucket = call.route.bucket
    assert bucket is not None
    app.require_bucket(bucket)
    p = call.route.param
    prefix, delimiter, start_after = p("prefix") or "", p("delimiter") or "", p("start-after") or ""
    token = p("continuation-token")
    encoded = p("encoding-type") == "url"
    after = start_after
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode("utf-8")
        except (binascii.Error, ValueError):
            raise OssError(400, "InvalidArgument", "The continuation token provided is incorrect.") from None
    max_keys = _max_keys(call)
    contents, prefixes, truncated, next_marker = _list(app, bucket, prefix, after, delimiter, max_keys)
    parts = [element("Name", bucket), element("Prefix", encode(prefix, encoded))]
    if start_after:
        parts.append(element("StartAfter", encode(start_after, encoded)))
    if token:
        parts.append(element("ContinuationToken", token))
    parts += [element("MaxKeys", max_keys), element("Delimiter", encode(delimiter, encoded)),
              element("IsTruncated", str(truncated).lower())]
    if truncated:
        parts.append(element("NextContinuationToken", base64.urlsafe_b64encode(next_marker.encode()).decode()))
    if encoded:
        parts.append(element("EncodingType", "url"))
    parts.append(element("KeyCount", len(contents) + len(prefixes)))
    parts += _contents_xml(app, contents, encoded, p("fetch-owner") == "true")
    parts += [f"<CommonPrefixes>{element('Prefix', encode(c, encoded))}</CommonPrefixes>" for c in prefixes]
    return Response(200, [("Content-Type", "application/xml")], document("ListBucketResult", parts))


# ------------------------------------------------------------------ objects


def PutObject(app: App, call: Call) -> Response:  # noqa: N802
    bucket, key = bucket_and_key(app, call)
    req, r = call.req, call.route
    spec = read_callback(app, header=req.header("x-oss-callback"), query=r.param("callback"),
                         var_header=req.header("x-oss-callback-var"), var_query=r.param("callback-var"))
    note_callback(call, spec)
    check_overwrite(app, bucket, key, req.header("x-oss-forbid-overwrite"))
    acl = object_acl(req.header("x-oss-object-acl"))
    temp = receive(app, req)
    meta = app.storage.commit(bucket, key, temp, content_type=content_type(req),
                              headers=stored_headers(req.headers), acl=acl)
    return finish(app, call, bucket, meta, spec, operation="PutObject", plain=Response(200))


def PutObjectAcl(app: App, call: Call) -> Response:  # noqa: N802
    """``PUT /key?acl`` with ``x-oss-object-acl``: the object's ACL. Stored and reported; the
    emulator still refuses every anonymous request, so ``public-read`` opens nothing."""
    bucket, key = bucket_and_key(app, call)
    acl = object_acl(call.req.header("x-oss-object-acl"), required=True)
    call.req.body.drain(MAX_XML_BODY)
    if app.storage.set_acl(bucket, key, acl) is None:
        raise no_such_key(key)
    return Response(200)


def GetObjectAcl(app: App, call: Call) -> Response:  # noqa: N802
    """``GET /key?acl``: OSS's ``AccessControlPolicy`` (owner, then the one grant)."""
    _, meta = _stored(app, call)
    owner = _owner(app)
    grant = f"<AccessControlList>{element('Grant', meta.acl)}</AccessControlList>"
    return Response(200, [("Content-Type", "application/xml")], document("AccessControlPolicy", [owner, grant]))


def _object_headers(meta: ObjectMeta) -> list[tuple[str, str]]:
    headers = [("Content-Type", meta.content_type), ("ETag", meta.quoted_etag),
               ("Last-Modified", formatdate(meta.last_modified, usegmt=True)), ("Accept-Ranges", "bytes"),
               ("x-oss-object-type", meta.object_type), ("x-oss-storage-class", "Standard"),
               ("x-oss-hash-crc64ecma", str(meta.crc64))]
    if meta.content_md5:
        headers.append(("Content-MD5", meta.content_md5))
    headers += [(k.title() if not k.startswith("x-oss-") else k, v) for k, v in meta.headers.items()]
    return headers


def _range(spec: str | None, size: int) -> tuple[int, int] | None:
    """A single ``bytes=a-b`` range; OSS ignores a malformed one and returns the whole object."""
    if not spec or not spec.startswith("bytes=") or "," in spec:
        return None
    first, _, last = spec[6:].strip().partition("-")
    try:
        if first == "":
            n = int(last)
            return (max(size - n, 0), size - 1) if n > 0 and size else None
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start > end:
        return None
    if start >= size:
        raise OssError(416, "InvalidRange", "The requested range cannot be satisfied.")
    return start, min(end, size - 1)


def _stream(f: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        f.seek(start)
        while length > 0:
            data = f.read(min(256 * 1024, length))
            if not data:
                return
            length -= len(data)
            yield data
    finally:
        f.close()


def _get_or_head(app: App, call: Call, with_body: bool) -> Response:
    bucket, meta = _stored(app, call)
    headers = _object_headers(meta)
    try:
        _conditions.check(meta, call.req.header)
    except _conditions.NotModified:
        kept = ("etag", "last-modified", "cache-control", "expires", "content-location")
        return Response(304, [(k, v) for k, v in headers if k.lower() in kept])
    for name in ("content-type", "content-language", "expires", "cache-control", "content-disposition",
                 "content-encoding"):
        override = call.route.param(f"response-{name}")
        if override is not None:
            headers = [(k, v) for k, v in headers if k.lower() != name] + [(name.title(), override)]
    span = _range(call.req.header("range"), meta.size)
    status, start, length = 200, 0, meta.size
    if span is not None:
        status, start, length = 206, span[0], span[1] - span[0] + 1
        headers.append(("Content-Range", f"bytes {span[0]}-{span[1]}/{meta.size}"))
    if not with_body:
        return Response(status, headers, b"", length=length)
    try:
        f = app.storage.open(bucket, meta)
    except FileNotFoundError:  # replaced between reading the metadata and opening the blob
        return _get_or_head(app, call, with_body)
    return Response(status, headers, _stream(f, start, length), length=length)


def GetObject(app: App, call: Call) -> Response:  # noqa: N802
    return _get_or_head(app, call, True)


def HeadObject(app: App, call: Call) -> Response:  # noqa: N802
    return _get_or_head(app, call, False)


def DeleteObject(app: App, call: Call) -> Response:  # noqa: N802
    bucket, key = bucket_and_key(app, call)
    app.storage.delete(bucket, key)
    return Response(204)


def GetObjectMeta(app: App, call: Call) -> Response:  # noqa: N802
    """``HEAD ?objectMeta``: ETag, size, Last-Modified and CRC-64 only."""
    _, meta = _stored(app, call)
    headers = [("ETag", meta.quoted_etag), ("Last-Modified", formatdate(meta.last_modified, usegmt=True)),
               ("x-oss-hash-crc64ecma", str(meta.crc64))]
    return Response(200, headers, b"", length=meta.size)


def DeleteMultipleObjects(app: App, call: Call) -> Response:  # noqa: N802
    """``POST /?delete``: up to 1000 keys; ``Quiet`` true lists only failures (never any here)."""
    bucket = call.route.bucket
    assert bucket is not None
    app.require_bucket(bucket)
    req = call.req
    if req.header("content-md5") is None:
        raise OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.",
                       extra=[("ArgumentName", "Content-MD5"), ("ArgumentValue", "")])
    data = req.body.read_all(MAX_XML_BODY)
    if base64.b64encode(hashlib.md5(data).digest()).decode() != (req.header("content-md5") or "").strip():
        raise OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    malformed = OssError(400, "MalformedXML",
                         "The XML you provided was not well-formed or did not validate against our published schema.")
    root = parse_xml_body(data)
    keys = [(o.findtext("Key") or "") for o in root.findall("Object")]
    if root.tag != "Delete" or not keys or len(keys) > MAX_DELETE_KEYS or any(not k for k in keys):
        raise malformed
    for key in keys:
        check_key(key)  # refuse the whole request before deleting anything
    quiet = (root.findtext("Quiet") or "false").strip().lower() == "true"
    for key in keys:
        app.storage.delete(bucket, key)
    encoded = call.route.param("encoding-type") == "url"
    xml = [] if quiet else [f"<Deleted>{element('Key', encode(k, encoded))}</Deleted>" for k in keys]
    if encoded:
        xml.insert(0, element("EncodingType", "url"))
    return Response(200, [("Content-Type", "application/xml")], document("DeleteResult", xml))


# ------------------------------------------------------------------ PostObject


def PostObject(app: App, call: Call) -> Response:  # noqa: N802
    bucket = call.route.bucket
    assert bucket is not None
    req = call.req
    if not app.storage.bucket_exists(bucket):
        raise no_such_bucket(bucket)
    reader = FormReader(req.body, boundary_of(req.header("content-type") or ""))
    fields: dict[str, str] = {}  # lowercased names, first value wins
    custom: dict[str, str] = {}  # "x:" fields keep their case: OSS wants them lowercase
    meta_headers: dict[str, str] = {}
    for part in reader.parts():
        if part.name.lower() != "file":
            value = reader.read_value()
            fields.setdefault(part.name.lower(), value)
            if part.name.startswith(("x:", "X:")):
                custom[part.name] = value
            elif part.name.lower().startswith("x-oss-meta-") or part.name.lower() in STORED_HEADERS:
                meta_headers[part.name.lower()] = value
            continue
        # The file comes last: everything is known, so check it all before storing a byte.
        call.auth = "post-" + _policy.check_signature(fields, app.credentials)
        if "key" not in fields:
            raise OssError(400, "InvalidArgument", "The key form field is missing.",
                           extra=[("ArgumentName", "key"), ("ArgumentValue", "")])
        key = fields["key"].replace("${filename}", part.filename or "")
        check_key(key)
        if call.record is not None:
            call.record.key = key
        size_range = None
        if fields.get("policy"):
            policy = _policy.decode_policy(fields["policy"])
            size_range = _policy.check_conditions(policy, {**fields, "bucket": bucket, "key": key})
        spec = read_callback(app, header=None, query=None, var_header=None, var_query=None,
                             form=fields.get("callback") or None, form_var=fields.get("callback-var") or None,
                             form_fields=custom)
        note_callback(call, spec)
        check_overwrite(app, bucket, key, fields.get("x-oss-forbid-overwrite"))
        acl = object_acl(fields.get("x-oss-object-acl"))
        temp = app.storage.new_temp()
        try:
            for chunk in reader.stream():
                temp.write(chunk)
            _policy.check_size(size_range, temp.digests.size)
        except BaseException:
            temp.discard()
            raise
        ctype = (fields.get("content-type") or part.content_type or mimetypes.guess_type(key)[0]
                 or "application/octet-stream")
        meta = app.storage.commit(bucket, key, temp, content_type=ctype, headers=meta_headers, acl=acl)
        return finish(app, call, bucket, meta, spec, operation="PostObject",
                      plain=_post_plain(call, fields.get("success_action_status"), bucket, key, meta))
    raise OssError(400, "InvalidArgument", "The file form field is missing or is not the last field.",
                   extra=[("ArgumentName", "file"), ("ArgumentValue", "")])


def _post_plain(call: Call, status: str | None, bucket: str, key: str, meta: ObjectMeta) -> Response:
    """``success_action_status``: 200 and 201 as asked, anything else 204 (OSS's default)."""
    if status == "200":
        return Response(200)
    if status == "201":
        location = f"http://{call.host_id}/{quote(key)}"
        body = document("PostResponse", [element("Bucket", bucket), element("Location", location),
                                         element("Key", key), element("ETag", meta.quoted_etag)])
        return Response(201, [("Content-Type", "application/xml")], body)
    return Response(204)
