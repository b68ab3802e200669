"""Faults: a callback server that is down, slow, closes mid-reply or replies garbage; an emulator
restarted on the same data dir; a full disk. Uploads stay stored (203) or fail cleanly."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import oss2
import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import ReplySettings
from osscb_notebook.upload import UploadTarget, upload
from tests.support import SocketServer, closed_port, read_request

OSS_CALLBACK_BUDGET = 5.0  # fixed by OSS (spec §1.1); the only timing the suite asserts


def bucket_of(emu: Emulator) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")


def callback_to(url: str) -> dict[str, str]:
    return {"callbackUrl": url, "callbackBody": "object=${object}&size=${size}"}


def assert_stored_but_callback_failed(emu: Emulator, key: str, data: bytes, out) -> None:  # noqa: ANN001
    assert out.status == 203 and out.error_code == "CallbackFailed", (out.status, out.body[:300])
    assert out.stored and not out.callback_ok
    assert bucket_of(emu).get_object(key).read() == data  # OSS keeps the object when the callback fails
    record = next(r for r in reversed(emu.records) if r.key == key)
    assert record.outcome == "callback_failed"


def test_callback_server_down(emulator: Emulator, target: UploadTarget) -> None:
    out = upload(target, "faults/down", b"down", callback=callback_to(f"http://127.0.0.1:{closed_port()}/cb"))
    assert_stored_but_callback_failed(emulator, "faults/down", b"down", out)
    assert "connect" in out.error_message.lower() or "502" in out.error_message


def test_slow_callback_server_hits_the_5_second_budget(emulator: Emulator, target: UploadTarget, make_receiver) -> None:
    receiver = make_receiver(trust_key_urls=[emulator.endpoint + "/"], reply=ReplySettings(delay=OSS_CALLBACK_BUDGET + 1.5))
    t0 = time.monotonic()
    out = upload(target, "faults/slow", b"slow", callback=callback_to(receiver.url + "slow"))
    took = time.monotonic() - t0
    assert_stored_but_callback_failed(emulator, "faults/slow", b"slow", out)
    assert out.ec == "0007-00000202", out.body
    assert OSS_CALLBACK_BUDGET - 0.5 <= took < OSS_CALLBACK_BUDGET + 3, took  # the protocol deadline, not a benchmark
    assert receiver.wait_for(1, timeout=10)[-1].verified  # it did arrive, and was genuine


def _close_mid_reply(conn) -> None:  # noqa: ANN001
    read_request(conn)
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Sta')


def _garbage(conn) -> None:  # noqa: ANN001
    read_request(conn)
    conn.sendall(b"\x00\xff\xfe garbage, not HTTP \r\n\r\n" + os.urandom(64))


def _not_json(conn) -> None:  # noqa: ANN001
    read_request(conn)
    body = b"<html>OK</html>"
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def _close_at_once(conn) -> None:  # noqa: ANN001
    read_request(conn)


@pytest.mark.parametrize("behaviour", [_close_mid_reply, _garbage, _not_json, _close_at_once],
                         ids=["closes-mid-reply", "garbage", "200-not-json", "closes-without-reply"])
def test_misbehaving_callback_server(emulator: Emulator, target: UploadTarget, behaviour: Callable) -> None:
    server = SocketServer(behaviour)
    try:
        key = f"faults/{behaviour.__name__}"
        t0 = time.monotonic()
        out = upload(target, key, b"payload", callback=callback_to(server.url))
        assert time.monotonic() - t0 < OSS_CALLBACK_BUDGET + 3
    finally:
        server.stop()
    assert server.connections == 1  # OSS does not retry
    assert_stored_but_callback_failed(emulator, key, b"payload", out)
    if behaviour is _not_json:
        assert out.ec == "0007-00000205"


def test_emulator_restart_keeps_objects_uploads_in_progress_and_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "persist"
    objects = {f"restart/{i}": os.urandom(1000 + i) for i in range(5)}
    with Emulator(data_dir=data_dir) as first:
        bucket = bucket_of(first)
        for key, data in objects.items():
            bucket.put_object(key, data)
        heads = {k: bucket.head_object(k) for k in objects}
        upload_id = bucket.init_multipart_upload("restart/mpu").upload_id
        part = bucket.upload_part("restart/mpu", upload_id, 1, b"m" * 2048)
        pem = first.public_key_pem
    with Emulator(data_dir=data_dir) as second:  # a new process would see the same: all state is on disk
        bucket = bucket_of(second)
        for key, data in objects.items():
            assert bucket.get_object(key).read() == data
            head = bucket.head_object(key)
            assert (head.etag, head.server_crc) == (heads[key].etag, heads[key].server_crc)
        from oss2.models import PartInfo

        done = bucket.complete_multipart_upload("restart/mpu", upload_id, [PartInfo(1, part.etag)])
        assert done.status == 200 and bucket.get_object("restart/mpu").read() == b"m" * 2048
        assert second.public_key_pem == pem  # receivers that trusted it keep verifying
        assert sorted(o.key for o in oss2.ObjectIterator(bucket, prefix="restart/")) == sorted([*objects, "restart/mpu"])


# -- disk full -----------------------------------------------------------------------------------

_RLIMIT_EMULATOR = r"""
import resource, signal, sys
from osscb_notebook.emulator import Emulator
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing us
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
emu = Emulator(data_dir=sys.argv[1]).start()
print(emu.endpoint, flush=True)
sys.stdin.read()
emu.stop()
"""


@contextlib.contextmanager
def small_disk(tmp_path: Path, how: str) -> Iterator[tuple[str, Path]]:
    """An emulator whose data dir cannot take more than ~1 MiB: a 1 MiB tmpfs (needs root), or
    RLIMIT_FSIZE on the emulator's own process (works anywhere). Yields (endpoint, data dir)."""
    mount_point = Path(tempfile.mkdtemp(prefix="osscb-full-", dir=tmp_path))
    if how == "tmpfs":
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                                               capture_output=True).returncode != 0:
            pytest.skip("mounting a tmpfs needs root; the RLIMIT_FSIZE variant covers disk full")
        try:
            with Emulator(data_dir=mount_point / "data") as emu:
                yield emu.endpoint, emu.data_dir
        finally:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
        return
    data = mount_point / "data"
    proc = subprocess.Popen([sys.executable, "-c", _RLIMIT_EMULATOR, str(data), str(1024 * 1024)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip(), data
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


@pytest.mark.parametrize("how", ["tmpfs", "rlimit"])
def test_disk_full_gives_a_clear_error_and_loses_nothing(tmp_path: Path, how: str) -> None:
    from osscb_notebook.emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

    with small_disk(tmp_path, how) as (endpoint, data_dir):
        target = UploadTarget(endpoint, "demo", DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, kind="emulator")
        bucket = target.client()
        small = {f"full/small-{i}": os.urandom(20_000) for i in range(5)}
        for key, data in small.items():
            assert upload(target, key, data).status == 200

        for operation in ("PutObject", "Multipart", "PostObject"):
            key = f"full/too-big-{operation}"
            out = upload(target, key, os.urandom(3 * 1024 * 1024), operation=operation, part_size=256 * 1024)  # type: ignore[arg-type]
            assert out.status >= 400 and out.error_code, (operation, out.status, out.body[:300])
            # a clear error: says what happened, not just "internal error"
            assert any(w in (out.error_message + out.error_code).lower() for w in ("space", "disk", "full", "storage")), \
                (operation, out.error_code, out.error_message)
            assert not bucket.object_exists(key)  # never half-visible
            assert key not in [o.key for o in oss2.ObjectIterator(bucket, prefix="full/")]

        for key, data in small.items():  # nothing already stored was lost
            assert bucket.get_object(key).read() == data
        leftovers = [p for p in (data_dir / ".osscb" / "tmp").rglob("*") if p.is_file()]
        assert leftovers == []  # failed uploads cleaned up after themselves
        assert upload(target, "full/after", b"still works").status == 200


_LAST_BYTES_SCRIPT = r"""
import os, resource, signal, sys
from pathlib import Path
from osscb_notebook.emulator._storage import Storage
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
root = Path(sys.argv[1])
storage = Storage(root)
storage.create_bucket("demo")
kept = storage.new_temp()
kept.write(b"kept")
storage.commit("demo", "kept", kept, content_type="text/plain", headers={})
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
failures = []
for how in ("commit", "discard"):
    temp = storage.new_temp()
    temp.write(os.urandom(6000))  # still in the write buffer: nothing has reached the disk yet
    try:
        if how == "commit":
            storage.commit("demo", "too-big", temp, content_type="text/plain", headers={})
        else:
            temp.discard()  # must not raise, though closing flushes into the full disk
    except OSError as exc:
        failures.append((how, exc.errno))
print(failures, sorted(str(p.relative_to(root)) for p in (root / ".osscb" / "tmp").rglob("*")),
      storage.get("demo", "too-big"), storage.get("demo", "kept") is not None, flush=True)
"""


def test_disk_full_on_the_last_buffered_bytes_leaves_nothing_behind(tmp_path: Path) -> None:
    """The disk can fill when the last buffered bytes are flushed (at commit, or at discard's
    close), after every write() succeeded: that must clean up too."""
    import errno

    out = subprocess.run([sys.executable, "-c", _LAST_BYTES_SCRIPT, str(tmp_path / "data")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"[('commit', {errno.EFBIG})] [] None True"
    blobs = [p for p in (tmp_path / "data").rglob("blobs/*") if p.is_file()]
    assert len(blobs) == 1  # only "kept": no orphaned blob from the failed commit
