"""Receiver throughput (vs the official sample and a no-op server) and latency under a busy kernel."""

from __future__ import annotations

import ctypes
import os
import time

from osscb_notebook.receiver import start_receiver

from .harness import Context, Result, percentile, profiled
from .load import LoadResult, LoadSpec
from .servers import NoopHandler, NoopServer, SampleServer, Spawned, serve_in_thread, stop_server
from .workload import LoadProcess, SignedRequests, drive

GIL_HOLD_S = 8.0
CDN_RTT_MS = 10.0  # an assumed round trip to gosspublic.alicdn.com; loopback is ~0.1 ms


def _rate(r: LoadResult) -> float:
    """Answered-with-200 callbacks per second (a 400 or an error does not count)."""
    return r.statuses.get("200", 0) / r.elapsed if r.elapsed else 0.0


def _throughput_spec(port: int, requests: list[bytes], quick: bool) -> LoadSpec:
    return LoadSpec("127.0.0.1", port, requests, concurrency=8, count=400 if quick else 4000,
                    duration=5.0 if quick else 20.0)


def _sample_rate(key_server: Spawned, requests: list[bytes], spec_for: object, ctx: Context) -> LoadResult:
    sample = SampleServer(("127.0.0.1", 0), key_prefix=key_server.url + "/")
    serve_in_thread(sample)
    try:
        return drive(spec_for(sample.server_address[1]), ctx.scratch)  # type: ignore[operator]
    finally:
        stop_server(sample)


def noop_throughput(requests: list[bytes], ctx: Context) -> LoadResult:
    """The no-op stdlib server under the throughput load: the ceiling for a Python receiver."""
    noop = NoopServer(("127.0.0.1", 0), NoopHandler)
    serve_in_thread(noop)
    try:
        return drive(_throughput_spec(noop.server_address[1], requests, ctx.quick), ctx.scratch)
    finally:
        stop_server(noop)


def throughput(ctx: Context) -> list[Result]:
    signed = SignedRequests(ctx.scratch)
    # The real sample fetches from gosspublic.alicdn.com: a CDN round trip per callback, not loopback.
    with Spawned("keyserver", "--pem-file", str(signed.pem_file), "--delay-ms", str(CDN_RTT_MS)) as cdn:
        cdn_requests = signed.build(cdn.url + "/bench-pub.pem", 80)

        def short(port: int) -> LoadSpec:  # ~90 cb/s at best: a few seconds tell enough
            return LoadSpec("127.0.0.1", port, cdn_requests, concurrency=8, count=400, duration=5.0)

        r_sample_cdn = _sample_rate(cdn, cdn_requests, short, ctx)

    with Spawned("keyserver", "--pem-file", str(signed.pem_file)) as keys:
        requests = signed.build(keys.url + "/bench-pub.pem", 80)
        r_sample = _sample_rate(keys, requests, lambda port: _throughput_spec(port, requests, ctx.quick), ctx)

        r_noop = noop_throughput(requests, ctx)

        ours: dict[str, tuple[LoadResult, int]] = {}
        for mode in ("thread", "process"):
            receiver = start_receiver(mode=mode, trust_key_urls=(keys.url + "/",), history_size=100)
            try:
                spec = _throughput_spec(receiver.port, requests, ctx.quick)
                # process mode: the child serving (its pid) is what to look at
                pid = os.getpid() if mode == "thread" else receiver._backend.process.pid  # type: ignore[attr-defined]
                with profiled(ctx, pid, f"receiver-throughput-{mode}"):
                    res = drive(spec, ctx.scratch)
                # every answered callback must also be in the history (process mode streams them back)
                receiver.wait_for(min(spec.warmup, len(requests)) + res.completed, timeout=30)
                ours[mode] = (res, int(receiver.status()["requests"]))  # type: ignore[call-overload]
            finally:
                receiver.stop()

    sample_rate, noop_rate, cdn_rate = _rate(r_sample), _rate(r_noop), _rate(r_sample_cdn)
    results = []
    for mode in ("process", "thread"):  # process is start_receiver()'s default
        res, recorded = ours[mode]
        rate = _rate(res)
        label = f"{mode}, the default" if mode == "process" else mode
        notes = (f"8 client threads in a 2nd process, fresh connection per callback, RSA-2048; "
                 f"{res.statuses}, {res.errors} errors, {recorded} recorded")
        results += [
            Result(f"receiver throughput ({label}) vs official sample, key {CDN_RTT_MS:.0f} ms away", rate, cdn_rate,
                   "cb/s", f"official Python sample: HTTPServer, key fetched per request from a server answering "
                   f"after {CDN_RTT_MS:.0f} ms (the sample fetches from gosspublic.alicdn.com)", ">= 5x",
                   rate >= 5 * cdn_rate, f"{notes}; sample {r_sample_cdn.statuses}"),
            Result(f"receiver throughput ({label}) vs official sample, key on loopback", rate, sample_rate, "cb/s",
                   "the same sample fetching from a key server on this machine (~0.3 ms)", "info", None,
                   f"5x the sample would be {5 * sample_rate / noop_rate:.1f}x the no-op ceiling; "
                   f"sample {r_sample.statuses}"),
            Result(f"receiver throughput ({label}) vs no-op server", rate, noop_rate, "cb/s",
                   "no-op stdlib ThreadingHTTPServer", ">= 0.5x", rate >= 0.5 * noop_rate, notes),
        ]
    return results


def busy_python(until: LoadProcess, max_seconds: float = 120.0) -> int:
    """A pure-Python cell: loops (and so yields the GIL every 5 ms) until the load process ends
    (or ``max_seconds``, so a starved server cannot make the benchmark run forever)."""
    n = 0
    deadline = time.monotonic() + max_seconds
    while not until.done() and time.monotonic() < deadline:
        for i in range(10_000):
            n += i % 7
    return n


def hold_gil_in_c(seconds: float) -> float:
    """One C call that keeps the GIL: libc ``sleep`` through ``ctypes.PyDLL`` (which, unlike
    ``CDLL``, does not release the GIL), standing in for a C extension that computes without
    releasing it. No other thread of this process runs until it returns. Returns the real hold."""
    libc = ctypes.PyDLL(None)
    t0 = time.perf_counter()
    libc.usleep(ctypes.c_uint(int(seconds * 1_000_000)))
    return time.perf_counter() - t0


def _busy_latency(port: int, requests: list[bytes], count: int, ctx: Context, name: str) -> tuple[LoadResult, LoadResult]:
    """Latencies with an idle kernel, then while a pure-Python cell keeps the main thread busy."""
    spec = LoadSpec("127.0.0.1", port, requests, mode="latency", count=count, interval=0.01, duration=60.0,
                    timeout=10.0)
    idle = drive(spec, ctx.scratch, f"idle-{name}")
    load = LoadProcess(spec, ctx.scratch, f"busy-{name}")
    busy_python(load)
    return idle, load.result()


def _gil_reply(port: int, requests: list[bytes], ctx: Context, name: str) -> tuple[float, float, str]:
    """Reply time of one callback sent 1 s into an 8 s GIL hold; also the real hold duration."""
    spec = LoadSpec("127.0.0.1", port, requests, mode="latency", count=1, warmup=0, interval=0.0,
                    timeout=30.0, start_delay=1.0)
    load = LoadProcess(spec, ctx.scratch, f"gil-{name}")
    held = hold_gil_in_c(GIL_HOLD_S)
    res = load.result()
    ms = res.latencies_ms[0] if res.latencies_ms else float("inf")
    return ms, held, f"{res.statuses}, {res.errors} errors"


def _ms(r: LoadResult, q: float) -> str:
    return f"{percentile(r.latencies_ms, q):.1f}"


def latency(ctx: Context) -> list[Result]:
    signed = SignedRequests(ctx.scratch, n=64)
    count = 150 if ctx.quick else 600
    with Spawned("keyserver", "--pem-file", str(signed.pem_file)) as keys:
        requests = signed.build(keys.url + "/k.pem", 80)
        noop = NoopServer(("127.0.0.1", 0), NoopHandler)
        serve_in_thread(noop)
        try:
            noop_idle, noop_busy = _busy_latency(noop.server_address[1], requests, count, ctx, "noop")
        finally:
            stop_server(noop)
        lat: dict[str, tuple[LoadResult, LoadResult]] = {}
        gil: dict[str, tuple[float, float, str]] = {}
        for mode in ("thread", "process"):
            receiver = start_receiver(mode=mode, trust_key_urls=(keys.url + "/",), history_size=100)
            try:
                lat[mode] = _busy_latency(receiver.port, requests, count, ctx, mode)
                gil[mode] = _gil_reply(receiver.port, requests, ctx, mode)
            finally:
                receiver.stop()
    base_p99 = percentile(noop_busy.latencies_ms, 99)
    results = []
    for mode in ("process", "thread"):
        idle, busy = lat[mode]
        p99 = percentile(busy.latencies_ms, 99)
        results.append(Result(
            f"receiver p99 latency, busy Python cell ({'process, the default' if mode == 'process' else mode})", p99, base_p99, "ms",
            f"no-op stdlib server in a kernel thread, same busy cell (its p50 {_ms(noop_busy, 50)}, idle p99 {_ms(noop_idle, 99)})",
            "p99 < 50 ms" if mode == "process" else "info", p99 < 50 if mode == "process" else None,
            f"ours busy p50 {_ms(busy, 50)} ms, max {max(busy.latencies_ms):.0f} ms; idle p50 {_ms(idle, 50)} "
            f"p99 {_ms(idle, 99)} ms; {len(busy.latencies_ms)} samples {busy.statuses}, {busy.errors} timed out (10 s); "
            f"no-op server: {noop_busy.errors} timed out"))
    (t_ms, t_held, t_st), (p_ms, p_held, p_st) = gil["thread"], gil["process"]
    results.append(Result(
        f"reply time, cell holds GIL in C {GIL_HOLD_S:.0f} s (process)", p_ms, t_ms, "ms",
        "same receiver in thread mode (it can only answer when the C call returns)", "< 5000 ms", p_ms < 5000,
        f"GIL held {p_held:.1f} s / {t_held:.1f} s; callback sent 1 s into the hold; process {p_st}, thread {t_st}"))
    return results
