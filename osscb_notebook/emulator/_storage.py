"""Objects on disk under the data directory, written atomically, durable across restarts.

Layout (nothing derived from a key ever becomes a path, so keys cannot escape)::

    DATA/buckets/<bucket>/meta/<sha256(key)[:2]>/<sha256(key)>.json   metadata, incl. the key
    DATA/buckets/<bucket>/blobs/<random>                                object bytes
    DATA/.osscb/tmp/                                                    uploads in progress

An upload streams into ``tmp``, is renamed into ``blobs`` and becomes visible only when its
metadata file is renamed into place: a reader sees the old object or the new one, never half.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .._crc64 import combine, crc64
from .._naming import valid_bucket_name


class Digests:
    """MD5, CRC-64 and size of a byte stream, updated chunk by chunk."""

    def __init__(self) -> None:
        self.md5 = hashlib.md5()
        self.crc = 0
        self.size = 0

    def update(self, data: bytes) -> None:
        self.md5.update(data)
        self.crc = crc64(data, self.crc)
        self.size += len(data)

    def append_crc(self, crc: int, size: int) -> None:
        """Extend the CRC-64 and size by a run of ``size`` bytes whose CRC is known (no MD5)."""
        self.crc = combine(self.crc, crc, size)
        self.size += size

    @property
    def etag(self) -> str:
        return self.md5.hexdigest().upper()

    @property
    def content_md5(self) -> str:
        return base64.b64encode(self.md5.digest()).decode("ascii")

    @property
    def crc64(self) -> int:
        return self.crc


@dataclass
class ObjectMeta:
    """What the emulator knows about a stored object. ``etag`` is uppercase hex, unquoted."""

    key: str
    size: int
    etag: str
    crc64: int
    content_md5: str
    content_type: str
    last_modified: float
    blob: str
    object_type: str = "Normal"
    headers: dict[str, str] = field(default_factory=dict)
    #: the object's ACL (``default``: the bucket's); metadata written before ACLs read as default
    acl: str = "default"

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


class TempFile:
    """A file being written under ``.osscb/tmp``; ``digests`` follow what was written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.digests = Digests()
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed in finish/discard

    def write(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)
        self.digests.update(data)

    def append_file(self, path: Path, crc64: int) -> None:
        """Append a whole file whose CRC-64 is known, kernel to kernel where the OS allows it
        (no MD5: the caller supplies the ETag)."""
        assert self._file is not None
        self._file.flush()
        with open(path, "rb") as src:
            size = os.fstat(src.fileno()).st_size
            left = size
            try:
                while left > 0:
                    copied = os.copy_file_range(src.fileno(), self._file.fileno(), left)
                    if copied == 0:
                        break
                    left -= copied
            except AttributeError:  # no copy_file_range on this OS
                self._copy_rest(src, size - left)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                    raise  # a full disk stays a full disk
                self._copy_rest(src, size - left)
        self.digests.append_crc(crc64, size)

    def _copy_rest(self, src: BinaryIO, offset: int) -> None:
        assert self._file is not None
        src.seek(offset)
        while chunk := src.read(1024 * 1024):
            self._file.write(chunk)

    def finish(self, *, durable: bool = True) -> None:
        """Close the file; ``durable`` also waits until it is on disk."""
        if self._file is not None:
            self._file.flush()
            if durable:
                os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def discard(self) -> None:
        """Close and remove the file; never raises, so a full disk cannot leave it behind."""
        file, self._file = self._file, None
        if file is not None:
            # close() flushes what is still buffered, which fails again on a full disk
            with contextlib.suppress(OSError):
                file.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def _key_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _write_json_atomic(path: Path, data: dict[str, Any], tmp_dir: Path) -> None:
    tmp = tmp_dir / f"meta-{secrets.token_hex(8)}.json"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class Storage:
    """Buckets and objects under ``root``. Thread-safe; commits of one bucket are serialised."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp_dir = self.root / ".osscb" / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        (self.root / "buckets").mkdir(exist_ok=True)
        self._lock = threading.Lock()
        # Leftovers from a crash are uploads that never became visible.
        for stale in self.tmp_dir.iterdir():
            with contextlib.suppress(OSError):
                stale.unlink()

    # buckets ---------------------------------------------------------------

    def _bucket_dir(self, bucket: str) -> Path:
        if not valid_bucket_name(bucket):  # also keeps bucket names from being paths
            raise ValueError(f"invalid bucket name {bucket!r}")
        return self.root / "buckets" / bucket

    def create_bucket(self, bucket: str) -> bool:
        """Create ``bucket``; False if it already existed."""
        path = self._bucket_dir(bucket)
        existed = path.is_dir()
        (path / "meta").mkdir(parents=True, exist_ok=True)
        (path / "blobs").mkdir(exist_ok=True)
        if not (path / "bucket.json").exists():
            _write_json_atomic(path / "bucket.json", {"name": bucket, "created": time.time()}, self.tmp_dir)
        return not existed

    def bucket_exists(self, bucket: str) -> bool:
        return valid_bucket_name(bucket) and (self._bucket_dir(bucket) / "bucket.json").is_file()

    def bucket_created(self, bucket: str) -> float:
        try:
            return float(json.loads((self._bucket_dir(bucket) / "bucket.json").read_text())["created"])
        except (OSError, ValueError, KeyError):
            return 0.0

    def list_buckets(self) -> list[str]:
        return sorted(p.name for p in (self.root / "buckets").iterdir() if self.bucket_exists(p.name))

    def delete_bucket(self, bucket: str) -> bool:
        """Delete an empty bucket; False if it still holds objects."""
        if any(True for _ in self.iter_objects(bucket)):
            return False
        shutil.rmtree(self._bucket_dir(bucket), ignore_errors=True)
        return True

    # objects ---------------------------------------------------------------

    def new_temp(self) -> TempFile:
        return TempFile(self.tmp_dir / f"up-{secrets.token_hex(12)}")

    def _meta_path(self, bucket: str, key: str) -> Path:
        kid = _key_id(key)
        return self._bucket_dir(bucket) / "meta" / kid[:2] / f"{kid}.json"

    def commit(self, bucket: str, key: str, temp: TempFile, *, content_type: str, headers: dict[str, str],
               object_type: str = "Normal", etag: str | None = None, content_md5: str | None = None,
               acl: str = "default") -> ObjectMeta:
        """Make ``temp`` the object ``key``; the rename of its metadata is the moment it appears."""
        d = temp.digests
        blob = secrets.token_hex(16)
        blob_path = self._bucket_dir(bucket) / "blobs" / blob
        try:
            temp.finish()  # the last buffered bytes can meet a full disk here
            os.replace(temp.path, blob_path)
            meta = ObjectMeta(
                key=key, size=d.size, etag=etag or d.etag, crc64=d.crc64,
                content_md5=d.content_md5 if content_md5 is None else content_md5, content_type=content_type,
                last_modified=time.time(), blob=blob, object_type=object_type, headers=dict(headers), acl=acl,
            )
            path = self._meta_path(bucket, key)
            path.parent.mkdir(exist_ok=True)
            with self._lock:
                old = self.get(bucket, key)
                _write_json_atomic(path, asdict(meta), self.tmp_dir)
        except BaseException:
            # nothing became visible: leave no temp file and no orphaned blob behind
            temp.discard()
            with contextlib.suppress(OSError):
                blob_path.unlink()
            raise
        if old is not None and old.blob != blob:
            with contextlib.suppress(FileNotFoundError):
                (self._bucket_dir(bucket) / "blobs" / old.blob).unlink()
        return meta

    def set_acl(self, bucket: str, key: str, acl: str) -> ObjectMeta | None:
        """Change an object's ACL (its bytes and Last-Modified stay); None if there is no such object."""
        path = self._meta_path(bucket, key)
        with self._lock:
            meta = self.get(bucket, key)
            if meta is None:
                return None
            meta.acl = acl
            _write_json_atomic(path, asdict(meta), self.tmp_dir)
        return meta

    def get(self, bucket: str, key: str) -> ObjectMeta | None:
        try:
            data = json.loads(self._meta_path(bucket, key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return ObjectMeta(**data)

    def blob_path(self, bucket: str, meta: ObjectMeta) -> Path:
        return self._bucket_dir(bucket) / "blobs" / meta.blob

    def open(self, bucket: str, meta: ObjectMeta) -> BinaryIO:
        return open(self.blob_path(bucket, meta), "rb")

    def delete(self, bucket: str, key: str) -> bool:
        path = self._meta_path(bucket, key)
        with self._lock:
            meta = self.get(bucket, key)
            if meta is None:
                return False
            path.unlink()
        with contextlib.suppress(FileNotFoundError):
            self.blob_path(bucket, meta).unlink()
        return True

    def iter_objects(self, bucket: str) -> Iterator[ObjectMeta]:
        meta_dir = self._bucket_dir(bucket) / "meta"
        if not meta_dir.is_dir():
            return
        for path in meta_dir.glob("*/*.json"):
            try:
                yield ObjectMeta(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue

    def sorted_objects(self, bucket: str) -> list[ObjectMeta]:
        return sorted(self.iter_objects(bucket), key=lambda m: m.key.encode("utf-8"))

    def cleanup_orphans(self, buckets: Iterable[str]) -> None:
        """Remove blobs no metadata points at (a crash between the two renames). Startup only."""
        for bucket in buckets:
            used = {m.blob for m in self.iter_objects(bucket)}
            for blob in (self._bucket_dir(bucket) / "blobs").iterdir():
                if blob.name not in used:
                    with contextlib.suppress(OSError):
                        blob.unlink()
