"""The emulator's request handling: pick the operation, authenticate, run it, record uploads.

Transport-independent: the HTTP server gives it a :class:`Request` and sends the
:class:`Response` it returns.
"""

from __future__ import annotations

import base64
import errno
import logging
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from .._naming import valid_bucket_name
from .._wire import split_target
from ._auth import Credentials, authenticate, signed_route
from ._call import Call
from ._config import HEALTH_PATH, PUBLIC_KEY_PATH, EmulatorConfig
from ._errors import OssError, no_such_bucket
from ._http import MAX_OBJECT_SIZE, Request, Response
from ._multipart import Multipart
from ._records import Record, RecordLog
from ._routing import path_style_alternative, route
from ._storage import Storage
from ._table import creates_bucket, resolve
from ._xml import error_xml

logger = logging.getLogger(__name__)
#: errnos that mean the data dir is full (RLIMIT_FSIZE gives EFBIG).
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}

UPLOAD_OPERATIONS = ("PutObject", "PostObject", "CompleteMultipartUpload")
#: Operations whose body OSS caps at 5 GiB (a larger declared length is refused unread).
SIZE_CAPPED = ("PutObject", "UploadPart")


class App:
    """State shared by all requests: settings, storage, the callback key and the record log."""

    def __init__(self, config: EmulatorConfig, data_dir: Path, private_key: rsa.RSAPrivateKey,
                 public_key_pem: bytes, records: RecordLog) -> None:
        self.config = config
        self.storage = Storage(data_dir)
        self.multipart = Multipart(self.storage)
        self.private_key = private_key
        self.public_key_pem = public_key_pem
        self.records = records
        self.credentials = Credentials(config.access_key_id, config.access_key_secret, config.region)
        self.public_key_url = ""  # set once the port is known
        for bucket in config.buckets:
            self.storage.create_bucket(bucket)
        self.storage.cleanup_orphans(self.storage.list_buckets())

    def require_bucket(self, bucket: str) -> None:
        if not self.storage.bucket_exists(bucket):
            raise no_such_bucket(bucket)

    def handle(self, req: Request) -> Response:
        """Answer one request; uploads are recorded (and listeners told) before returning."""
        path, _ = split_target(req.target)
        if req.method in ("GET", "HEAD") and path == PUBLIC_KEY_PATH:
            return Response(200, [("Content-Type", "application/x-pem-file")], self.public_key_pem)
        if req.method in ("GET", "HEAD") and path == HEALTH_PATH:
            return Response(200, [("Content-Type", "text/plain")], b"ok\n")
        started = time.monotonic()
        host = req.host or f"{self.config.host}"
        call: Call | None = None
        try:
            r = route(req.target, req.host, self.config.virtual_host_domains)
            r = signed_route(req.method, req.headers, r, path_style_alternative(r), self.credentials)
            named = r.virtual_host or host.lower().startswith(f"{r.bucket}.")
            host_id = f"{r.bucket}.{host}" if r.bucket and not named else host
            # OSS looks the bucket up before it checks the AccessKeyId or the signature: a missing
            # bucket is 404 NoSuchBucket whoever asks, also for a sub-resource the emulator does not
            # implement (so the SDKs' is_bucket_exist(), a GetBucketAcl, says False)
            looked_up = (r.bucket if r.bucket is not None and valid_bucket_name(r.bucket)
                         and not creates_bucket(req.method, r) else None)
            try:
                operation, handler = resolve(req.method, r, req.headers)
            except OssError as exc:
                if exc.status == 501 and looked_up is not None:
                    self.require_bucket(looked_up)
                raise
            call = Call(req, r, operation, host_id)
            if call.operation in UPLOAD_OPERATIONS:
                call.record = Record(
                    id=self.records.next_id(), time=time.time(), request_id=req.request_id,
                    operation=call.operation, method=req.method, target=req.target, client_ip=req.client_ip,
                    request_headers=list(req.headers), bucket=r.bucket, key=r.key,
                )
            if call.operation in SIZE_CAPPED:  # before reading anything, as OSS does
                req.body.set_limit(MAX_OBJECT_SIZE)
            if looked_up is not None:
                self.require_bucket(looked_up)
            if call.operation != "PostObject":  # PostObject is signed by its form
                call.auth = authenticate(req.method, req.headers, r, self.credentials)
            response = handler(self, call)
        except OssError as exc:
            response = self.error_response(exc, req, call)
            if call is not None and call.record is not None:
                call.record.outcome = "rejected"
                call.record.error_code, call.record.error_message = exc.code, exc.message
        except Exception as exc:  # a bug must still produce an OSS-shaped answer, and never a print
            logger.debug("internal error on %s %s", req.method, req.target, exc_info=True)
            if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                error = OssError(507, "InsufficientStorage",
                                 f"The emulator could not write to its data dir ({exc.strerror}); nothing was stored. "
                                 f"Free disk space under {self.config.data_dir} or start it with another data dir.")
            else:
                error = OssError(500, "InternalError", "We encountered an internal error. Please try again.")
            response = self.error_response(error, req, call)
            if call is not None and call.record is not None:
                call.record.outcome = "rejected"
                call.record.error_code, call.record.error_message = error.code, error.message
        if call is not None and call.record is not None:
            rec = call.record
            rec.auth = call.auth
            rec.status = response.status
            rec.response_headers = list(response.headers)
            rec.response_body = response.body if isinstance(response.body, bytes) else None
            rec.duration_ms = (time.monotonic() - started) * 1000
            rec.mask_secrets()
            self.records.add(rec)
        return response

    def error_response(self, exc: OssError, req: Request, call: Call | None) -> Response:
        host_id = call.host_id if call is not None else (req.host or self.config.host)
        body = error_xml(exc.code, exc.message, req.request_id, host_id, extra=exc.extra, ec=exc.ec)
        headers = [("Content-Type", "application/xml")]
        if exc.ec:
            headers.append(("x-oss-ec", exc.ec))
        if req.method == "HEAD":  # no body on HEAD: OSS sends the error document Base64 in x-oss-err
            headers.append(("x-oss-err", base64.b64encode(body).decode("ascii")))
        return Response(exc.status, headers, body)
