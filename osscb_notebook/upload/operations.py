"""Uploads with a callback through the real ``oss2`` client (and httpx for browser-style forms and
presigned URLs): PutObject, PostObject, multipart, presigned PUT."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import itertools
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal

import httpx

from .._crc64 import combine, crc64
from ..errors import UploadError
from ..params import CallbackParams, CallbackVars, render_transports
from .outcome import UploadOutcome
from .target import UploadTarget

Operation = Literal["PutObject", "PostObject", "Multipart", "Presigned"]
OPERATIONS: tuple[Operation, ...] = ("PutObject", "PostObject", "Multipart", "Presigned")
Progress = Callable[[int, int], None]
DEFAULT_PART_SIZE = 5 * 1024 * 1024
# Multipart parts in flight: on 2 cores against the loopback emulator 3-4 gave ~1.5x the sequential
# rate and more gave nothing; within oss2's 10-connection pool.
DEFAULT_THREADS = 4
CRC_HEADER = "x-oss-hash-crc64ecma"
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
    threads: int = DEFAULT_THREADS,
) -> UploadOutcome:
    """Upload ``data`` as ``key``. OSS's answers, errors and 203 included, come back as an outcome
    (a 203 is not raised by the SDKs either); ``.raise_for_status()`` makes a refusal an
    :class:`UploadError` and ``.raise_for_callback()`` a 203 a :class:`CallbackFailedError`.

    PutObject and Multipart check the CRC-64 OSS reports against the bytes sent (:class:`UploadError`
    on a mismatch). Multipart sends up to ``threads`` parts at once and holds at most that many parts
    in memory; ``progress(done, total)`` is always called on the calling thread."""
    if operation not in OPERATIONS:
        raise UploadError(f"Unknown operation {operation!r}.", hint=f"Use one of {', '.join(OPERATIONS)}.")
    if not isinstance(threads, int) or threads < 1:
        raise UploadError(f"threads must be a whole number >= 1, not {threads!r}.",
                          hint="Use 1 to send multipart parts one after another.")
    if not isinstance(part_size, int) or part_size < 1:
        raise UploadError(f"part_size must be a whole number of bytes >= 1, not {part_size!r}.",
                          hint=f"The default is {DEFAULT_PART_SIZE} (5 MiB); OSS wants >= 100 KiB for all but the last part.")
    transports = _transport_parts(callback, callback_vars)
    started = time.perf_counter()
    import oss2

    try:
        if operation == "PutObject":
            status, body, headers = _put(target, key, data, transports, content_type, progress)
        elif operation == "Multipart":
            status, body, headers = _multipart(target, key, data, transports, content_type, part_size, threads,
                                               progress)
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


def _check_crc(what: str, ours: int, headers: Mapping[str, str], status: int | None = None) -> None:
    """Compare our CRC-64 of the bytes sent with the one OSS computed over the bytes it stored.

    oss2 can do this itself (``enable_crc``), but with crcmod at ~430 MB/s it was ~40% of an upload's
    client time; anycrc is ~30x faster. No header, no check (real OSS always sends it)."""
    theirs = headers.get(CRC_HEADER)
    if theirs is not None and int(theirs) != ours:  # oss2 already int()-parsed it, so it is a number
        raise UploadError(f"{what}: CRC-64 mismatch: the client sent bytes with CRC-64 {ours}, "
                          f"OSS reported {CRC_HEADER}: {theirs}.", status=status,
                          request_id=headers.get("x-oss-request-id", ""),
                          hint="The bytes were changed in transit; retry the upload.")


class _CrcReader:
    """The rest of a seekable binary stream, read front to back once, CRC-64 updated as oss2 reads.

    ``len`` is what oss2 and requests size a body by (``oss2.utils._get_data_size``); there is no
    ``__len__`` because an empty body would then be falsy. Reads stop at ``len`` so a file that grows
    meanwhile never sends more than the Content-Length announced."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.len = _size(stream)
        self.crc = 0
        self._left = self.len

    def read(self, amt: int | None = -1) -> bytes:
        want = self._left if amt is None or amt < 0 else min(amt, self._left)
        chunk = self._stream.read(want) if want else b""
        self._left -= len(chunk)
        self.crc = crc64(chunk, self.crc)
        return chunk


def _put(target: UploadTarget, key: str, data: Any, transports: Any, content_type: str | None,
         progress: Progress | None) -> tuple[int, bytes, dict[str, str]]:
    with contextlib.ExitStack() as stack:
        payload: Any
        if hasattr(data, "read"):
            payload = _CrcReader(data)
        elif isinstance(data, str | Path):  # streamed from disk, never read whole
            payload = _CrcReader(stack.enter_context(open(data, "rb")))
        else:
            payload = data
        result = target.client(enable_crc=False).put_object(
            key, payload, headers=_oss2_headers(transports, content_type), progress_callback=progress)
        body = result.resp.read()
        crc = payload.crc if isinstance(payload, _CrcReader) else crc64(payload)
        _check_crc(f"PutObject of {key!r}", crc, result.headers, result.status)
        return result.status, body, _headers(result.headers)


def _multipart(target: UploadTarget, key: str, data: Any, transports: Any, content_type: str | None,
               part_size: int, threads: int, progress: Progress | None) -> tuple[int, bytes, dict[str, str]]:
    """Parts are read on the calling thread, in order, and sent by ``threads`` workers. Any failure
    aborts the upload (after the parts in flight finish), then re-raises."""
    from oss2.models import PartInfo

    # One Bucket for all workers, as oss2's own resumable_upload does: its requests Session keeps a
    # thread-safe connection pool, widened to `threads` connections when that is over its default 10.
    bucket = target.client(enable_crc=False, connections=threads)
    with contextlib.ExitStack() as stack:
        chunks: Iterator[bytes]
        if hasattr(data, "read") or isinstance(data, str | Path):
            # a path is streamed part by part, never read whole
            stream: BinaryIO = stack.enter_context(open(data, "rb")) if isinstance(data, str | Path) else data
            total = _size(stream)
            chunks = _reads(stream, part_size, total)
        else:
            view = memoryview(data).cast("B")  # bytes-like: counted and sliced in bytes
            total, chunks = view.nbytes, _slices(view, part_size)
        init_headers = {"Content-Type": content_type} if content_type else None
        upload_id = bucket.init_multipart_upload(key, headers=init_headers).upload_id

        def send(number: int, chunk: bytes) -> PartInfo:
            crc = crc64(chunk)
            result = bucket.upload_part(key, upload_id, number, chunk)
            _check_crc(f"UploadPart {number} of {key!r}", crc, result.headers, result.status)
            return PartInfo(number, result.etag, size=len(chunk), part_crc=crc)

        parts: list[PartInfo] = []
        done = 0

        def collect(in_flight: set[Future[PartInfo]]) -> set[Future[PartInfo]]:
            """Wait for at least one part; record it and report progress, here on the calling thread
            (widgets update from it). Returns the parts still in flight."""
            nonlocal done
            finished, pending = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                part = future.result()  # a worker's error is raised here
                parts.append(part)
                done += part.size
                if progress:
                    progress(done, total)
            return pending

        executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="osscb-part")
        in_flight: set[Future[PartInfo]] = set()
        try:
            for number in itertools.count(1):
                while len(in_flight) >= threads:  # read the next part only then: memory <= threads x part_size
                    in_flight = collect(in_flight)
                chunk = next(chunks, None)
                if chunk is None:
                    break
                in_flight.add(executor.submit(send, number, chunk))
            while in_flight:
                in_flight = collect(in_flight)
            parts.sort(key=lambda p: p.part_number)
            result = bucket.complete_multipart_upload(key, upload_id, parts, headers=_oss2_headers(transports, None))
        except BaseException:  # OssError, a CRC mismatch, Ctrl-C: leave no parts behind on the server
            executor.shutdown(wait=True, cancel_futures=True)
            with contextlib.suppress(Exception):  # the original error is the one worth reporting
                bucket.abort_multipart_upload(key, upload_id)
            raise
        finally:
            executor.shutdown(wait=True)
        body = result.resp.read()
        # Checked after Complete succeeded: the upload ID is gone then, so there is nothing to abort.
        whole = 0
        for part in parts:
            whole = combine(whole, part.part_crc, part.size)
        _check_crc(f"CompleteMultipartUpload of {key!r} (the parts' combined CRC-64)", whole, result.headers,
                   result.status)
        return result.status, body, _headers(result.headers)


def _slices(view: memoryview, part_size: int) -> Iterator[bytes]:
    # An empty payload is still one (empty) part: OSS completes no upload without parts.
    for offset in range(0, max(view.nbytes, 1), part_size):
        yield bytes(view[offset:offset + part_size])  # one copy per part, as slicing bytes makes


def _reads(stream: BinaryIO, part_size: int, total: int) -> Iterator[bytes]:
    read = 0
    while True:
        chunk = stream.read(part_size)
        read += len(chunk)
        yield chunk
        if len(chunk) < part_size or read >= total:
            return


def _size(stream: BinaryIO) -> int:
    here = stream.tell()
    stream.seek(0, io.SEEK_END)
    end = stream.tell()
    stream.seek(here)
    return end - here


def post_policy(target: UploadTarget, key: str, transports: Any, expires_in: int = 600,
                conditions: Sequence[Any] = ()) -> dict[str, str]:
    """The form fields of a browser-style PostObject (V1 policy signature), callback included.

    ``conditions`` are added to the policy as given, e.g. ``[["eq", "$x:uid", "42"]]`` to pin a
    custom variable's form field."""
    expiration = (datetime.now(timezone.utc) + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    policy_conditions: list[Any] = [{"bucket": target.bucket}, ["eq", "$key", key]]
    if transports:
        policy_conditions.append(transports.policy_condition)
    policy_conditions.extend(conditions)
    policy = base64.b64encode(json.dumps({"expiration": expiration, "conditions": policy_conditions}).encode()).decode()
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
