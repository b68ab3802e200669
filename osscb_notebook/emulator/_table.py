"""Which handler answers a request: one explicit table from (method, sub-resource, header) to
the operation, and one of what the emulator does not implement.

Everything in :data:`NOT_IMPLEMENTED` is refused with 501 ``NotImplemented`` before the request
is authenticated, its body read or anything stored: an emulator that ignored ``?append`` or
``x-oss-tagging`` would silently do something else than OSS (e.g. overwrite instead of append).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._naming import valid_bucket_name
from . import _copy, _multipart_ops, _ops
from ._auth import SUBRESOURCES
from ._errors import OssError, not_implemented
from ._http import Response
from ._routing import Route

if TYPE_CHECKING:
    from ._app import App
    from ._call import Call

Handler = Callable[["App", "Call"], Response]

#: Query parameters that carry a signature, not an operation.
AUTH_PARAMS = frozenset({"OSSAccessKeyId", "Expires", "Signature", "security-token"})

#: Query parameters that only tune a listing or a response; they never select an operation.
LISTING_PARAMS = frozenset({"prefix", "marker", "delimiter", "max-keys", "encoding-type", "list-type",
                            "continuation-token", "start-after", "fetch-owner"})
#: The same for bucket operations with a sub-resource (ListMultipartUploads, DeleteMultipleObjects).
TUNING_PARAMS = LISTING_PARAMS | {"key-marker", "upload-id-marker", "max-uploads"}
#: ListBuckets' own parameters; any other parameter on the service is another operation.
SERVICE_PARAMS = frozenset({"prefix", "marker", "max-keys"})


@dataclass(frozen=True)
class Rule:
    """``method`` on a ``scope`` ("service", "bucket" or "object") with all ``params`` present
    (and ``header`` present, if given) is ``operation``. The first matching rule wins."""

    method: str
    scope: str
    params: frozenset[str]
    operation: str
    handler: Handler
    header: str | None = None


def _rule(method: str, scope: str, params: str, operation: str, handler: Handler, header: str | None = None) -> Rule:
    return Rule(method, scope, frozenset(params.split()), operation, handler, header)


RULES: tuple[Rule, ...] = (
    _rule("GET", "service", "", "ListBuckets", _ops.ListBuckets),
    _rule("GET", "bucket", "uploads", "ListMultipartUploads", _multipart_ops.ListMultipartUploads),
    _rule("POST", "bucket", "delete", "DeleteMultipleObjects", _ops.DeleteMultipleObjects),
    _rule("PUT", "bucket", "", "PutBucket", _ops.PutBucket),
    _rule("DELETE", "bucket", "", "DeleteBucket", _ops.DeleteBucket),
    _rule("POST", "bucket", "", "PostObject", _ops.PostObject),
    _rule("PUT", "object", "acl", "PutObjectAcl", _ops.PutObjectAcl),
    _rule("GET", "object", "acl", "GetObjectAcl", _ops.GetObjectAcl),
    _rule("PUT", "object", "partNumber uploadId", "UploadPartCopy", _multipart_ops.UploadPartCopy,
          header="x-oss-copy-source"),
    _rule("PUT", "object", "partNumber uploadId", "UploadPart", _multipart_ops.UploadPart),
    _rule("PUT", "object", "", "CopyObject", _copy.CopyObject, header="x-oss-copy-source"),
    _rule("PUT", "object", "", "PutObject", _ops.PutObject),
    _rule("POST", "object", "uploads", "InitiateMultipartUpload", _multipart_ops.InitiateMultipartUpload),
    _rule("POST", "object", "uploadId", "CompleteMultipartUpload", _multipart_ops.CompleteMultipartUpload),
    _rule("GET", "object", "uploadId", "ListParts", _multipart_ops.ListParts),
    _rule("DELETE", "object", "uploadId", "AbortMultipartUpload", _multipart_ops.AbortMultipartUpload),
    _rule("HEAD", "object", "objectMeta", "GetObjectMeta", _ops.GetObjectMeta),
    _rule("GET", "object", "objectMeta", "GetObjectMeta", _ops.GetObjectMeta),
    _rule("DELETE", "object", "", "DeleteObject", _ops.DeleteObject),
    _rule("GET", "object", "", "GetObject", _ops.GetObject),
    _rule("HEAD", "object", "", "HeadObject", _ops.HeadObject),
)

#: operation name -> handler, for callers that know the name (and for the docs' table).
HANDLERS: dict[str, Handler] = {r.operation: r.handler for r in RULES} | {"ListObjects": _ops.ListObjects,
                                                                       "ListObjectsV2": _ops.ListObjectsV2}

#: Sub-resources that change what a request means and that the emulator does not implement.
NOT_IMPLEMENTED_PARAMS: dict[str, str] = {
    "append": "AppendObject (?append)",
    "symlink": "symlinks (?symlink)",
    "tagging": "object and bucket tagging (?tagging)",
    "restore": "RestoreObject (?restore)",
    # ``?versionId=null`` on an object is taken: in a bucket that never had versioning (every
    # bucket here) "null" names the object itself (Go SDK V2's live TestDeleteObject deletes with it)
    "versionId": "versioning (?versionId)",
    "versions": "versioning (?versions)",
    "versioning": "versioning (?versioning)",
    "x-oss-process": "image and document processing (?x-oss-process)",
    "x-oss-async-process": "asynchronous processing (?x-oss-async-process)",
    "select": "SelectObject (?select)",
    "meta": "SelectObject metadata (?meta)",
    "cors": "CORS rules (?cors)",
    "lifecycle": "lifecycle rules (?lifecycle)",
    "website": "static website hosting (?website)",
    "referer": "hotlink protection (?referer)",
    "logging": "access logging (?logging)",
    "policy": "bucket policies (?policy)",
    "encryption": "bucket encryption (?encryption)",
    "inventory": "bucket inventory (?inventory)",
    "worm": "retention policies (?worm)",
    "replication": "replication (?replication)",
    "bucketInfo": "GetBucketInfo (?bucketInfo)",
    "location": "GetBucketLocation (?location)",
    "stat": "GetBucketStat (?stat)",
    "regions": "DescribeRegions (?regions)",
    "cloudboxes": "ListCloudBoxes (?cloudboxes)",
}

#: The same for sub-resources the emulator implements on objects only.
NOT_IMPLEMENTED_BUCKET_PARAMS: dict[str, str] = {
    "acl": "bucket ACLs (?acl on a bucket)",
}

#: Request headers that change what a request means, with the values that mean "as if absent".
NOT_IMPLEMENTED_HEADERS: dict[str, tuple[str, frozenset[str]]] = {
    "x-oss-tagging": ("object tagging (x-oss-tagging)", frozenset()),
    "x-oss-acl": ("bucket ACLs (x-oss-acl)", frozenset({"private"})),
    "x-oss-server-side-encryption": ("server-side encryption (x-oss-server-side-encryption)", frozenset()),
    "x-oss-server-side-data-encryption": ("server-side encryption (x-oss-server-side-data-encryption)",
                                          frozenset()),
    "x-oss-server-side-encryption-key-id": ("KMS encryption (x-oss-server-side-encryption-key-id)", frozenset()),
    "x-oss-storage-class": ("storage classes other than Standard (x-oss-storage-class)", frozenset({"standard"})),
    "x-oss-symlink-target": ("symlinks (x-oss-symlink-target)", frozenset()),
    "x-oss-tagging-directive": ("object tagging (x-oss-tagging-directive)", frozenset()),
}


#: Every parameter name that selects or tunes an operation, implemented or not.
_KNOWN_PARAMS = (SUBRESOURCES | AUTH_PARAMS | TUNING_PARAMS | SERVICE_PARAMS | frozenset(NOT_IMPLEMENTED_PARAMS)
                 | frozenset(NOT_IMPLEMENTED_BUCKET_PARAMS) | frozenset(p for rule in RULES for p in rule.params)
                 | {"max-parts", "part-number-marker", "encoding-type"})


def _refuse_unimplemented(method: str, r: Route, headers: list[tuple[str, str]]) -> None:
    for name in NOT_IMPLEMENTED_PARAMS:
        if r.has(name) and not (name == "versionId" and r.param(name) == "null" and r.key is not None):
            raise not_implemented(NOT_IMPLEMENTED_PARAMS[name])
    if r.key is None:
        for name in NOT_IMPLEMENTED_BUCKET_PARAMS:
            if r.has(name):
                raise not_implemented(NOT_IMPLEMENTED_BUCKET_PARAMS[name])
    for name, value in headers:
        entry = NOT_IMPLEMENTED_HEADERS.get(name.lower())
        if entry is not None and value.strip().lower() not in entry[1]:
            raise not_implemented(entry[0])


def _ignored(name: str, value: str) -> bool:
    """A parameter with a value that names no sub-resource and tunes nothing: OSS ignores it
    (ali-oss's live ``should encode variant object keys`` lists with ``?prefixz=...``, a typo, and
    gets the whole listing), so the emulator does too. A bare unknown name (``?foo``, ``?foo=``) is
    how sub-resources are written, so that stays a 501."""
    return bool(value) and name not in _KNOWN_PARAMS


def creates_bucket(method: str, r: Route) -> bool:
    """PutBucket (``PUT /bucket``) and PutBucketAcl (``PUT /bucket?acl``, once a form of PutBucket):
    the bucket requests whose bucket need not exist, so OSS checks their AccessKeyId first (SDK V2's
    live ``test_put_bucket_acl_fail`` expects 403 InvalidAccessKeyId on a missing bucket, where its
    ``test_put_bucket_versioning_fail`` expects 404 NoSuchBucket)."""
    return (method == "PUT" and r.bucket is not None and r.key is None
            and all(k in AUTH_PARAMS or k == "acl" or k.startswith("x-oss-") or _ignored(k, v) for k, v in r.query))


def resolve(method: str, r: Route, headers: list[tuple[str, str]]) -> tuple[str, Handler]:
    """The operation's name and handler, or 501 for what the emulator does not do (nothing read yet)."""
    if r.bucket is not None and not valid_bucket_name(r.bucket):
        raise OssError(400, "InvalidBucketName", "The specified bucket is not valid.", extra=[("BucketName", r.bucket)])
    _refuse_unimplemented(method, r, headers)
    params = {k for k, v in r.query if k not in AUTH_PARAMS and not k.startswith("x-oss-") and not _ignored(k, v)}
    scope = "service" if r.bucket is None else ("bucket" if r.key is None else "object")
    if scope == "bucket" and method == "GET" and params <= LISTING_PARAMS:
        name = "ListObjectsV2" if r.param("list-type") == "2" else "ListObjects"
        return name, HANDLERS[name]
    if scope == "service" and params - SERVICE_PARAMS:
        raise not_implemented(f"{method} on the service with ?{r.raw_query}")
    names = {k.lower() for k, _ in headers}
    for rule in RULES:
        if rule.method != method or rule.scope != scope or not rule.params <= params:
            continue
        if rule.header is not None and rule.header not in names:
            continue
        if scope == "bucket" and params - rule.params - TUNING_PARAMS:
            break  # a bucket request with a sub-resource nobody handles
        if scope == "object" and not rule.params and params & {"uploadId", "uploads", "acl"}:
            break  # e.g. GET ?uploads or DELETE ?acl on an object: not a plain GetObject / DeleteObject
        return rule.operation, rule.handler
    query = f" with ?{r.raw_query}" if r.raw_query else ""
    raise not_implemented(f"{method} on {'the service' if scope == 'service' else 'a ' + scope}{query}")
