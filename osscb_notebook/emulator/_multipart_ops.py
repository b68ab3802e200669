"""The multipart operations: initiate, upload (or copy) parts, list parts and uploads, complete, abort."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ._common import (
    MAX_XML_BODY,
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
from ._copy import copy_source, read_source, source_not_modified
from ._errors import OssError
from ._http import Response
from ._ints import strict_int
from ._multipart import MAX_PART_NUMBER, Part, Upload
from ._storage import TempFile
from ._uploads import finish, read_callback
from ._xml import document, element, malformed_xml, parse_xml_body, truncate_echo

if TYPE_CHECKING:
    from ._app import App
    from ._call import Call

MAX_LIST = 1000
#: The EC of OSS's 404 NoSuchUpload per operation, as Go SDK V2 1.6.1's live tests assert them
#: (client_integration_object_multipart_test.go, client_integration_presign_test.go);
#: CompleteMultipartUpload's is not known, so its NoSuchUpload carries no EC.
NO_SUCH_UPLOAD_EC = {"UploadPart": "0042-00000104", "UploadPartCopy": "0042-00000311",
                     "ListParts": "0042-00000002", "AbortMultipartUpload": "0042-00000002"}


def _upload(app: App, call: Call, bucket: str, key: str) -> Upload:
    """The upload named by ``uploadId``, or OSS's 404 NoSuchUpload with this operation's EC."""
    try:
        return app.multipart.get(call.route.param("uploadId") or "", bucket, key)
    except OssError as exc:
        if exc.code == "NoSuchUpload":
            exc.ec = NO_SUCH_UPLOAD_EC.get(call.operation, exc.ec)
        raise


def InitiateMultipartUpload(app: App, call: Call) -> Response:  # noqa: N802 - OSS's operation names
    bucket, key = bucket_and_key(app, call)
    acl = object_acl(call.req.header("x-oss-object-acl"))
    call.req.body.drain(MAX_XML_BODY)
    upload = app.multipart.initiate(bucket, key, content_type(call.req), stored_headers(call.req.headers), acl,
                                    sequential=call.route.has("sequential"))
    encoded = call.route.param("encoding-type") == "url"
    parts = [element("Bucket", bucket), element("Key", encode(key, encoded)), element("UploadId", upload.upload_id)]
    if encoded:
        parts.insert(0, element("EncodingType", "url"))
    return Response(200, [("Content-Type", "application/xml")], document("InitiateMultipartUploadResult", parts))


def _part_number(call: Call) -> int:
    raw = call.route.param("partNumber") or ""
    number = strict_int(raw)
    if number is None or not 1 <= number <= MAX_PART_NUMBER:
        raise OssError(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.",
                       extra=[("ArgumentName", "partNumber"), ("ArgumentValue", truncate_echo(raw))])
    return number


def _part_headers(part: Part) -> list[tuple[str, str]]:
    return [("ETag", f'"{part.etag}"'), ("x-oss-hash-crc64ecma", str(part.crc64)),
            ("Content-MD5", base64.b64encode(bytes.fromhex(part.etag)).decode())]


def UploadPart(app: App, call: Call) -> Response:  # noqa: N802
    """A part has no ACL: ``x-oss-object-acl`` here is ignored, as OSS ignores it (oss2's live
    ``test_multipart_yes`` sends it and succeeds); the object's ACL comes with Complete."""
    bucket, key = bucket_and_key(app, call)
    number = _part_number(call)
    upload = _upload(app, call, bucket, key)
    part = app.multipart.put_part(upload, number, receive(app, call.req))
    return Response(200, _part_headers(part))


def _copy_range(spec: str | None, size: int) -> tuple[int, int] | None:
    """``x-oss-copy-source-range: bytes=a-b`` (both ends inclusive); absent means the whole object."""
    if spec is None:
        return None
    first, sep, last = spec.strip().removeprefix("bytes=").partition("-")
    try:
        start, end = int(first), (int(last) if last.strip() else size - 1)
    except ValueError:
        start, end = -1, -1
    if not sep or start < 0 or start > end or start >= size:
        raise OssError(416, "InvalidRange", "The requested range cannot be satisfied.",
                       extra=[("ArgumentName", "x-oss-copy-source-range"), ("ArgumentValue", spec)])
    return start, min(end, size - 1)


def UploadPartCopy(app: App, call: Call) -> Response:  # noqa: N802
    bucket, key = bucket_and_key(app, call)
    number = _part_number(call)
    upload = _upload(app, call, bucket, key)
    src_bucket, src = copy_source(app, call)
    not_modified = source_not_modified(call, src)
    if not_modified is not None:
        return not_modified
    span = _copy_range(call.req.header("x-oss-copy-source-range"), src.size)
    call.req.body.drain(MAX_XML_BODY)
    # always read the bytes: a part's ETag is the MD5 of its own bytes
    temp: TempFile = read_source(app, src_bucket, src, span if span is not None else (0, src.size - 1))
    part = app.multipart.put_part(upload, number, temp)
    body = document("CopyPartResult", [element("LastModified", iso(part.last_modified)),
                                       element("ETag", f'"{part.etag}"')])
    return Response(200, [("Content-Type", "application/xml")] + _part_headers(part), body)


def _wanted_parts(app: App, call: Call, upload: Upload) -> list[tuple[int, str]]:
    if (call.req.header("x-oss-complete-all") or "").lower() == "yes":
        if call.req.body.read_all(MAX_XML_BODY).strip():
            # OSS's answer, as Go SDK V2 1.6.1's live TestCompleteMultipartUpload asserts it
            raise OssError(400, "InvalidArgument", "Should not speficy both complete all header and http body.",
                           ec="0042-00000216")
        return [(n, p.etag) for n, p in sorted(app.multipart.parts(upload).items())]
    root = parse_xml_body(call.req.body.read_all(MAX_XML_BODY))
    wanted = []
    for part in root.findall("Part"):
        number, etag = strict_int((part.findtext("PartNumber") or "").strip()), part.findtext("ETag")
        if number is None or etag is None:
            raise malformed_xml()
        wanted.append((number, etag))
    return wanted


def _file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def CompleteMultipartUpload(app: App, call: Call) -> Response:  # noqa: N802
    bucket, key = bucket_and_key(app, call)
    req, r = call.req, call.route
    upload = _upload(app, call, bucket, key)
    spec = read_callback(app, header=req.header("x-oss-callback"), query=r.param("callback"),
                         var_header=req.header("x-oss-callback-var"), var_query=r.param("callback-var"))
    note_callback(call, spec)
    check_overwrite(app, bucket, key, req.header("x-oss-forbid-overwrite"))
    # the V2 SDKs send x-oss-object-acl with CompleteMultipartUpload (CompleteMultipartUploadRequest.acl)
    acl = object_acl(req.header("x-oss-object-acl"), upload.acl)
    parts = app.multipart.check(upload, _wanted_parts(app, call, upload))
    temp, etag = app.multipart.assemble(upload, parts)
    # OSS gives an object a Content-MD5 only when its upload was initiated with ?sequential
    # (Go SDK V2 1.6.1's live TestUploaderWithSequential asserts both: none without it, one with it)
    md5 = _file_md5(temp.path) if upload.sequential else ""
    meta = app.storage.commit(bucket, key, temp, content_type=upload.content_type, headers=upload.headers,
                              object_type="Multipart", etag=etag, content_md5=md5, acl=acl)
    app.multipart.remove(upload.upload_id)
    encoded = r.param("encoding-type") == "url"
    xml = [element("Location", f"http://{call.host_id}/{quote(key)}"), element("Bucket", bucket),
           element("Key", encode(key, encoded)), element("ETag", meta.quoted_etag)]
    if encoded:
        xml.insert(0, element("EncodingType", "url"))
    plain = Response(200, [("Content-Type", "application/xml")], document("CompleteMultipartUploadResult", xml))
    return finish(app, call, bucket, meta, spec, operation="CompleteMultipartUpload", plain=plain)


def AbortMultipartUpload(app: App, call: Call) -> Response:  # noqa: N802
    bucket, key = bucket_and_key(app, call)
    upload = _upload(app, call, bucket, key)
    app.multipart.remove(upload.upload_id)
    return Response(204)


#: ListParts' elements for an upload initiated with client-side encryption, from the
#: ``x-oss-meta-client-side-encryption-*`` headers the SDKs' encryption clients send.
_CLIENT_ENCRYPTION = (("ClientEncryptionKey", "key"), ("ClientEncryptionStart", "start"),
                      ("ClientEncryptionCekAlg", "cek-alg"), ("ClientEncryptionWrapAlg", "wrap-alg"),
                      ("ClientEncryptionDataSize", "data-size"), ("ClientEncryptionPartSize", "part-size"))


def _client_encryption(upload: Upload) -> list[str]:
    headers = {k.lower(): v for k, v in upload.headers.items()}
    return [element(name, headers[f"x-oss-meta-client-side-encryption-{suffix}"])
            for name, suffix in _CLIENT_ENCRYPTION if f"x-oss-meta-client-side-encryption-{suffix}" in headers]


def ListParts(app: App, call: Call) -> Response:  # noqa: N802
    bucket, key = bucket_and_key(app, call)
    upload = _upload(app, call, bucket, key)
    max_parts = max_int_param(call, "max-parts", MAX_LIST, MAX_LIST)
    raw = call.route.param("part-number-marker") or "0"
    after = strict_int(raw)
    if after is None:
        raise OssError(400, "InvalidArgument", "Argument part-number-marker must be an integer.",
                       extra=[("ArgumentName", "part-number-marker"), ("ArgumentValue", truncate_echo(raw))])
    pending = [p for n, p in sorted(app.multipart.parts(upload).items()) if n > after]
    shown, truncated = pending[:max_parts], len(pending) > max_parts
    encoded = call.route.param("encoding-type") == "url"
    xml = [element("Bucket", bucket), element("Key", encode(key, encoded)), element("UploadId", upload.upload_id),
           element("StorageClass", "Standard"), element("PartNumberMarker", after),
           element("NextPartNumberMarker", shown[-1].number if shown else after), element("MaxParts", max_parts),
           element("IsTruncated", str(truncated).lower())]
    xml += _client_encryption(upload)
    if encoded:
        xml.insert(0, element("EncodingType", "url"))
    for p in shown:
        xml.append("<Part>" + element("PartNumber", p.number) + element("LastModified", iso(p.last_modified))
                   + element("ETag", f'"{p.etag}"') + element("HashCrc64ecma", p.crc64) + element("Size", p.size)
                   + "</Part>")
    return Response(200, [("Content-Type", "application/xml")], document("ListPartsResult", xml))


def ListMultipartUploads(app: App, call: Call) -> Response:  # noqa: N802
    bucket = call.route.bucket
    assert bucket is not None
    app.require_bucket(bucket)
    p = call.route.param
    prefix, delimiter = p("prefix") or "", p("delimiter") or ""
    key_marker, id_marker = p("key-marker") or "", p("upload-id-marker") or ""
    max_uploads = max_int_param(call, "max-uploads", MAX_LIST, MAX_LIST)
    encoded = p("encoding-type") == "url"
    marker_b = key_marker.encode("utf-8")
    uploads: list[Upload] = []
    prefixes: list[str] = []
    truncated = False
    for u in app.multipart.uploads(bucket):
        kb = u.key.encode("utf-8")
        if not u.key.startswith(prefix) or kb < marker_b:
            continue
        # OSS: keys after key-marker, plus the marker key's uploads whose id is greater than
        # upload-id-marker (compared as strings, so an aborted marker upload still works)
        if kb == marker_b and (not id_marker or u.upload_id <= id_marker):
            continue
        common = None
        if delimiter:
            i = u.key.find(delimiter, len(prefix))
            if i >= 0:
                common = u.key[: i + len(delimiter)]
        if common is not None and (common.encode("utf-8") <= marker_b or (prefixes and prefixes[-1] == common)):
            continue
        if len(uploads) + len(prefixes) >= max_uploads:
            truncated = True
            break
        if common is not None:
            prefixes.append(common)
        else:
            uploads.append(u)
    # OSS fills NextKeyMarker / NextUploadIdMarker from the page's last entry whether or not the
    # listing is truncated (its documented sample has IsTruncated false with both filled; SDK V2's
    # live test_multipart_upload_object_encoding_type expects NextKeyMarker == the only key)
    next_key, next_id = "", ""
    if uploads or prefixes:
        last_upload = uploads[-1] if uploads else None
        last_prefix = prefixes[-1] if prefixes else None
        if last_prefix is not None and (last_upload is None or last_prefix.encode() > last_upload.key.encode()):
            next_key = last_prefix
        elif last_upload is not None:
            next_key, next_id = last_upload.key, last_upload.upload_id
    xml = [element("Bucket", bucket), element("KeyMarker", encode(key_marker, encoded)),
           element("UploadIdMarker", id_marker), element("NextKeyMarker", encode(next_key, encoded)),
           element("NextUploadIdMarker", next_id), element("Delimiter", encode(delimiter, encoded)),
           element("Prefix", encode(prefix, encoded)), element("MaxUploads", max_uploads),
           element("IsTruncated", str(truncated).lower())]
    if encoded:
        xml.insert(0, element("EncodingType", "url"))
    for u in uploads:
        xml.append("<Upload>" + element("Key", encode(u.key, encoded)) + element("UploadId", u.upload_id)
                   + element("StorageClass", "Standard") + element("Initiated", iso(u.initiated)) + "</Upload>")
    xml += [f"<CommonPrefixes>{element('Prefix', encode(c, encoded))}</CommonPrefixes>" for c in prefixes]
    return Response(200, [("Content-Type", "application/xml")], document("ListMultipartUploadsResult", xml))
