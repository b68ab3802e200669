"""Result rows, the table every benchmark prints, machine description and small timing helpers."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    """One measured figure against its baseline.

    ``ratio`` is ours / baseline. ``ok`` is the verdict on ``target`` (``None``: informational).
    """

    name: str
    ours: float
    baseline: float
    unit: str
    baseline_name: str
    target: str
    ok: bool | None
    notes: str = ""
    extra: dict[str, float | str] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "MISS", None: "info"}[self.ok]


@dataclass
class Context:
    """What every benchmark gets: the quick flag and where to put scratch files."""

    quick: bool
    scratch: Path
    profile_dir: Path | None = None
    frameworks: bool = False  # --frameworks: `receivers` measures the framework hookups too


Bench = Callable[[Context], list[Result]]


def machine() -> dict[str, str]:
    """nproc, CPU model, Python and kernel, for the README's figures."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _fmt(value: float, unit: str) -> str:
    if value >= 1000:
        return f"{value:,.0f} {unit}"
    if value >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.3g} {unit}"


def print_header() -> None:
    m = machine()
    print(f"# machine: nproc={m['nproc']} cpu={m['cpu']!r} python={m['python']} kernel={m['kernel']} ({m['date']})")
    print(f"{'benchmark':<44} {'ours':>16} {'baseline':>16} {'ratio':>8}  {'target':<30} verdict")
    sys.stdout.flush()


def print_result(r: Result) -> None:
    print(f"{r.name:<44} {_fmt(r.ours, r.unit):>16} {_fmt(r.baseline, r.unit):>16} {r.ratio:>7.3g}x  {r.target:<30} {r.verdict}")
    print(f"{'':<44} baseline: {r.baseline_name}" + (f"; {r.notes}" if r.notes else ""))
    sys.stdout.flush()


def write_json(path: Path, results: list[Result]) -> None:
    rows = [dict(asdict(r), ratio=r.ratio, verdict=r.verdict) for r in results]
    path.write_text(json.dumps({"machine": machine(), "results": rows}, indent=2))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def timer() -> Iterator[list[float]]:
    """``with timer() as t: ...`` then ``t[0]`` is the elapsed wall time in seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def python() -> str:
    return sys.executable


def run_module(args: list[str], *, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ...`` from the repository root (so ``benchmarks`` is importable)."""
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([python(), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=full_env)


@contextmanager
def profiled(ctx: Context, pid: int, name: str) -> Iterator[None]:
    """With ``--profile DIR``, sample process ``pid`` with py-spy while the block runs and write
    ``DIR/NAME.txt`` (collapsed stacks) plus ``DIR/NAME.top.txt`` (hottest frames). Without it,
    or without py-spy, do nothing. Sampling still costs the profiled side CPU, so figures meant
    for the README are taken without ``--profile``."""
    import shutil
    import signal

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if ctx.profile_dir is None or not Path(spy).exists():
        yield
        return
    ctx.profile_dir.mkdir(parents=True, exist_ok=True)
    out = ctx.profile_dir / f"{name}.txt"
    proc = subprocess.Popen([spy, "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", "250", "--threads", "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # let it attach
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        proc.wait(timeout=60)
        if out.exists():
            (ctx.profile_dir / f"{name}.top.txt").write_text(top_frames(out))


def top_frames(raw: Path, n: int = 25) -> str:
    """Self time per frame from py-spy's collapsed stacks, idle waits excluded."""
    from collections import Counter

    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, hits = line.rpartition(" ")
        frame = stack.split(";")[-1]
        if any(w in frame for w in ("select (", "wait (", "accept (", "readline (", "sleep", "read (", "profiled (",
                                    "benchmarks/servers.py")):
            continue
        counts[frame] += int(hits)
    total = sum(counts.values()) or 1
    return "\n".join(f"{100 * c / total:5.1f}%  {f}" for f, c in counts.most_common(n)) + "\n"
