"""The ``osscb`` command (also ``python -m osscb_notebook``): a thin layer over the library."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from .errors import OsscbError

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(name: str, add_args: Callable[[argparse.ArgumentParser], None]) -> Callable[[Handler], Handler]:
    """Register a subcommand; other modules add theirs (emulator, receiver, demo, lab)."""

    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = (add_args, fn)
        return fn

    return register


def read_file(path: str) -> bytes:
    """Read a file named on the command line; a clear error, never a traceback."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise OsscbError(f"Cannot read {path}: {exc.strerror}.",
                         hint="Check the path (relative to the current folder) and its permissions.") from None


def read_public_key(path: str) -> bytes:
    """A ``--public-key`` file: refused (exit 2) when empty or not an RSA public key, never ignored."""
    from ._cliargs import check_public_key_pem

    try:
        return check_public_key_pem(read_file(path), f"--public-key {path}")
    except ValueError as exc:
        raise OsscbError(f"{exc}.", hint="Give the PEM file of the RSA public key the callbacks were signed with, "
                                         "or leave --public-key out to use the key URL.") from None


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``osscb receiver: error: argument --port: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}. See {self.prog} --help.\n")


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.description = "Verify one captured callback request, step by step. Exit 0 verified, 1 not verified, 2 unusable input."
    p.add_argument("file", help="raw HTTP request: request line, headers, blank line, body ('-' for stdin)")
    p.add_argument("--public-key", metavar="PEM", help="PEM file of the public key to use instead of the key URL")
    p.add_argument("--trust-key-url", metavar="PREFIX", action="append", default=[],
                   help="also trust key URLs starting with PREFIX (OSS's official host is always trusted)")
    p.add_argument("--json", action="store_true", help="print the trace as JSON")


@command("verify", _verify_args)
def _verify(args: argparse.Namespace) -> int:
    import json

    from .verification import KeyResolver, parse_raw_request, verify_request

    data = sys.stdin.buffer.read() if args.file == "-" else read_file(args.file)
    request = parse_raw_request(data)
    pem = read_public_key(args.public_key) if args.public_key is not None else None
    try:
        resolver = KeyResolver(args.trust_key_url, public_key=pem)
    except ValueError as exc:
        raise OsscbError(f"{exc}.", hint="--public-key takes a PEM file, --trust-key-url an http(s) URL prefix.") from None
    trace = verify_request(request, resolver)
    print(json.dumps(trace.to_dict(), indent=2) if args.json else trace.render_text())
    return 0 if trace.ok else 1


def _load_plugins() -> None:
    # Subcommands live next to what they run; importing registers them.
    import importlib

    for module in ("emulator.cli", "receiver.cli", "exports.cli", "probe.cli", "launch"):
        try:
            importlib.import_module(f"{__package__}.{module}")
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith(__package__):
                raise


def build_parser() -> argparse.ArgumentParser:
    _load_plugins()
    parser = _Parser(prog="osscb", description="OSS upload-callback teaching kit.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (add_args, fn) in sorted(_COMMANDS.items()):
        p = sub.add_parser(name, help="")
        add_args(p)
        # the one-line help in `osscb --help` is the first sentence of the command's description
        sub._choices_actions[-1].help = (p.description or "").split(". ")[0].rstrip(".")
        p.set_defaults(handler=fn)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except OsscbError as exc:
        print(f"osscb {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
