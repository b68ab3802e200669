"""Parallel multipart and the client's own CRC-64 check: against the emulator, and against a stand-in
OSS on loopback whose answers (wrong CRCs, failures, slow parts) the test chooses."""

from __future__ import annotations

import hashlib
import io
import random
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import oss2
import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.errors import UploadError
from osscb_notebook.upload import UploadTarget, upload
from tests.support import LoopbackServer

PART = 100 * 1024  # OSS's (and the emulator's) minimum part size
PAYLOAD = random.Random(7).randbytes(10 * PART + 12345)  # 11 parts, the last one short


def oss2_crc(data: bytes) -> int:
    """The CRC-64 as oss2 computes it (crcmod): independent of the kit's anycrc code."""
    crc = oss2.utils.Crc64(0)
    crc.update(data)
    return int(crc.crc)


def sources(tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "payload.bin"
    path.write_bytes(PAYLOAD)
    return {"path": path, "bytes": PAYLOAD, "stream": io.BytesIO(PAYLOAD)}


# against the emulator -------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["path", "bytes", "stream"])
def test_multipart_threads_1_and_4_store_the_same_object(emulator: Emulator, tmp_path: Path, source: str) -> None:
    target = UploadTarget.for_emulator(emulator)
    bucket = target.client()
    stored = {}
    for threads in (1, 4):
        data = sources(tmp_path)[source]
        key = f"par/{source}-{threads}.bin"
        outcome = upload(target, key, data, operation="Multipart", part_size=PART, threads=threads)  # type: ignore[arg-type]
        assert outcome.status == 200, outcome.body
        head = bucket.head_object(key)
        stored[threads] = (bucket.get_object(key).read(), head.etag, head.server_crc, outcome.crc64)
    assert stored[1] == stored[4]
    body, etag, crc, reported = stored[4]
    assert body == PAYLOAD
    assert crc == oss2_crc(PAYLOAD) and reported == str(crc)
    assert etag.endswith("-11")  # the same 11 parts, in the same order


def test_multipart_progress_is_on_the_calling_thread_and_monotonic(emulator: Emulator) -> None:
    seen: list[tuple[int, int, int]] = []
    upload(UploadTarget.for_emulator(emulator), "par/progress.bin", PAYLOAD, operation="Multipart", part_size=PART,
           threads=4, progress=lambda done, total: seen.append((threading.get_ident(), done, total)))
    assert {ident for ident, _, _ in seen} == {threading.get_ident()}
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and len(set(done)) == len(done) == 11
    assert seen[-1][1:] == (len(PAYLOAD), len(PAYLOAD))


@pytest.mark.parametrize("source", ["path", "bytes", "stream"])
def test_put_object_checks_crc_and_reports_progress(emulator: Emulator, tmp_path: Path, source: str) -> None:
    target = UploadTarget.for_emulator(emulator)
    seen: list[tuple[int, int]] = []
    outcome = upload(target, f"put/{source}.bin", sources(tmp_path)[source],  # type: ignore[arg-type]
                     progress=lambda done, total: seen.append((done, total)))
    assert outcome.status == 200 and outcome.crc64 == str(oss2_crc(PAYLOAD))
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert target.client().get_object(f"put/{source}.bin").read() == PAYLOAD


def test_put_object_sends_a_stream_from_where_it_stands(emulator: Emulator) -> None:
    stream = io.BytesIO(b"skip" + PAYLOAD)
    stream.read(4)
    target = UploadTarget.for_emulator(emulator)
    assert upload(target, "put/tail.bin", stream).status == 200
    assert target.client().get_object("put/tail.bin").read() == PAYLOAD


@pytest.mark.parametrize(("option", "value"), [("threads", 0), ("threads", -1), ("part_size", 0)])
def test_nonsense_threads_or_part_size_is_an_upload_error(emulator: Emulator, option: str, value: int) -> None:
    with pytest.raises(UploadError, match=option):
        upload(UploadTarget.for_emulator(emulator), "k", b"x", operation="Multipart", **{option: value})  # type: ignore[arg-type]


# against a stand-in OSS -----------------------------------------------------------------------


class FakeOSS:
    """Answers PutObject and the multipart calls like OSS, CRC-64 header included, except where told:
    ``wrong`` names the answers whose CRC is off by one bit (``"put"``, ``"part 2"``, ``"complete"``),
    ``fail`` maps part numbers to an error status, ``delay`` slows each part down, and ``gather`` holds
    each part until that many have been in flight at once (10 s at most), so overlap does not depend
    on how fast this machine schedules threads."""

    def __init__(self) -> None:
        self.wrong: set[str] = set()
        self.fail: dict[int, int] = {}
        self.delay = 0.0
        self.gather = 0
        self.send_crc = True
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.parts: dict[int, bytes] = {}
        self.active = self.max_active = 0
        self._lock = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_PUT(self) -> None:
                query = self._note("PUT")
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if "partNumber" not in query:
                    return self._reply(200, fake.crc_header("put", body))
                number = int(query["partNumber"][0])
                with fake._lock:
                    fake.active += 1
                    fake.max_active = max(fake.max_active, fake.active)
                    fake._lock.notify_all()
                    fake._lock.wait_for(lambda: fake.max_active >= fake.gather, timeout=10)
                time.sleep(fake.delay)
                with fake._lock:
                    fake.active -= 1
                    fake.parts[number] = body
                if number in fake.fail:
                    return self._reply(fake.fail[number], [], b"<Error><Code>InternalError</Code></Error>")
                self._reply(200, fake.crc_header(f"part {number}", body))

            def do_POST(self) -> None:
                query = self._note("POST")
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if "uploads" in query:
                    return self._reply(200, [], b"<InitiateMultipartUploadResult><UploadId>UP1</UploadId>"
                                                b"</InitiateMultipartUploadResult>")
                numbers = [int(n.text or "") for n in ET.fromstring(body).iter("PartNumber")]
                whole = b"".join(fake.parts[n] for n in numbers)
                self._reply(200, fake.crc_header("complete", whole), b"<CompleteMultipartUploadResult/>")

            def do_DELETE(self) -> None:
                self._note("DELETE")
                self._reply(204, [])

            def _note(self, method: str) -> dict[str, list[str]]:
                query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                with fake._lock:
                    fake.requests.append((method, query))
                return query

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = LoopbackServer(Handler)
        self.url = self.server.base

    def crc_header(self, what: str, body: bytes) -> list[tuple[str, str]]:
        headers = [("ETag", f'"{hashlib.md5(body).hexdigest().upper()}"')]
        if self.send_crc:
            headers.append(("x-oss-hash-crc64ecma", str(oss2_crc(body) ^ (1 if what in self.wrong else 0))))
        return headers

    @property
    def aborted(self) -> bool:
        return any(method == "DELETE" and q.get("uploadId") == ["UP1"] for method, q in self.requests)

    def close(self) -> None:
        self.server.stop()


@pytest.fixture
def fake() -> Iterator[FakeOSS]:
    server = FakeOSS()
    yield server
    server.close()


def fake_target(fake: FakeOSS) -> UploadTarget:
    return UploadTarget(fake.url, "demo", "id", "secret", kind="emulator")


def test_the_fake_answers_right_when_not_told_otherwise(fake: FakeOSS) -> None:
    assert upload(fake_target(fake), "k", PAYLOAD).status == 200
    assert upload(fake_target(fake), "k", PAYLOAD, operation="Multipart", part_size=PART).status == 200
    assert not fake.aborted


@pytest.mark.parametrize("source", ["path", "bytes", "stream"])
def test_put_object_crc_mismatch_is_an_upload_error(fake: FakeOSS, tmp_path: Path, source: str) -> None:
    fake.wrong = {"put"}
    with pytest.raises(UploadError, match="PutObject.*CRC-64 mismatch") as info:
        upload(fake_target(fake), "k", sources(tmp_path)[source])  # type: ignore[arg-type]
    assert str(oss2_crc(PAYLOAD)) in str(info.value) and "retry the upload" in str(info.value)


@pytest.mark.parametrize("threads", [1, 4])
def test_part_crc_mismatch_aborts_the_upload(fake: FakeOSS, tmp_path: Path, threads: int) -> None:
    fake.wrong = {"part 3"}
    with pytest.raises(UploadError, match="UploadPart 3 .*CRC-64 mismatch"):
        upload(fake_target(fake), "k", sources(tmp_path)["path"], operation="Multipart", part_size=PART,  # type: ignore[arg-type]
               threads=threads)
    assert fake.aborted
    assert fake.requests[-1][0] == "DELETE"  # after every part in flight, and no Complete
    assert not any(method == "POST" and "uploadId" in q for method, q in fake.requests)


def test_complete_crc_mismatch_is_an_upload_error(fake: FakeOSS) -> None:
    fake.wrong = {"complete"}
    with pytest.raises(UploadError, match="CompleteMultipartUpload.*CRC-64 mismatch"):
        upload(fake_target(fake), "k", PAYLOAD, operation="Multipart", part_size=PART)


def test_no_crc_header_means_no_check(fake: FakeOSS) -> None:
    fake.send_crc = False
    fake.wrong = {"put", "part 1", "complete"}
    assert upload(fake_target(fake), "k", PAYLOAD).status == 200
    assert upload(fake_target(fake), "k", PAYLOAD, operation="Multipart", part_size=PART).status == 200


def test_a_failing_part_aborts_and_comes_back_as_the_outcome(fake: FakeOSS) -> None:
    fake.fail = {5: 500}
    outcome = upload(fake_target(fake), "k", PAYLOAD, operation="Multipart", part_size=PART, threads=4)
    assert outcome.status == 500  # an OSS error answer is an outcome, as before
    assert fake.aborted


@pytest.mark.parametrize("threads", [1, 3])
def test_parts_go_in_parallel_but_never_more_than_threads(fake: FakeOSS, threads: int) -> None:
    fake.delay, fake.gather = 0.05, threads
    assert upload(fake_target(fake), "k", PAYLOAD, operation="Multipart", part_size=PART, threads=threads).status == 200
    assert fake.max_active == threads


def test_multipart_reads_no_further_ahead_than_threads_parts(fake: FakeOSS) -> None:
    fake.delay = 0.02
    stream = io.BytesIO(PAYLOAD)
    ahead: list[int] = []  # bytes read from the stream but not yet stored, seen at each progress call
    upload(fake_target(fake), "k", stream, operation="Multipart", part_size=PART, threads=2,
           progress=lambda done, total: ahead.append(stream.tell() - done))
    assert len(ahead) == 11 and 0 < max(ahead) <= 2 * PART


def test_more_threads_than_oss2s_pool_keep_their_connections(fake: FakeOSS, caplog: pytest.LogCaptureFixture) -> None:
    fake.gather = 11
    with caplog.at_level("WARNING", logger="urllib3.connectionpool"):
        assert upload(fake_target(fake), "k", PAYLOAD, operation="Multipart", part_size=PART, threads=11).status == 200
    assert fake.max_active == 11
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
