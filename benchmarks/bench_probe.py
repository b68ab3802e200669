"""``osscb probe --trusted`` of the kit's exported production receiver, end to end on loopback, against
the same probe of a no-op 200 server (issue #18's target: one server in under 15 s).

Both servers run in their own process; the probe (key server, 31 checks, 20 sequential and 20
concurrent callbacks) runs here. The no-op server accepts everything, so its report is full of
fails, but every check sends the same requests: the difference is the receiver's own cost.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from osscb_notebook.exports import export_production_receiver
from osscb_notebook.probe import run_probe

from .harness import Context, Result, median, timer
from .servers import Spawned

TARGET_S = 15.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _exported(ctx: Context, prefix: str) -> Iterator[str]:
    script = export_production_receiver(ctx.scratch / "oss_callback_receiver.py", overwrite=True)
    proc = subprocess.Popen([sys.executable, str(script), "--port", "0", "--trust-key-url", prefix],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        m = re.search(r":(\d+)/", proc.stdout.readline())
        if not m:
            raise RuntimeError("the exported receiver did not start")
        yield f"http://127.0.0.1:{m.group(1)}/oss-callback"
    finally:
        proc.terminate()
        proc.wait(10)


def _time(url: str, key_port: int, runs: int) -> tuple[float, str]:
    times, summary = [], ""
    for _ in range(runs):
        with timer() as t:
            report = run_probe(url, trusted=True, key_port=key_port)
        times.append(t[0])
        summary = ", ".join(f"{v} {k}" for k, v in report.summary().items() if v)
    return median(times), summary


def probe(ctx: Context) -> list[Result]:
    runs = 1 if ctx.quick else 3
    key_port = _free_port()
    with _exported(ctx, f"http://127.0.0.1:{key_port}/osscb-probe/") as url:
        ours, ours_summary = _time(url, key_port, runs)
    with Spawned("noop") as noop:
        base, base_summary = _time(noop.url + "/oss-callback", key_port, runs)
    return [Result(
        "probe --trusted, exported receiver", ours, base, "s",
        "the same probe of a no-op 200 server (own process)", f"< {TARGET_S:.0f} s", ours < TARGET_S,
        f"median of {runs}; receiver: {ours_summary}; no-op: {base_summary}")]
