"""Emulator PutObject and multipart throughput and peak memory, against a raw loopback PUT.

Both servers run in their own process, so RSS is theirs alone (read from /proc). The peak is
reset before each upload (``/proc/PID/clear_refs`` = 5) and ``VmHWM`` read after it; where the
reset is not permitted a 5 ms RSS sampler is used instead.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from pathlib import Path

from osscb_notebook.emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from osscb_notebook.upload import UploadTarget, upload

from .harness import Context, Result, profiled
from .servers import Spawned

MIB = 1024 * 1024
MEMORY_TARGET_MIB = 64


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class PeakRSS:
    """Peak RSS growth of a process during a ``with`` block, in MiB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.growth_mib = 0.0
        self._stop = threading.Event()
        self._peak = 0
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> PeakRSS:
        self.before = _status_kib(self.pid, "VmRSS")
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            self.exact = True
        except OSError:
            self.exact = False
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, _status_kib(self.pid, "VmRSS"))
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        if self.exact:
            peak = _status_kib(self.pid, "VmHWM")
        else:
            self._stop.set()
            assert self._sampler is not None
            self._sampler.join()
            peak = self._peak
        self.growth_mib = max(0, peak - self.before) / 1024


def _payload(scratch: Path, size: int) -> Path:
    path = scratch / f"payload-{size}.bin"
    if not path.exists() or path.stat().st_size != size:
        block = os.urandom(MIB)
        with open(path, "wb") as f:
            for _ in range(size // MIB):
                f.write(block)
    return path


def _raw_put(port: int, path: Path) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, blocksize=64 * 1024)
    with open(path, "rb") as f:
        conn.request("PUT", "/discard", body=f, headers={"Content-Length": str(path.stat().st_size)})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"discard server answered {resp.status}")


def throughput(ctx: Context) -> list[Result]:
    size = (32 if ctx.quick else 256) * MIB
    path = _payload(ctx.scratch, size)
    mib = size / MIB
    with Spawned("discard") as sink:
        _raw_put(sink.port, _payload(ctx.scratch, MIB))  # warm-up
        with PeakRSS(sink.pid) as sink_mem:
            t0 = time.perf_counter()
            _raw_put(sink.port, path)
            raw_s = time.perf_counter() - t0
    results: list[Result] = []
    with Spawned("emulator", "--data-dir", str(ctx.scratch / "emu-data")) as emu:
        target = UploadTarget(emu.url, "demo", DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, kind="emulator")
        upload(target, "warm", b"w" * 1024)
        for operation in ("PutObject", "Multipart"):
            with profiled(ctx, emu.pid, f"emulator-{operation}"), PeakRSS(emu.pid) as mem:
                t0 = time.perf_counter()
                out = upload(target, f"big-{operation}", path, operation=operation)  # type: ignore[arg-type]
                took = time.perf_counter() - t0
            if out.status != 200:
                raise RuntimeError(f"{operation} answered {out.status}: {out.body[:200]!r}")
            ours, base = mib / took, mib / raw_s
            results.append(Result(
                f"emulator {operation} {mib:.0f} MiB throughput", ours, base, "MiB/s",
                "raw http.client PUT to a discard server (own process, MD5 of the body)", ">= 0.5x", ours >= 0.5 * base,
                f"through the kit's upload() (oss2; CRC-64 checked client-side with anycrc; multipart with "
                f"its default 4 threads); {took:.2f} s vs {raw_s:.2f} s"))
            results.append(Result(
                f"emulator {operation} {mib:.0f} MiB peak RSS growth", mem.growth_mib, max(sink_mem.growth_mib, 0.01),
                "MiB", "discard server's growth for the same PUT", f"< {MEMORY_TARGET_MIB} MiB",
                mem.growth_mib < MEMORY_TARGET_MIB,
                f"emulator in its own process, {'VmHWM after clear_refs' if mem.exact else 'sampled RSS'}"))
    return results
