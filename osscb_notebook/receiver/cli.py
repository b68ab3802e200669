"""``osscb receiver``: the same engine outside Jupyter; Ctrl-C stops it cleanly."""

from __future__ import annotations

import argparse
import queue
import sys

from .._cliargs import arg, check_port, check_positive_int, check_writable_file
from ..cli import command, read_public_key
from ..errors import OsscbError
from .engine import DEFAULT_MAX_BODY


def _args(p: argparse.ArgumentParser) -> None:
    p.description = "Run a verifying OSS callback receiver; one line per callback, Ctrl-C to stop."
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=arg(check_port), default=8080, help="port (0 picks a free one; default 8080)")
    p.add_argument("--trust-key-url", metavar="PREFIX", action="append", default=[],
                   help="also trust key URLs starting with PREFIX (OSS's official host is always trusted)")
    p.add_argument("--public-key", metavar="PEM", help="verify with this PEM file instead of fetching key URLs")
    p.add_argument("--log", metavar="FILE", type=arg(check_writable_file, "file"), help="append every request as one JSON line to FILE")
    p.add_argument("--mode", choices=("thread", "process"), default="thread",
                   help="engine isolation (default thread: this process runs nothing else, unlike a kernel)")
    p.add_argument("--max-body", type=arg(lambda v: check_positive_int(v, "the body size"), "size"), default=DEFAULT_MAX_BODY, help="largest request body accepted, in bytes")
    p.add_argument("--export", metavar="FILE",
                   help="write the Python production receiver to FILE and exit (see osscb export-receiver)")


def _line(record: object) -> str:
    from .record import CallbackRecord

    assert isinstance(record, CallbackRecord)
    verdict = "verified" if record.verified else (record.trace.summary if record.trace else record.note or "-")
    return f"{record.time} {record.method} {record.target} -> {record.reply_status} ({record.duration_ms:.1f} ms) {verdict}"


@command("receiver", _args)
def _receiver(args: argparse.Namespace) -> int:
    from .receiver import start_receiver

    if args.export:
        from ..exports.cli import write_standalone

        return write_standalone("python", args.export, force=False)
    pem = read_public_key(args.public_key) if args.public_key is not None else None
    try:
        receiver = start_receiver(port=args.port, host=args.host, mode=args.mode, trust_key_urls=args.trust_key_url,
                                  public_key=pem, log_path=args.log, max_body=args.max_body)
    except ValueError as exc:
        raise OsscbError(f"{exc}.", hint="--trust-key-url takes an http(s) URL prefix; see osscb receiver --help.") from None
    # Server threads only queue records; this (main) thread does all the printing.
    lines: queue.Queue[object] = queue.Queue()
    receiver.subscribe(lines.put)
    print(f"osscb receiver listening on {receiver.url} (mode {receiver.mode}); Ctrl-C to stop", flush=True)
    if args.log:
        print(f"logging to {args.log}", flush=True)
    try:
        while True:
            try:
                record = lines.get(timeout=0.5)
            except queue.Empty:
                try:
                    receiver.check()
                except OsscbError as exc:
                    if not receiver.running:
                        raise
                    print(f"osscb receiver: {exc}", file=sys.stderr, flush=True)
                continue
            print(_line(record), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        total = receiver.status()["requests"]
        receiver.stop()
    print(f"stopped after {total} request(s)", file=sys.stderr, flush=True)
    return 0
