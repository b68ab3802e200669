"""Upload -> callback -> verify on the emulator, against the same PutObject without a callback."""

from __future__ import annotations

import os
import time
from typing import Any

from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

from .harness import Context, Result, median, percentile, profiled


def _interleaved(n: int, target: UploadTarget, callback: dict[str, Any]) -> tuple[list[float], list[float], int]:
    """``n`` plain uploads and ``n`` with a callback, alternating so that drift (page cache, CPU
    frequency, the neighbours) hits both sides alike. Returns both timings and the failures."""
    payload = b"x" * 1024
    plain: list[float] = []
    with_cb: list[float] = []
    failures = 0
    for i in range(n):
        t0 = time.perf_counter()
        out = upload(target, f"plain/{i}", payload)
        plain.append(time.perf_counter() - t0)
        failures += out.status != 200
        t0 = time.perf_counter()
        out = upload(target, f"cb/{i}", payload, callback=callback, callback_vars={"x:run": str(i)})
        with_cb.append(time.perf_counter() - t0)
        failures += not out.callback_ok
    return plain, with_cb, failures


def roundtrip(ctx: Context) -> list[Result]:
    n = 40 if ctx.quick else 300
    with Emulator(data_dir=ctx.scratch / "rt-emulator") as emu:
        receiver = start_receiver(mode="thread", trust_key_urls=(emu.endpoint + "/",), history_size=n + 50)
        try:
            target = UploadTarget.for_emulator(emu)
            callback = {"callbackUrl": receiver.url + "cb",
                        "callbackBody": "bucket=${bucket}&object=${object}&size=${size}&etag=${etag}&var=${x:run}"}
            _interleaved(5, target, callback)  # warm-up: connections, the receiver's one key fetch
            receiver.clear()
            with profiled(ctx, os.getpid(), "roundtrip"):
                plain, with_cb, failures = _interleaved(n, target, callback)
            verified = sum(1 for rec in receiver.history if rec.verified)
        finally:
            receiver.stop()
    ours, base = median(with_cb) * 1000, median(plain) * 1000
    return [Result(
        "upload+callback+verify round trip (p50)", ours, base, "ms", "the same 1 KiB PutObject, no callback",
        "<= 2x", ours <= 2 * base and failures == 0 and verified == n,
        f"{n} each, interleaved; p99 {percentile(with_cb, 99) * 1000:.1f} vs {percentile(plain, 99) * 1000:.1f} ms; "
        f"{verified} callbacks verified by the receiver, {failures} failures")]
