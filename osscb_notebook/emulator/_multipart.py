"""Multipart uploads in progress, on disk under ``DATA/.osscb/multipart/<upload id>/``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ._errors import OssError, no_such_upload
from ._storage import Storage, TempFile
from ._xml import truncate_echo

MAX_PART_NUMBER = 10000
MIN_PART_SIZE = 100 * 1024  # OSS's minimum for every part but the last
_UPLOAD_ID = re.compile(r"^[0-9A-F]{32}$")
_id_lock = threading.Lock()
_last_stamp = 0


def new_upload_id() -> str:
    """32 uppercase hex digits whose order is the order of initiation: a strictly increasing
    nanosecond stamp, then 64 random bits. OSS pages one key's uploads with ``upload-id-marker``
    ("Upload ID greater than", ListMultipartUploads API page), and oss2's live tests
    (``test_iterator.py``) expect them listed in sorted upload-id order, which is also the order
    they were started in."""
    global _last_stamp
    with _id_lock:
        _last_stamp = max(time.time_ns(), _last_stamp + 1)
        stamp = _last_stamp
    return f"{stamp:016X}{secrets.token_hex(8).upper()}"


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    initiated: float = 0.0
    acl: str = "default"  # x-oss-object-acl at initiation; CompleteMultipartUpload's own wins
    sequential: bool = False  # initiated with ?sequential: the object gets a Content-MD5


@dataclass
class Part:
    number: int
    etag: str  # uppercase hex, unquoted
    size: int
    crc64: int
    last_modified: float = 0.0  # parts stored before this field existed read as the epoch


class Multipart:
    """Create uploads, store parts atomically, and assemble the object on completion."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.root = storage.root / ".osscb" / "multipart"
        self.root.mkdir(parents=True, exist_ok=True)

    def _dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):  # the id comes from the query: never a path
            raise no_such_upload(upload_id)
        return self.root / upload_id

    def initiate(self, bucket: str, key: str, content_type: str, headers: dict[str, str],
                 acl: str = "default", *, sequential: bool = False) -> Upload:
        upload = Upload(new_upload_id(), bucket, key, content_type, headers, time.time(), acl, sequential)
        path = self._dir(upload.upload_id)
        path.mkdir()
        (path / "upload.json").write_text(json.dumps(asdict(upload)), encoding="utf-8")
        return upload

    def get(self, upload_id: str, bucket: str, key: str) -> Upload:
        try:
            data = json.loads((self._dir(upload_id) / "upload.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise no_such_upload(upload_id) from None
        upload = Upload(**data)
        if upload.bucket != bucket or upload.key != key:
            raise no_such_upload(upload_id)
        return upload

    def put_part(self, upload: Upload, number: int, temp: TempFile) -> Part:
        # No fsync for a part: it only feeds CompleteMultipartUpload, which writes the object anew
        # and syncs that. Syncing every part cost a fifth of multipart throughput.
        d = temp.digests
        part = Part(number, d.etag, d.size, d.crc64, time.time())
        path = self._dir(upload.upload_id)
        tmp = path / f"{number}.json.tmp-{secrets.token_hex(4)}"
        replaced = False
        try:
            temp.finish(durable=False)
            os.replace(temp.path, path / f"{number}.part")
            replaced = True
            tmp.write_text(json.dumps(asdict(part)), encoding="utf-8")
            os.replace(tmp, path / f"{number}.json")
        except BaseException:
            temp.discard()
            leftovers = [tmp]
            if replaced:
                # new bytes under an older part's ETag would join the wrong data: drop the part,
                # so CompleteMultipartUpload reports it missing instead
                leftovers += [path / f"{number}.part", path / f"{number}.json"]
            for leftover in leftovers:
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        return part

    def parts(self, upload: Upload) -> dict[int, Part]:
        out = {}
        for path in self._dir(upload.upload_id).glob("*.json"):
            if path.name == "upload.json":
                continue
            part = Part(**json.loads(path.read_text(encoding="utf-8")))
            out[part.number] = part
        return out

    def uploads(self, bucket: str) -> list[Upload]:
        """The bucket's uploads in progress, in OSS's order: by key (UTF-8 bytes), then by upload id,
        which for the emulator's ids is the order they were started in."""
        found = []
        for path in self.root.glob("*/upload.json"):
            try:
                upload = Upload(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue  # being created or removed right now
            if upload.bucket == bucket:
                found.append(upload)
        return sorted(found, key=lambda u: (u.key.encode("utf-8"), u.upload_id))

    def check(self, upload: Upload, wanted: list[tuple[int, str]]) -> list[Part]:
        """The parts to join, checked as OSS checks them (existence, ETag, order, minimum size).

        An empty list is an empty object: Go SDK V2's uploader completes an empty stream with no
        parts, and its live TestUploaderUploadFromTeeReader passes against OSS. (Its ETag, the
        multipart rule over no parts, ``D41D8...427E-0``, is our choice: OSS's is not known.)"""
        have = self.parts(upload)
        chosen: list[Part] = []
        last = 0
        for number, etag in wanted:
            if number <= last:
                raise OssError(400, "InvalidPartOrder",
                               "The list of parts was not in ascending order. Parts list must specified in order by part number.")
            last = number
            part = have.get(number)
            if part is None or etag.strip().strip('"').upper() != part.etag:
                raise OssError(400, "InvalidPart",
                               "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
                               extra=[("PartNumber", str(number)), ("ETag", truncate_echo(etag))])
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < MIN_PART_SIZE:
                raise OssError(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.",
                               extra=[("PartNumber", str(part.number)), ("MinSizeAllowed", str(MIN_PART_SIZE))])
        return chosen

    def assemble(self, upload: Upload, parts: list[Part]) -> tuple[TempFile, str]:
        """Join ``parts`` into a temp file; returns it and OSS's multipart ETag ``HEX-N``."""
        temp = self.storage.new_temp()
        try:
            for part in parts:
                # each byte was hashed when its part arrived: combine the part CRCs instead, and
                # skip the whole-object MD5 (contentMd5 is empty for CompleteMultipartUpload)
                temp.append_file(self._dir(upload.upload_id) / f"{part.number}.part", part.crc64)
        except BaseException:
            temp.discard()
            raise
        joined = hashlib.md5(b"".join(bytes.fromhex(p.etag) for p in parts)).hexdigest().upper()
        return temp, f"{joined}-{len(parts)}"

    def remove(self, upload_id: str) -> None:
        with contextlib.suppress(OSError):
            shutil.rmtree(self._dir(upload_id))
