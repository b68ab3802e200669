"""Answering under load: a busy cell, a cell holding the GIL in C, and a burst of 200 callbacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import post_raw, send

OSS_DEADLINE = 5.0  # OSS waits 5 s for the callback answer, fixed (spec §1.1)


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_burst_of_200_concurrent_callbacks_none_missing(make_receiver, signer, tmp_path, mode):
    log = tmp_path / "burst.jsonl"
    r = make_receiver(mode=mode, log_path=log)
    n = 200
    requests = [signer.request(r.url + f"burst?i={i}", body=f"bucket=demo&i={i}".encode()) for i in range(n)]
    barrier = threading.Barrier(n)

    def fire(i: int) -> int:
        barrier.wait()
        return post_raw(r.port, requests[i])

    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = list(pool.map(fire, range(n)))
    assert statuses == [200] * n
    records = r.wait_for(n, timeout=60)
    assert sorted(rec.query for rec in records) == sorted(f"i={i}" for i in range(n))
    assert all(rec.verified for rec in records)
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(d["query"] for d in logged) == sorted(f"i={i}" for i in range(n))
    assert len({d["id"] for d in logged}) == n
    if mode == "thread":
        assert r._backend.server.resolver.fetch_count == 1  # one key fetch for the whole cold burst


def test_thread_mode_answers_while_a_cell_runs_a_pure_python_loop(make_receiver, signer):
    r = make_receiver(mode="thread")
    n = 30
    requests = [signer.request(r.url + f"busy?i={i}") for i in range(n)]
    latencies: list[float] = []
    statuses: list[int] = []

    def sender() -> None:
        for req in requests:
            t = time.monotonic()
            statuses.append(send(req, timeout=30).status_code)
            latencies.append(time.monotonic() - t)

    t = threading.Thread(target=sender)
    t.start()
    spins = 0
    while t.is_alive():  # the "cell": pure Python, never sleeps
        spins += 1
    t.join()
    assert spins > 0
    assert statuses == [200] * n  # the spin only ends once every request was answered
    # Typical replies fit OSS's budget. Not the maximum: in thread mode a busy cell can stall one
    # reply past 5 s (benchmarks/README.md), which is why process mode is the default.
    assert sorted(latencies)[n // 2] < OSS_DEADLINE
    assert len(r.wait_for(n)) == n


SENDER = r"""
import http.client, json, sys, time
reqs = json.load(open(sys.argv[1]))
port = int(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()              # "go": the parent is about to hold the GIL
time.sleep(0.3)                   # make sure it is inside the C call
out = []
for target, headers, body in reqs:
    t0 = time.time()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", target, body=body.encode(), headers=dict(headers))
    resp = c.getresponse(); resp.read(); c.close()
    out.append({"status": resp.status, "sent": t0, "answered": time.time()})
print(json.dumps(out), flush=True)
"""


def _gil_holding_pattern(min_seconds: float) -> tuple[re.Pattern[str], str]:
    """A catastrophic-backtracking match: ``re`` runs it in C without releasing the GIL.
    Each extra character doubles the time, so size it from a quick measurement."""
    pattern = re.compile(r"(a+)+$")
    n = 18
    t = time.perf_counter()
    pattern.match("a" * n + "b")
    base = max(time.perf_counter() - t, 1e-4)
    while base < min_seconds and n < 34:
        n += 1
        base *= 2
    return pattern, "a" * n + "b"


def test_process_mode_answers_within_5s_while_the_kernel_holds_the_gil(make_receiver, signer, tmp_path):
    r = make_receiver(mode="process")
    assert send(signer.request(r.url + "warmup")).status_code == 200  # the child caches the key now
    reqs = []
    for i in range(8):
        req = signer.request(r.url + f"gil?i={i}")
        reqs.append([req.target, [(k, v) for k, v in req.headers if k.lower() not in ("host", "connection")],
                     req.body.decode()])
    spec = tmp_path / "reqs.json"
    spec.write_text(json.dumps(reqs))
    proc = subprocess.Popen([sys.executable, "-c", SENDER, str(spec), str(r.port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        pattern, subject = _gil_holding_pattern(min_seconds=3.0)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        held_from = time.time()
        assert pattern.match(subject) is None  # holds the GIL for seconds, in one C call
        held_until = time.time()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    results = json.loads(out)
    assert [x["status"] for x in results] == [200] * 8
    assert all(x["answered"] - x["sent"] < OSS_DEADLINE for x in results)
    # The premise: the answers came while this process was stuck in the C call.
    assert all(held_from < x["answered"] < held_until for x in results), (held_from, held_until, results)
    records = r.wait_for(9)
    assert sum(rec.verified for rec in records) == 9
