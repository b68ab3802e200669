"""``osscb probe URL``: the probe as a CI step. Exit 0 with no ``fail``, 1 with any, 2 for a usage error
(a bad URL, port, timeout, deadline or key-URL base, the key port in use, nothing answering at the URL).
Progress goes to stderr (one line per check group when stderr is not a terminal); the report to stdout."""

from __future__ import annotations

import argparse
import json
import sys

from .._cliargs import arg, check_port, check_positive_seconds
from ..cli import command
from .catalogue import CHECK_IDS, DEFAULT_KEY_PORT
from .progress import StderrProgress
from .runner import check_deadline, normalize_key_url_base, parse_probe_url, run_probe
from .target import BASE_EXAMPLE, DEFAULT_DEADLINE, PREFIX_PATH


def _add_args(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Play OSS against your callback URL and print a report card: forged, malformed and real OSS callbacks, "
        "and with --trusted also valid, tampered and reply checks. Exit 0 with no fail, 1 with any, 2 for a usage "
        "error. Probe only servers you own. A server on another machine cannot reach this machine's 127.0.0.1: "
        "give it --key-url-base.")
    p.add_argument("url", type=arg(parse_probe_url, "URL"), help="your callback URL, e.g. http://127.0.0.1:8080/callback")
    p.add_argument("--trusted", action="store_true",
                   help="your server was started trusting the probe's key-URL prefix (printed in the report): "
                        "also run the valid, tampered and reply checks")
    p.add_argument("--key-port", type=arg(check_port, "port"), default=DEFAULT_KEY_PORT, metavar="PORT",
                   help=f"port of the probe's key server (default: {DEFAULT_KEY_PORT}); it listens on 127.0.0.1 and "
                        f"the prefix to trust is http://127.0.0.1:PORT{PREFIX_PATH}, or with --key-url-base on all "
                        f"interfaces, and the prefix to trust is the base (which must lead to this port)")
    p.add_argument("--key-url-base", type=arg(normalize_key_url_base, "URL"), metavar="URL",
                   help=f"for a server on another machine: a URL of this machine that the server can reach, naming "
                        f"a path the probe owns, e.g. {BASE_EXAMPLE} (directly, or a tunnel forwarding its whole host "
                        f"to --key-port, paths unchanged); it is the prefix to trust, and the forged keys are served "
                        f"beside it on the same host")
    p.add_argument("--timeout", type=arg(check_positive_seconds, "seconds"), default=10.0, metavar="S",
                   help="seconds each request may take (default: 10; replies are judged against OSS's 5 s)")
    p.add_argument("--deadline", type=arg(check_deadline, "seconds"), default=DEFAULT_DEADLINE, metavar="S",
                   help=f"seconds the whole run may take (default: {DEFAULT_DEADLINE:g}); checks not finished by "
                        f"then are reported as warn")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


@command("probe", _add_args)
def _probe(args: argparse.Namespace) -> int:
    progress = StderrProgress(sys.stderr, CHECK_IDS)
    report = run_probe(args.url.raw, trusted=args.trusted, key_port=args.key_port, key_url_base=args.key_url_base,
                       timeout=args.timeout, progress=progress, deadline=args.deadline, notice=progress.notice)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.render_text())
    return report.exit_code
