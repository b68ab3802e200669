"""The IPython magics: argument parsing (``--help`` on each) over :mod:`.functions`."""

from __future__ import annotations

import argparse
import getpass
import math
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import TraitError

from ..config import BACKENDS, TUNNELS
from ..display import Report, error_report
from ..errors import OsscbError
from ..receiver import MODES
from ..session import get_session
from ..session.widgets import WIDGET_NAMES
from ..upload import OPERATIONS
from . import functions as f

# Errors a user can cause: shown as a red box with OSS's message and a hint, never a traceback.
# OverflowError: a number too large for the OS (a port, a byte count); UsageError: bad arguments.
USER_ERRORS = (OsscbError, ValueError, OSError, OverflowError, TraitError, UsageError)


def _port(text: str) -> int:
    """An argparse type: a TCP port (0 picks a free one)."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range: give 0 to 65535 (0 picks a free one)")
    return value


def _count(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative: give 0 or more")
    return value


def _seconds(text: str) -> float:
    """An argparse type: a finite number of seconds (inf and nan are refused here; the range is
    ReplySettings' rule)."""
    value = float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number of seconds")
    return value


def _option(text: str) -> tuple[str, str]:
    """An argparse type: ``NAME=VALUE`` for ``--tunnel-option``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. host=user@example.com)")
    return name.strip(), value

LINE_MAGICS = ("osscb_emulator", "osscb_receiver", "osscb_upload", "osscb_verify", "osscb_history",
               "osscb_status", "osscb_ui", "osscb_secret", "osscb_probe")
CELL_MAGICS = ("osscb_callback",)


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except USER_ERRORS as exc:
        return error_report(exc)


def _run(magic: Any, line: str, action: Callable[[Any], Any]) -> Any:
    """Parse ``line`` for ``magic``; ``-h``/``--help`` returns the usage (magic_arguments builds its
    parsers without a help option), user errors become a red box."""
    if {"-h", "--help"} & set(line.split()):
        text = magic.parser.format_help().strip()
        # magic_arguments writes reStructuredText ("::" before the usage line) for docstrings
        return Report("usage:" + text[2:] if text.startswith("::") else text)
    # parsing runs inside the handler too: an unterminated quote or a bad value is one clear line
    return _safe(lambda: action(parse_argstring(magic, line)))


@magics_class
class OsscbMagics(Magics):
    """``%osscb_*`` line magics and the ``%%osscb_callback`` cell magic."""

    @magic_arguments()
    @argument("--name", metavar="VAR", help="also store the Definition in this variable")
    @argument("--snippets", action="store_true", default=None, help="show oss2 / SDK V2 snippets")
    @argument("--no-snippets", dest="snippets", action="store_false", help="hide the snippets")
    @cell_magic
    def osscb_callback(self, line: str, cell: str) -> Any:
        """Validate a callback definition and show its Base64, transports and body preview.

        The cell is JSON or ``key: value`` lines; ``x:`` keys become callback-var, and
        ``{receiver}`` stands for the running receiver's base URL. Example::

            %%osscb_callback
            callbackUrl: {receiver}/callback
            callbackBody: bucket=${bucket}&object=${object}&uid=${x:uid}
            x:uid: 42
        """
        def run(args: Any) -> Any:
            d = f.osscb_callback(cell, snippets=args.snippets)
            if args.name and self.shell is not None:
                self.shell.user_ns[args.name] = d
            return d

        return _run(self.osscb_callback, line, run)

    @magic_arguments()
    @argument("action", nargs="?", default="status", choices=("start", "stop", "status"))
    @argument("--port", type=_port, default=None, help="port (default: Osscb.emulator_port, 0 = any free)")
    @argument("--bucket", default=None, help="bucket to create (default: Osscb.bucket)")
    @line_magic
    def osscb_emulator(self, line: str) -> Any:
        """Start, stop or show the local OSS emulator."""
        return _run(self.osscb_emulator, line, lambda a: f.osscb_emulator(a.action, port=a.port, bucket=a.bucket))

    @magic_arguments()
    @argument("action", nargs="?", default="status", choices=("start", "stop", "status", "reply"))
    @argument("--port", type=_port, default=None, help="port (default: Osscb.receiver_port, 0 = any free)")
    @argument("--mode", choices=MODES, default=None, help="run in a child process or a kernel thread (default: Osscb.receiver_mode)")
    @argument("--tunnel", default=None, choices=TUNNELS, help="expose it to real OSS (default: Osscb.tunnel)")
    @argument("--tunnel-option", dest="tunnel_options", metavar="NAME=VALUE", type=_option, action="append", default=None,
              help="a provider option, repeatable (ssh needs host=...; default: Osscb.tunnel_options)")
    @argument("--status", type=int, default=None, help="reply with this HTTP status (200 = success)")
    @argument("--body", default=None, help="reply body (default {\"Status\":\"OK\"})")
    @argument("--delay", type=_seconds, default=None, help="seconds to wait before replying (OSS gives up after 5)")
    @argument("--bom", action="store_true", default=None, help="prefix the reply with a UTF-8 BOM (OSS rejects it)")
    @argument("--no-bom", dest="bom", action="store_false", help="no BOM")
    @line_magic
    def osscb_receiver(self, line: str) -> Any:
        """Start, stop or show the verifying callback receiver, or change its reply."""
        return _run(self.osscb_receiver, line, lambda a: f.osscb_receiver(
            a.action, port=a.port, mode=a.mode, tunnel=a.tunnel, status=a.status, body=a.body, delay=a.delay, bom=a.bom,
            tunnel_options=dict(a.tunnel_options) if a.tunnel_options else None))

    @magic_arguments()
    @argument("key", nargs="?", default="hello.txt", help="object key")
    @argument("--file", default=None, help="upload this file")
    @argument("--text", default=None, help="upload this text")
    @argument("--size", type=_count, default=None, help="upload this many random bytes")
    @argument("--op", dest="operation", default="PutObject", choices=OPERATIONS)
    @argument("--backend", choices=BACKENDS, default=None, help="default: Osscb.backend")
    @argument("--no-callback", dest="callback", action="store_false", help="upload without a callback")
    @argument("--part-size", type=int, default=None, help="multipart part size in bytes")
    @argument("--threads", type=int, default=None, help="multipart parts sent at once (default 4)")
    @line_magic
    def osscb_upload(self, line: str) -> Any:
        """Upload with the current callback (the last %%osscb_callback, or one aimed at the receiver).

        A 203 CallbackFailed is shown loudly: the object is stored but the callback failed.
        """
        return _run(self.osscb_upload, line, lambda a: f.osscb_upload(
            a.key, file=a.file, text=a.text, size=a.size, operation=a.operation, backend=a.backend,
            callback=a.callback, part_size=a.part_size, threads=a.threads))

    @magic_arguments()
    @argument("index", nargs="?", type=int, default=None, help="history index (default: the last callback)")
    @argument("--file", default=None, help="verify a raw HTTP request saved in this file instead")
    @line_magic
    def osscb_verify(self, line: str) -> Any:
        """Verify the last callback received, step by step."""
        return _run(self.osscb_verify, line, lambda a: f.osscb_verify(a.index, file=a.file))

    @magic_arguments()
    @argument("-n", type=_count, default=10, help="how many (default 10)")
    @line_magic
    def osscb_history(self, line: str) -> Any:
        """The last callbacks: time, path, verdict, reply status, duration against the 5 s budget."""
        return _run(self.osscb_history, line, lambda a: f.osscb_history(a.n))

    @magic_arguments()
    @line_magic
    def osscb_status(self, line: str) -> Any:
        """Backend, emulator, receiver, tunnel and callback in one view."""
        return _run(self.osscb_status, line, lambda a: f.osscb_status())

    @magic_arguments()
    @argument("name", nargs="?", default="builder", choices=WIDGET_NAMES)
    @line_magic
    def osscb_ui(self, line: str) -> Any:
        """Open a widget wired to this session."""
        return _run(self.osscb_ui, line, lambda a: f.osscb_ui(a.name))

    @magic_arguments()
    @argument("url", help="your callback URL, e.g. http://127.0.0.1:8080/callback (probe only servers you own)")
    @argument("--trusted", action="store_true",
              help="the server trusts the probe's key-URL prefix: also run the valid, tampered and reply checks")
    @argument("--key-port", type=_port, default=None, help="the probe's key server port on 127.0.0.1 (default 9870)")
    @argument("--key-url-base", metavar="URL", default=None, help="publish the key through a tunnel at URL instead")
    @argument("--timeout", type=_seconds, default=None, metavar="S", help="seconds per request (default 10)")
    @argument("--json", action="store_true", help="show the report as JSON")
    @line_magic
    def osscb_probe(self, line: str) -> Any:
        """Play OSS against a callback URL (forged, malformed, valid and tampered callbacks) and show the report card."""
        return _run(self.osscb_probe, line, lambda a: f.osscb_probe(
            a.url, trusted=a.trusted, key_port=a.key_port, key_url_base=a.key_url_base, timeout=a.timeout,
            as_json=a.json))

    @magic_arguments()
    @line_magic
    def osscb_secret(self, line: str) -> Any:
        """Type the real-OSS AccessKey secret (not echoed, kept in memory only, never saved)."""
        def run(_a: Any) -> Any:
            get_session().set_secret(getpass.getpass("AccessKey secret (not echoed): "))
            return Report("AccessKey secret kept in memory for this session.")

        return _run(self.osscb_secret, line, run)
