"""Upload -> callback -> verify on the emulator, against the same PutObject without a callback."""

from __future__ import annotations

import time

from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

from .harness import Context, Result, median, percentile


def roundtrip(ctx: Context) -> list[Result]:
    n = 40 if ctx.quick else 300
    payload = b"x" * 1024
    with Emulator(data_dir=ctx.scratch / "rt-emulator") as emu:
        receiver = start_receiver(mode="thread", trust_key_urls=(emu.endpoint + "/",), history_size=n + 50)
        try:
            target = UploadTarget.for_emulator(emu)
            callback = {"callbackUrl": receiver.url + "cb",
                        "callbackBody": "bucket=${bucket}&object=${object}&size=${size}&etag=${etag}&var=${x:run}"}
            for i in range(5):  # warm-up: connections, the receiver's one key fetch
                upload(target, f"warm/{i}", payload, callback=callback, callback_vars={"x:run": "warm"})
                upload(target, f"warm/plain-{i}", payload)
            plain: list[float] = []
            with_cb: list[float] = []
            failures = 0
            # interleaved so drift (page cache, CPU frequency) hits both sides alike
            for i in range(n):
                t0 = time.perf_counter()
                out = upload(target, f"plain/{i}", payload)
                plain.append(time.perf_counter() - t0)
                failures += out.status != 200
                t0 = time.perf_counter()
                out = upload(target, f"cb/{i}", payload, callback=callback, callback_vars={"x:run": str(i)})
                with_cb.append(time.perf_counter() - t0)
                failures += not out.callback_ok
            verified = sum(1 for rec in receiver.history if rec.verified and rec.query == "" and "cb%2F" in rec.body.decode())
        finally:
            receiver.stop()
    ours, base = median(with_cb) * 1000, median(plain) * 1000
    return [Result(
        "upload+callback+verify round trip (p50)", ours, base, "ms", "the same 1 KiB PutObject, no callback",
        "<= 2x", ours <= 2 * base and failures == 0,
        f"{n} each, interleaved; p99 {percentile(with_cb, 99) * 1000:.1f} vs {percentile(plain, 99) * 1000:.1f} ms; "
        f"{verified} callbacks verified by the receiver, {failures} failures")]
