"""``osscb probe URL``: the probe as a CI step. Exit 0 with no ``fail``, 1 with any, 2 for a usage error
(a bad URL, port or timeout, the key port in use, nothing answering at the URL)."""

from __future__ import annotations

import argparse
import json
import sys

from .._cliargs import arg, check_port, check_positive_seconds
from ..cli import command
from .catalogue import DEFAULT_KEY_PORT
from .runner import normalize_key_url_base, parse_probe_url, run_probe


def _add_args(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Play OSS against your callback URL and print a report card: forged, malformed and real OSS callbacks, "
        "and with --trusted also valid, tampered and reply checks. Exit 0 with no fail, 1 with any, 2 for a usage "
        "error. Probe only servers you own.")
    p.add_argument("url", type=arg(parse_probe_url, "URL"), help="your callback URL, e.g. http://127.0.0.1:8080/callback")
    p.add_argument("--trusted", action="store_true",
                   help="your server was started trusting the probe's key-URL prefix (printed in the report): "
                        "also run the valid, tampered and reply checks")
    p.add_argument("--key-port", type=arg(check_port, "port"), default=DEFAULT_KEY_PORT, metavar="PORT",
                   help=f"port of the probe's key server on 127.0.0.1 (default: {DEFAULT_KEY_PORT}); the prefix to "
                        f"trust is http://127.0.0.1:PORT/osscb-probe/")
    p.add_argument("--key-url-base", type=arg(normalize_key_url_base, "URL"), metavar="URL",
                   help="publish the key at URL instead (a tunnel forwarding its whole host to --key-port, paths "
                        "unchanged), for a server on another machine; the key server then binds 0.0.0.0")
    p.add_argument("--timeout", type=arg(check_positive_seconds, "seconds"), default=10.0, metavar="S",
                   help="seconds each request may take (default: 10; replies are judged against OSS's 5 s)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _progress(done: int, total: int, check_id: str) -> None:
    sys.stderr.write(f"\r\x1b[K[{done}/{total}] {check_id}")
    if done == total:
        sys.stderr.write("\r\x1b[K")
    sys.stderr.flush()


@command("probe", _add_args)
def _probe(args: argparse.Namespace) -> int:
    report = run_probe(args.url.raw, trusted=args.trusted, key_port=args.key_port, key_url_base=args.key_url_base,
                       timeout=args.timeout, progress=_progress if sys.stderr.isatty() else None)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.render_text())
    return report.exit_code
