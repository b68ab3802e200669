"""The load generator: a separate process that sends pre-built raw requests over loopback.

Raw sockets, not an HTTP client library, so the client costs as little as possible and the
figure is about the server. Each request is sent on a fresh connection (OSS sends
``Connection: close``) and read until the server closes it.

``python -m benchmarks.load SPEC.pickle`` prints one JSON line: completed, statuses, errors,
elapsed and (in ``latency`` mode) every latency in ms.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LoadSpec:
    """``throughput``: ``concurrency`` workers send back to back until ``count`` requests are done
    or ``duration`` s passed. ``latency``: one request every ``interval`` s, ``count`` of them."""

    host: str
    port: int
    requests: list[bytes]
    mode: str = "throughput"
    concurrency: int = 8
    count: int = 1000
    duration: float = 10.0
    interval: float = 0.02
    timeout: float = 30.0
    warmup: int = 20
    start_delay: float = 0.0


@dataclass
class LoadResult:
    completed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


def one_request(host: str, port: int, raw: bytes, timeout: float) -> int:
    """Send ``raw``, read to EOF, return the status code (raises OSError on network errors)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    line = data.split(b"\r\n", 1)[0].split()
    if len(line) < 2:
        raise OSError(f"no status line in {data[:60]!r}")
    return int(line[1])


def run(spec: LoadSpec) -> LoadResult:
    result = LoadResult()
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    time.sleep(spec.start_delay)
    for raw in spec.requests[: spec.warmup]:  # connections, caches and key fetches settle first
        with contextlib.suppress(OSError):
            one_request(spec.host, spec.port, raw, spec.timeout)
    if spec.mode == "latency":
        start = time.perf_counter()
        for i in range(spec.count):
            if time.perf_counter() - start > spec.duration:
                break  # bounded in time as well as in count
            raw = spec.requests[i % len(spec.requests)]
            t0 = time.perf_counter()
            try:
                statuses[str(one_request(spec.host, spec.port, raw, spec.timeout))] += 1
            except OSError:
                result.errors += 1
            # a timed-out request counts with the time it cost: dropping it would flatter the tail
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
            time.sleep(spec.interval)
        result.elapsed = time.perf_counter() - start
        result.completed = sum(statuses.values())
        result.statuses = dict(statuses)
        return result

    next_index = [0]
    deadline = time.perf_counter() + spec.duration

    def worker() -> None:
        while time.perf_counter() < deadline:
            with lock:
                i = next_index[0]
                if i >= spec.count:
                    return
                next_index[0] += 1
            try:
                status = one_request(spec.host, spec.port, spec.requests[i % len(spec.requests)], spec.timeout)
                with lock:
                    statuses[str(status)] += 1
            except OSError:
                with lock:
                    result.errors += 1

    threads = [threading.Thread(target=worker) for _ in range(spec.concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - start
    result.completed = sum(statuses.values())
    result.statuses = dict(statuses)
    return result


def main() -> None:
    spec: LoadSpec = pickle.loads(Path(sys.argv[1]).read_bytes())
    print(json.dumps(run(spec).__dict__), flush=True)


if __name__ == "__main__":
    main()
