"""Uploads with a callback through the real ``oss2`` client (and httpx for browser-style forms and
presigned URLs): PutObject, PostObject, multipart, presigned PUT."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal

import httpx

from ..errors import UploadError
from ..params import CallbackParams, CallbackVars, render_transports
from .outcome import UploadOutcome
from .target import UploadTarget

Operation = Literal["PutObject", "PostObject", "Multipart", "Presigned"]
OPERATIONS: tuple[Operation, ...] = ("PutObject", "PostObject", "Multipart", "Presigned")
Progress = Callable[[int, int], None]
DEFAULT_PART_SIZE = 5 * 1024 * 1024
TIMEOUT = 30.0  # > OSS's 5 s callback budget plus the upload itself


def _read(data: bytes | str | Path | BinaryIO) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str | Path):
        return Path(data).read_bytes()
    return data.read()


def _headers(resp_headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in resp_headers.items()}


def _transport_parts(
    callback: CallbackParams | Mapping[str, Any] | None, callback_vars: CallbackVars | Mapping[str, str] | None
) -> Any:
    if callback is None:
        return None
    params = callback if isinstance(callback, CallbackParams) else CallbackParams.from_json(callback)
    variables = callback_vars if isinstance(callback_vars, CallbackVars) or callback_vars is None else CallbackVars(dict(callback_vars))
    return render_transports(params, variables)


def upload(
    target: UploadTarget,
    key: str,
    data: bytes | str | Path | BinaryIO,
    *,
    operation: Operation = "PutObject",
    callback: CallbackParams | Mapping[str, Any] | None = None,
    callback_vars: CallbackVars | Mapping[str, str] | None = None,
    content_type: str | None = None,
    part_size: int = DEFAULT_PART_SIZE,
    progress: Progress | None = None,
) -> UploadOutcome:
    """Upload ``data`` as ``key``. A 203 comes back as an outcome (as the SDKs do), never raised;
    call :meth:`UploadOutcome.raise_for_callback` to make it an error."""
    if operation not in OPERATIONS:
        raise UploadError(f"Unknown operation {operation!r}.", hint=f"Use one of {', '.join(OPERATIONS)}.")
    transports = _transport_parts(callback, callback_vars)
    started = time.perf_counter()
    import oss2

    try:
        if operation == "PutObject":
            status, body, headers = _put(target, key, data, transports, content_type, progress)
        elif operation == "Multipart":
            status, body, headers = _multipart(target, key, data, transports, content_type, part_size, progress)
        elif operation == "PostObject":
            status, body, headers = _post(target, key, _read(data), transports, content_type, progress)
        else:
            status, body, headers = _presigned(target, key, _read(data), transports, content_type, progress)
    except oss2.exceptions.OssError as exc:
        if exc.status < 0:  # oss2's code for "could not connect"
            raise UploadError(f"Cannot reach {target.endpoint}: {exc.details.get('msg', exc)}",
                              hint="Is the emulator running (or the endpoint right)?") from None
        return UploadOutcome(operation, key, exc.status, exc.body or b"", _headers(exc.headers or {}),
                             transports is not None, time.perf_counter() - started)
    except httpx.HTTPError as exc:
        raise UploadError(f"Cannot reach {target.endpoint}: {exc}", hint="Is the emulator running (or the endpoint right)?") from None
    return UploadOutcome(operation, key, status, body, headers, transports is not None, time.perf_counter() - started)


def _oss2_headers(transports: Any, content_type: str | None) -> dict[str, str]:
    headers = dict(transports.headers) if transports else {}
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def _put(target: UploadTarget, key: str, data: Any, transports: Any, content_type: str | None,
         progress: Progress | None) -> tuple[int, bytes, dict[str, str]]:
    with contextlib.ExitStack() as stack:
        # a path is streamed from disk; oss2 reads file objects chunk by chunk
        payload = stack.enter_context(open(data, "rb")) if isinstance(data, str | Path) else data
        result = target.client().put_object(key, payload, headers=_oss2_headers(transports, content_type),
                                            progress_callback=progress)
        return result.status, result.resp.read(), _headers(result.headers)


def _multipart(target: UploadTarget, key: str, data: Any, transports: Any, content_type: str | None,
               part_size: int, progress: Progress | None) -> tuple[int, bytes, dict[str, str]]:
    import oss2
    from oss2.models import PartInfo

    bucket = target.client()
    with contextlib.ExitStack() as stack:
        if hasattr(data, "read"):
            stream: BinaryIO = data
        elif isinstance(data, str | Path):
            stream = stack.enter_context(open(data, "rb"))  # streamed part by part, never read whole
        else:
            stream = io.BytesIO(data)
        total = _size(stream)
        init_headers = {"Content-Type": content_type} if content_type else None
        upload_id = bucket.init_multipart_upload(key, headers=init_headers).upload_id
        parts: list[PartInfo] = []
        done = 0
        try:
            while True:
                chunk = stream.read(part_size)
                number = len(parts) + 1
                result = bucket.upload_part(key, upload_id, number, chunk)
                parts.append(PartInfo(number, result.etag, size=len(chunk)))
                done += len(chunk)
                if progress:
                    progress(done, total)
                if len(chunk) < part_size or done == total:
                    break
            result = bucket.complete_multipart_upload(key, upload_id, parts, headers=_oss2_headers(transports, None))
        except oss2.exceptions.OssError:
            bucket.abort_multipart_upload(key, upload_id)
            raise
        return result.status, result.resp.read(), _headers(result.headers)


def _size(stream: BinaryIO) -> int:
    here = stream.tell()
    stream.seek(0, io.SEEK_END)
    end = stream.tell()
    stream.seek(here)
    return end - here


def post_policy(target: UploadTarget, key: str, transports: Any, expires_in: int = 600) -> dict[str, str]:
    """The form fields of a browser-style PostObject (V1 policy signature), callback included."""
    expiration = (datetime.now(timezone.utc) + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    conditions: list[Any] = [{"bucket": target.bucket}, ["eq", "$key", key]]
    if transports:
        conditions.append(transports.policy_condition)
    policy = base64.b64encode(json.dumps({"expiration": expiration, "conditions": conditions}).encode()).decode()
    signature = base64.b64encode(
        hmac.new(target.access_key_secret.encode(), policy.encode(), hashlib.sha1).digest()
    ).decode()
    fields = {"key": key, "OSSAccessKeyId": target.access_key_id, "policy": policy, "Signature": signature,
              "success_action_status": "200"}
    if transports:
        fields.update(transports.form_fields)
    return fields


def _post(target: UploadTarget, key: str, payload: bytes, transports: Any, content_type: str | None,
          progress: Progress | None) -> tuple[int, bytes, dict[str, str]]:
    fields = post_policy(target, key, transports)
    if content_type:
        fields["Content-Type"] = content_type
    resp = httpx.post(target.bucket_url + "/", data=fields, files={"file": (key.rsplit("/", 1)[-1] or "file", payload)},
                      timeout=TIMEOUT)
    if progress:
        progress(len(payload), len(payload))
    return resp.status_code, resp.content, _headers(resp.headers)


def _presigned(target: UploadTarget, key: str, payload: bytes, transports: Any, content_type: str | None,
               progress: Progress | None) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Content-Type": content_type} if content_type else {}
    params = dict(transports.query) if transports else None
    url = target.client().sign_url("PUT", key, 600, headers=headers or None, params=params)
    resp = httpx.put(url, content=payload, headers=headers, timeout=TIMEOUT)
    if progress:
        progress(len(payload), len(payload))
    return resp.status_code, resp.content, _headers(resp.headers)
