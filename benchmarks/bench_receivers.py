"""Callbacks per second of every exported receiver (one per language of ``exports.languages``), each
against the Python export measured in the same run.

Each receiver runs with its real toolchain (Go: a binary built from the exported file, as
``go run`` would run it), trusting a key server on loopback; it fetches the key once. The load
process sends signed RSA-2048 callbacks, a fresh connection each (as OSS does), 8 at a time. The
Python row is compared with the no-op stdlib server (the practical ceiling for a Python receiver).
"""

from __future__ import annotations

from osscb_notebook.exports.languages import LANGUAGES
from tests.receivers import harness

from .bench_receiver import _rate, _throughput_spec, noop_throughput
from .harness import Context, Result
from .load import LoadResult
from .servers import Spawned
from .workload import SignedRequests, drive


def throughput(ctx: Context) -> list[Result]:
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
