"""Server behaviour: virtual-host addressing, ranges, overwrite protection, listeners on the
server thread, and silence (server threads never print)."""

from __future__ import annotations

import socket
import threading
from urllib.parse import quote, urlsplit

import httpx
import oss2
import pytest

from tests.emulator.emulator_helpers import b64json, unique


def test_virtual_host_addressing_by_host_header(emulator, bucket):
    """``Host: demo.localhost:PORT`` selects the bucket; the V1 signature covers ``/demo/key``."""
    key = unique("vh/key")
    bucket.put_object(key, b"virtual")
    query = urlsplit(bucket.sign_url("GET", key, 60)).query
    url = f"{emulator.endpoint}/{quote(key, safe='')}?{query}"
    resp = httpx.get(url, headers={"Host": f"demo.localhost:{emulator.port}"})
    assert resp.status_code == 200 and resp.content == b"virtual"
    # path-style, the same request names a bucket "vh/key-...": the Host header is what selects "demo"
    resp = httpx.get(url)
    assert resp.status_code == 400 and b"InvalidBucketName" in resp.content


def test_range_requests(bucket):
    key = unique("range")
    bucket.put_object(key, b"0123456789")
    assert bucket.get_object(key, byte_range=(2, 4)).read() == b"234"
    assert bucket.get_object(key, byte_range=(None, 3)).read() == b"789"
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.get_object(key, byte_range=(20, 30))
    assert info.value.status == 416


def test_forbid_overwrite(bucket):
    key = unique("once")
    bucket.put_object(key, b"first", headers={"x-oss-forbid-overwrite": "true"})
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.put_object(key, b"second", headers={"x-oss-forbid-overwrite": "true"})
    assert info.value.status == 409 and info.value.code == "FileAlreadyExists"
    assert bucket.get_object(key).read() == b"first"


def test_listener_runs_on_a_server_thread(emulator, bucket):
    threads: list[str] = []
    unsubscribe = emulator.subscribe(lambda record: threads.append(threading.current_thread().name))
    try:
        bucket.put_object(unique("thread"), b"x")
    finally:
        unsubscribe()
    assert len(threads) == 1 and threads[0] != threading.current_thread().name


def test_records_are_bounded(tmp_path):
    from osscb_notebook.emulator import Emulator

    with Emulator(data_dir=tmp_path, max_records=3) as emu:
        b = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
        for i in range(5):
            b.put_object(f"k{i}", b"x")
        assert [r.key for r in emu.records] == ["k2", "k3", "k4"]
        assert emu.last_record.key == "k4"
        emu.clear_records()
        assert emu.records == [] and emu.last_record is None


def test_server_threads_never_print(emulator, bucket, callback_server, capfd):
    unsubscribe = emulator.subscribe(lambda record: 1 / 0)
    try:
        with socket.create_connection(("127.0.0.1", emulator.port)) as s:
            s.sendall(b"NONSENSE\r\n\r\n")
            s.recv(1024)
        with socket.create_connection(("127.0.0.1", emulator.port)) as s:
            s.sendall(b"PUT /demo/x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nshort")
        cb = b64json({"callbackUrl": callback_server.url("/status/500"), "callbackBody": "a=${bucket}"})
        assert bucket.put_object(unique("quiet"), b"x", headers={"x-oss-callback": cb}).status == 203
        httpx.get(f"{emulator.endpoint}/demo/nope?acl")
    finally:
        unsubscribe()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_unsupported_operation_is_501(emulator, bucket):
    with pytest.raises(oss2.exceptions.ServerError) as info:
        bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)  # object ACLs are implemented (issue #20)
    assert info.value.status == 501
