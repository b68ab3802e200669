"""Callbacks per second of every exported receiver (one per language of ``exports.languages``), each
against the Python export measured in the same run.

Each receiver runs with its real toolchain (Go: a binary built from the exported file, as
``go run`` would run it), trusting a key server on loopback; it fetches the key once. The load
process sends signed RSA-2048 callbacks, a fresh connection each (as OSS does), 8 at a time. The
Python row is compared with the no-op stdlib server (the practical ceiling for a Python receiver).

With ``--frameworks`` (``python -m benchmarks receivers --frameworks``) it measures instead every
framework hookup of ``tests/frameworks`` (each row of its ``hookups_*.py``: a hookup under each
server its users start it with) against the stand-alone export of the same language, in one run,
with the same load sent to ``HOOK_PATH``; the servers of a language are loaded in turn, three
interleaved rounds, medians compared. Target: within 2x (ratio >= 0.5), so that the hookup is not
the bottleneck.
"""

from __future__ import annotations

import dataclasses
import statistics

from osscb_notebook.exports.languages import FRAMEWORKS, HOOK_PATH, LANGUAGES
from tests.frameworks import harness as fw_harness
from tests.receivers import harness
from tests.support import free_port

from .bench_receiver import _rate, _throughput_spec, noop_throughput
from .harness import Context, Result
from .load import LoadResult, LoadSpec
from .servers import Spawned
from .workload import SignedRequests, drive


def throughput(ctx: Context) -> list[Result]:
    if ctx.frameworks:
        return framework_throughput(ctx)
    signed = SignedRequests(ctx.scratch)
    measured: dict[str, LoadResult] = {}
    skipped: dict[str, str] = {}
    with Spawned("keyserver", "--pem-file", str(signed.pem_file)) as keys:
        requests = signed.build(keys.url + "/bench-pub.pem", 80)
        r_noop = noop_throughput(requests, ctx)
        for name, row in LANGUAGES.items():
            reason = harness.problem(row)
            if reason:
                skipped[name] = reason
                continue
            folder = ctx.scratch / f"receiver-{name}"
            folder.mkdir(exist_ok=True)
            running = harness.start(row, harness.export(row, folder), trusted=keys.url + "/")
            try:
                measured[name] = drive(_throughput_spec(running.port, requests, ctx.quick), ctx.scratch, f"load-{name}")
            finally:
                running.stop()
    if "python" not in measured:
        raise RuntimeError(f"the Python export could not run: {skipped.get('python')}")
    python_rate = _rate(measured["python"])
    results = []
    for name, res in measured.items():
        row = LANGUAGES[name]
        notes = f"8 client threads, fresh connection per callback, RSA-2048; {res.statuses}, {res.errors} errors"
        if name == "python":
            results.append(Result(f"exported receiver: {row.label} vs no-op server", python_rate, _rate(r_noop), "cb/s",
                                  "no-op stdlib ThreadingHTTPServer", "info", None, notes))
        else:
            results.append(Result(f"exported receiver: {row.label} vs the Python export", _rate(res), python_rate,
                                  "cb/s", "the Python export, same run", "info", None, notes))
    for name, reason in skipped.items():
        print(f"# exported receiver {name}: not measured ({reason})", flush=True)
    return results


def _notes(res: LoadResult) -> str:
    return f"8 client threads, fresh connection per callback, RSA-2048; {res.statuses}, {res.errors} errors"


def _warm(spec: LoadSpec) -> LoadSpec:
    """JITs (Node, the JVM), lazy imports and first-use caches settle before the clock starts."""
    return dataclasses.replace(spec, warmup=200)


def _load(port: int, requests: list[bytes], ctx: Context, name: str) -> LoadResult:
    return drive(_warm(_throughput_spec(port, requests, ctx.quick)), ctx.scratch, name)


ROUNDS = 3  # interleaved rounds per language (1 with --quick)


def _start_hookup(hookup: fw_harness.Hookup, ctx: Context, trusted: str) -> fw_harness.RunningApp:
    """Export, prepare and start ``hookup`` as its users do, its log to a file."""
    folder = fw_harness.export(hookup, ctx.scratch / f"hookup-{hookup.name}")
    hookup.prepare(folder)
    return fw_harness.start(hookup, folder, free_port(), [trusted], log=ctx.scratch / f"{hookup.name}.log")


def framework_throughput(ctx: Context) -> list[Result]:
    """Each framework hookup against its language's stand-alone export, same load, same run.

    This 2-core machine is shared and drifts by 2x within minutes, so all servers of a language run
    at once (idle but for the one under load) and are loaded in turn, ``ROUNDS`` times with the
    order rotated; each row is the median of its rounds."""
    signed = SignedRequests(ctx.scratch)
    hookups = fw_harness.collect_hookups()
    results: list[Result] = []
    rounds = 1 if ctx.quick else ROUNDS
    with Spawned("keyserver", "--pem-file", str(signed.pem_file)) as keys:
        trusted = keys.url + "/"
        key_url = keys.url + "/bench-pub.pem"
        for lang, row in LANGUAGES.items():
            rows = [h for h in hookups.values() if h.lang == lang and h.exported in FRAMEWORKS]
            if not rows:
                continue
            reason = harness.problem(row)
            if reason:
                print(f"# {row.label} export: not measured ({reason})", flush=True)
                continue
            for hookup in [h for h in rows if h.problem()]:
                print(f"# {hookup.name} hookup: not measured ({hookup.problem()})", flush=True)
            rows = [h for h in rows if not h.problem()]
            folder = ctx.scratch / f"standalone-{lang}"
            folder.mkdir(exist_ok=True)
            stops = []
            try:
                standalone = harness.start(row, harness.export(row, folder), trusted=trusted)
                stops.append(standalone.stop)
                ports = {lang: standalone.port}
                for hookup in rows:
                    app = _start_hookup(hookup, ctx, trusted)
                    stops.append(app.stop)
                    ports[hookup.name] = app.port
                rates: dict[str, list[float]] = {name: [] for name in ports}
                last: dict[str, LoadResult] = {}
                order = list(ports)
                for i in range(rounds):
                    for name in order[i % len(order):] + order[: i % len(order)]:
                        res = _load(ports[name], signed.build(key_url, ports[name], HOOK_PATH + "?from=oss"), ctx,
                                    f"load-{name}-{i}")
                        rates[name].append(_rate(res))
                        last[name] = res
            finally:
                for stop in stops:
                    stop()
            base = statistics.median(rates[lang])
            results.append(Result(f"{row.label} stand-alone export (median of {rounds})", base, base, "cb/s",
                                  "itself (the baseline of the rows below)", "info", None,
                                  f"rounds {_rounds(rates[lang])} cb/s; last: {_notes(last[lang])}"))
            for hookup in rows:
                rate = statistics.median(rates[hookup.name])
                results.append(Result(f"{FRAMEWORKS[hookup.exported].label} hookup ({hookup.name}) vs the {row.label} export",
                                      rate, base, "cb/s", f"the {row.label} stand-alone export, same run",
                                      "within 2x (>= 0.5x)", rate >= 0.5 * base,
                                      f"{hookup.version()}; rounds {_rounds(rates[hookup.name])} cb/s; "
                                      f"last: {_notes(last[hookup.name])}"))
    return results


def _rounds(values: list[float]) -> str:
    return " / ".join(f"{v:.0f}" for v in values)
