"""A classroom on one JupyterHub: N students start at once and each runs a short lesson.

``python -m benchmarks.bench_classroom [--students 10 25 40] [--json PATH] [--keep DIR]``

A real JupyterHub (the harness of tests/hub: default auth settings, SimpleLocalProcessSpawner,
pure-Python configurable-http-proxy) on loopback. All N servers are requested at once; then every
student's kernel, at the same time, runs the lesson: the emulator, a receiver, ``open_tunnel("jupyter",
receiver)`` (the scoped endpoint), a PutObject, a 12 MiB multipart, a PostObject and a presigned PUT,
each with a callback through the hub's proxy, and one callback broken on purpose (a made-up
capability: 404, so OSS answers 203). Reported: spawn time per student, receiver start, lesson time,
p50/p95 callback round trip (the emulator's own timing of each callback POST, i.e. what OSS's 5 s
budget covers), failures, and memory/CPU of the kit's processes against the machine's.
Not part of ``python -m benchmarks`` (it takes minutes); numbers are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.hub.hub_harness import Hub, start_hub

LESSON = r"""
import json, os, time, warnings
warnings.simplefilter("ignore")
t_lesson = time.perf_counter()
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.tunnels import open_tunnel
from osscb_notebook.upload import UploadTarget, upload
emu = Emulator().start()
t = time.perf_counter()
receiver = start_receiver(trust_key_urls=[emu.public_key_prefix])
receiver_start = time.perf_counter() - t
tunnel = open_tunnel("jupyter", receiver)
target = UploadTarget.for_emulator(emu)
me = os.environ["JUPYTERHUB_USER"]
steps = []
for op, data in (("PutObject", b"hello"), ("Multipart", os.urandom(12 * 1024 * 1024)), ("PostObject", b"form"),
                 ("Presigned", b"signed")):
    t = time.perf_counter()
    out = upload(target, f"{me}/{op}.bin", data, operation=op,
                 callback={"callbackUrl": tunnel.callback_url("cb/" + op), "callbackBody": "object=${object}&size=${size}"})
    steps.append([op, out.status, time.perf_counter() - t])
broken = tunnel.public_url.replace(tunnel.secrets[0], "x" * 32) + "cb/broken"
t = time.perf_counter()
out = upload(target, f"{me}/broken.bin", b"x", operation="PutObject",
             callback={"callbackUrl": broken, "callbackBody": "a=b"})
steps.append(["broken", out.status, time.perf_counter() - t])
records = receiver.wait_for(4, timeout=30)
attempts = [a for r in emu.records for a in r.attempts]
print(json.dumps({
    "receiver_start": receiver_start, "lesson": time.perf_counter() - t_lesson, "steps": steps,
    "verified": sum(r.verified for r in records), "received": len(records),
    "rtt_ms": [a.elapsed_ms for a in attempts if a.outcome == "ok"],
    "broken_status": [a.status for a in attempts if a.outcome != "ok"],
    "pids": {"kernel": os.getpid(), "receiver": receiver._backend.process.pid, "server": os.getppid()},
}))
"""

EXPECTED = {"PutObject": 200, "Multipart": 200, "PostObject": 200, "Presigned": 200, "broken": 203}


def _proc_stat(pid: int) -> tuple[float, int, int]:
    """(CPU seconds, RSS KiB, PSS KiB) of one process; zeros if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (OSError, IndexError, ValueError):
        return 0.0, 0, 0
    kv = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.split()[1:2]}
    return cpu, kv.get("Rss", 0), kv.get("Pss", 0)


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return float(sum(parts) - idle), float(sum(parts))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def run_class(n: int, scratch: Path) -> dict[str, Any]:
    hub: Hub = start_hub(scratch / f"hub-{n}")
    names = [f"student{i:02d}" for i in range(n)]
    try:
        spawn = hub.start_servers(names, timeout=600)
        hub_spawn = list(hub.spawn_times().values())
        failures: list[str] = [f"{name}: server not ready" for name in names if name not in spawn]
        results: dict[str, dict[str, Any]] = {}
        lock = threading.Lock()

        def lesson(name: str) -> None:
            t0 = time.monotonic()
            try:
                hub.start_kernel(name)
                out = json.loads(hub.execute(name, LESSON, timeout=600).strip().splitlines()[-1])
                out["with_kernel"] = time.monotonic() - t0
                with lock:
                    results[name] = out
            except Exception as exc:  # noqa: BLE001 - a failed student is counted, not fatal
                with lock:
                    failures.append(f"{name}: {type(exc).__name__}: {str(exc)[-300:]}")

        busy0, total0 = _machine_cpu()
        wall0 = time.monotonic()
        threads = [threading.Thread(target=lesson, args=(name,)) for name in names if name in spawn]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.monotonic() - wall0
        busy1, total1 = _machine_cpu()
        usage: dict[str, list[tuple[float, int, int]]] = {"receiver": [], "kernel": [], "server": []}
        for res in results.values():
            for role, pid in res["pids"].items():
                usage[role].append(_proc_stat(int(pid)))
            for op, status, _ in res["steps"]:
                if status != EXPECTED[op]:
                    failures.append(f"{op} answered {status}, expected {EXPECTED[op]}")
            if res["verified"] != 4:
                failures.append(f"{res['verified']} of 4 callbacks verified")
        cores = os.cpu_count() or 1
        rtts = [x / 1000 for res in results.values() for x in res["rtt_ms"]]
        return {
            "students": n, "ready": len(spawn), "finished": len(results), "failures": failures,
            "spawn_s": {"p50": pct(list(spawn.values()), 50), "p95": pct(list(spawn.values()), 95),
                        "max": max(spawn.values(), default=float("nan")),
                        "hub_p50": pct(hub_spawn, 50), "hub_p95": pct(hub_spawn, 95)},
            "receiver_start_s": {q: pct([r["receiver_start"] for r in results.values()], float(q[1:]))
                                 for q in ("p50", "p95")} | {"max": max((r["receiver_start"] for r in results.values()), default=0)},
            "lesson_s": {"p50": pct([r["lesson"] for r in results.values()], 50),
                         "p95": pct([r["lesson"] for r in results.values()], 95), "wall": wall},
            "callback_rtt_s": {"p50": pct(rtts, 50), "p95": pct(rtts, 95), "max": max(rtts, default=0), "n": len(rtts)},
            "memory_mib_per_student": {
                role: {"rss": statistics.median([u[1] for u in us]) / 1024 if us else 0,
                       "pss": statistics.median([u[2] for u in us]) / 1024 if us else 0}
                for role, us in usage.items()},
            "cpu_s_total": {role: sum(u[0] for u in us) for role, us in usage.items()},
            "machine_cpu_busy": (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0,
            "machine_cpu_s": (busy1 - busy0) / os.sysconf("SC_CLK_TCK"), "cores": cores,
            "load_avg": os.getloadavg(),
        }
    finally:
        hub.stop()


def _print(r: dict[str, Any]) -> None:
    m = r["memory_mib_per_student"]
    print(f"N={r['students']}: ready {r['ready']}, finished {r['finished']}, failures {len(r['failures'])}")
    print(f"  ready after the class clicked Start: p50 {r['spawn_s']['p50']:.1f} s p95 {r['spawn_s']['p95']:.1f} s"
          f" max {r['spawn_s']['max']:.1f} s; the hub's spawn time p50 {r['spawn_s']['hub_p50']:.1f} s"
          f" p95 {r['spawn_s']['hub_p95']:.1f} s")
    print(f"  receiver start p50 {r['receiver_start_s']['p50']:.2f} s p95 {r['receiver_start_s']['p95']:.2f} s"
          f" max {r['receiver_start_s']['max']:.2f} s")
    print(f"  lesson p50 {r['lesson_s']['p50']:.1f} s p95 {r['lesson_s']['p95']:.1f} s (all: {r['lesson_s']['wall']:.1f} s)")
    print(f"  callback round trip p50 {r['callback_rtt_s']['p50']:.3f} s p95 {r['callback_rtt_s']['p95']:.3f} s"
          f" max {r['callback_rtt_s']['max']:.3f} s over {r['callback_rtt_s']['n']}")
    print("  memory per student (median RSS / PSS MiB): " + ", ".join(
        f"{k} {v['rss']:.0f}/{v['pss']:.0f}" for k, v in m.items()))
    print("  CPU s since each process started (spawn + lesson): " + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_s_total"].items())
          + f"; machine {r['machine_cpu_s']:.1f} ({r['machine_cpu_busy']:.0%} of {r['cores']} cores), load {r['load_avg'][0]:.1f}")
    for f in r["failures"][:10]:
        print(f"  failure: {f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_classroom", description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[10, 25, 40])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="keep the hubs' directories (logs) here")
    args = parser.parse_args(argv)
    out = []
    with tempfile.TemporaryDirectory(prefix="osscb-classroom-") as tmp:
        scratch = args.keep or Path(tmp)
        for n in args.students:
            result = run_class(n, scratch)
            _print(result)
            out.append(result)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
