"""``python -m benchmarks [NAME ...] [--quick] [--json PATH] [--profile] [--frameworks]``."""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import traceback
from pathlib import Path

from .harness import Context, Result, print_header, print_result, write_json

# name -> (module, function); groups select several
BENCHMARKS: dict[str, tuple[str, str]] = {
    "receiver-throughput": ("bench_receiver", "throughput"),
    "receiver-latency": ("bench_receiver", "latency"),
    "roundtrip": ("bench_roundtrip", "roundtrip"),
    "emulator-throughput": ("bench_emulator", "throughput"),
    "notebooks": ("bench_notebooks", "nbval"),
    "load-ext": ("bench_notebooks", "load_ext"),
    "quickstart-browser": ("bench_notebooks", "quickstart_browser"),
    "probe": ("bench_probe", "probe"),
    "receivers": ("bench_receivers", "throughput"),
}
GROUPS = {
    "receiver": ["receiver-throughput", "receiver-latency"],
    "emulator": ["emulator-throughput"],
    "startup": ["notebooks", "load-ext", "quickstart-browser"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks or groups: {', '.join([*BENCHMARKS, *GROUPS])}")
    parser.add_argument("--quick", action="store_true", help="fewer requests and smaller payloads (a smoke run)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--profile", type=Path, help="write cProfile output of our side here (where supported)")
    parser.add_argument("--frameworks", action="store_true",
                        help="with receivers: each framework hookup against the stand-alone export of its language")
    args = parser.parse_args(argv)
    selected: list[str] = []
    for name in args.names or list(BENCHMARKS):
        if name in GROUPS:
            selected += GROUPS[name]
        elif name in BENCHMARKS:
            selected.append(name)
        else:
            parser.error(f"unknown benchmark {name!r}")
    print_header()
    results: list[Result] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="osscb-bench-") as tmp:
        for name in dict.fromkeys(selected):
            module, func = BENCHMARKS[name]
            ctx = Context(quick=args.quick, scratch=Path(tmp), profile_dir=args.profile, frameworks=args.frameworks)
            try:
                bench = getattr(importlib.import_module(f"benchmarks.{module}"), func)
                for result in bench(ctx):
                    print_result(result)
                    results.append(result)
            except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
                failed = True
                print(f"{name}: ERROR\n{traceback.format_exc()}", file=sys.stderr)
    if args.json:
        write_json(args.json, results)
    missed = [r.name for r in results if r.ok is False]
    print(f"# {len(results)} figures, {len(missed)} targets missed" + (f": {', '.join(missed)}" if missed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
