"""Storage: durable across restarts, atomic, streamed, and keys can never escape the data dir."""

from __future__ import annotations

import http.client
import os
import threading
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import oss2
import pytest

from osscb_notebook.emulator import Emulator
from tests.emulator.emulator_helpers import unique


def _bucket(emu: Emulator, name: str = "demo") -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, name)


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_restart_keeps_objects_key_and_uploads(tmp_path):
    data = tmp_path / "data"
    with Emulator(data_dir=data, buckets=("demo",)) as emu:
        b = _bucket(emu)
        b.put_object("dir/kept.txt", b"still here")
        upload_id = b.init_multipart_upload("mp").upload_id
        part = b.upload_part("mp", upload_id, 1, b"part one")
        pem = emu.public_key_pem
        first_port = emu.port
    assert not emu.running
    with Emulator(data_dir=data, buckets=("demo", "second")) as emu2:
        b = _bucket(emu2)
        assert b.get_object("dir/kept.txt").read() == b"still here"
        assert emu2.public_key_pem == pem  # one key per data dir, persisted
        assert httpx.get(emu2.public_key_url).content == pem
        b.complete_multipart_upload("mp", upload_id, [oss2.models.PartInfo(1, part.etag)])
        assert b.get_object("mp").read() == b"part one"
        assert sorted(emu2.buckets) == ["demo", "second"]
        assert emu2.records == [] or all(r.operation for r in emu2.records)
    key_file = data / ".osscb" / "callback_private_key.pem"
    assert key_file.stat().st_mode & 0o077 == 0
    assert first_port > 0


def test_in_process_lifecycle_port_zero_and_clean_stop(tmp_path):
    emu = Emulator(data_dir=tmp_path)
    emu.start()
    try:
        assert emu.endpoint.startswith("http://127.0.0.1:") and emu.port > 0
        assert httpx.get(emu.endpoint + "/_osscb/health").status_code == 200
        assert emu.start() is emu  # idempotent
    finally:
        emu.stop()
    emu.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{emu.config.port or 1}/_osscb/health", timeout=1)


def test_port_in_use_is_a_clear_error(emulator):
    from osscb_notebook.errors import EmulatorError

    with pytest.raises(EmulatorError) as info:
        Emulator(port=emulator.port).start()
    assert "Choose another --port" in str(info.value)


def test_temp_data_dir_is_removed_by_context_manager():
    with Emulator() as emu:
        path = emu.data_dir
        assert path.is_dir()
    assert not path.exists()


def test_bad_content_md5_stores_nothing(emulator, bucket):
    key = unique("md5")
    before = _all_files(emulator.data_dir / ".osscb" / "tmp")
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.put_object(key, b"abc", headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="})
    assert info.value.code == "InvalidDigest"
    assert not bucket.object_exists(key)
    assert _all_files(emulator.data_dir / ".osscb" / "tmp") == before == set()


def test_overwrite_replaces_atomically(emulator, bucket):
    key = unique("over")
    bucket.put_object(key, b"one")
    first = emulator.object_path("demo", key)
    bucket.put_object(key, b"two")
    second = emulator.object_path("demo", key)
    assert first != second and not first.exists() and second.read_bytes() == b"two"


@pytest.mark.parametrize("key", ["../../escape", "../../../../../../tmp/osscb-escape", "a/../../b"])
def test_dot_dot_keys_stay_inside(emulator, bucket, key):
    outside = _all_files(emulator.data_dir.parent)
    bucket.put_object(key, b"inside")
    path = emulator.object_path("demo", key)
    assert path is not None and emulator.data_dir in path.resolve().parents
    assert bucket.get_object(key).read() == b"inside"
    new = _all_files(emulator.data_dir.parent) - outside
    assert all(emulator.data_dir in p.resolve().parents for p in new)
    assert not Path("/tmp/osscb-escape").exists()


@pytest.mark.parametrize("key", ["/absolute", "\\backslash", "nul\x00byte", "x" * 1024])
def test_invalid_keys_are_rejected(bucket, key):
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.put_object(key, b"x")
    assert info.value.status == 400 and info.value.code == "InvalidObjectName"


def test_raw_dot_segments_in_the_request_line(emulator, bucket):
    """A raw ``/demo/../../x`` target (no client normalisation) is the key ``../../x``, stored inside."""
    url = urlsplit(bucket.sign_url("PUT", "../../raw-escape", 60))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("PUT", f"/demo/../../raw-escape?{url.query}", body=b"raw")
    assert conn.getresponse().status == 200
    conn.close()
    path = emulator.object_path("demo", "../../raw-escape")
    assert path is not None and emulator.data_dir in path.resolve().parents
    # a bucket name that tries to climb is an invalid bucket name
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/..%2F..%2Fetc/passwd")
    resp = conn.getresponse()
    assert resp.status == 400 and b"InvalidBucketName" in resp.read()
    conn.close()


def test_large_upload_is_streamed(emulator, bucket, tmp_path):
    """64 MB through oss2 from a file: peak Python memory (client and server threads together)
    stays a small fraction of the object."""
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        for _ in range(64):
            f.write(os.urandom(1024) * 1024)
    key = unique("big")
    tracemalloc.start()
    try:
        with open(src, "rb") as f:
            result = bucket.put_object(key, f)  # oss2 checks the CRC-64 of all 64 MB
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert result.status == 200
    assert peak_mb < 16, f"peak traced memory {peak_mb:.0f} MB for a 64 MB upload"
    assert emulator.object_path("demo", key).stat().st_size == src.stat().st_size


def test_upload_in_progress_is_invisible(emulator, bucket):
    """While a (chunked) upload is streaming, readers see the old object, whole; then the new one."""
    key = unique("atomic")
    bucket.put_object(key, b"old version")
    release = threading.Event()

    def body():
        yield b"new " * 50_000  # more than the file buffer, so it reaches the disk
        release.wait(10)  # hold the upload open half-way
        yield b"end"

    result: list[int] = []
    uploader = threading.Thread(target=lambda: result.append(bucket.put_object(key, body()).status))
    uploader.start()
    tmp = emulator.data_dir / ".osscb" / "tmp"
    deadline = time.monotonic() + 10
    while not any(p.stat().st_size for p in tmp.iterdir()):  # readiness: the server has the first bytes
        assert time.monotonic() < deadline, "upload never reached the server"
        release.wait(0.01)
    assert bucket.get_object(key).read() == b"old version"
    assert [o.key for o in oss2.ObjectIterator(bucket, prefix=key)] == [key]
    release.set()
    uploader.join(10)
    assert result == [200]
    assert bucket.get_object(key).read() == b"new " * 50_000 + b"end"
