"""``osscb emulator``: run the local OSS emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from ..cli import command
from ..errors import EmulatorError
from ._config import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BUCKETS,
    DEFAULT_REGION,
    EmulatorConfig,
)

DEFAULT_PORT = 9000
DEFAULT_DATA_DIR = "./osscb-data"


def _add_args(p: argparse.ArgumentParser) -> None:
    p.description = ("Run a local OSS-compatible endpoint (for oss2 and alibabacloud-oss-v2) that sends upload "
                     "callbacks exactly as OSS does. Binds 127.0.0.1 by default.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port, 0 for any free one (default: {DEFAULT_PORT})")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                   help=f"where objects and the callback key live; kept across restarts (default: {DEFAULT_DATA_DIR})")
    p.add_argument("--access-key-id", default=DEFAULT_ACCESS_KEY_ID, help=f"(default: {DEFAULT_ACCESS_KEY_ID})")
    p.add_argument("--access-key-secret", default=DEFAULT_ACCESS_KEY_SECRET,
                   help="(default: the kit's documented local-only secret; never printed)")
    p.add_argument("--bucket", action="append", dest="buckets", metavar="NAME",
                   help=f"bucket to create at start; repeat for more (default: {', '.join(DEFAULT_BUCKETS)})")
    p.add_argument("--forbid-private-callbacks", action="store_true",
                   help="reject callbacks to loopback/private addresses with OSS's 400, as real OSS does")
    p.add_argument("--region", default=DEFAULT_REGION,
                   help=f"region that V4 signatures must be scoped to, as on OSS (default: {DEFAULT_REGION})")
    p.add_argument("--public-endpoint", metavar="URL",
                   help="base URL written into x-oss-pub-key-url (default: the endpoint)")


def _config(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        data_dir=args.data_dir, host=args.host, port=args.port, access_key_id=args.access_key_id,
        access_key_secret=args.access_key_secret, buckets=tuple(args.buckets or DEFAULT_BUCKETS),
        allow_private_callbacks=not args.forbid_private_callbacks, public_endpoint=args.public_endpoint,
        region=args.region,
    )


@command("emulator", _add_args)
def _run(args: argparse.Namespace) -> int:
    from ._server import Emulator

    try:
        config = _config(args)
    except ValueError as exc:  # a bad --bucket or --region: say so, no traceback
        raise EmulatorError(f"{exc}.", hint="Check --bucket and --region.") from None
    emulator = Emulator(config).start()
    secret_note = "default (see docs)" if args.access_key_secret == DEFAULT_ACCESS_KEY_SECRET else "as given (not shown)"
    print(f"osscb emulator listening on {emulator.endpoint}")
    print(f"  data dir:           {emulator.data_dir}")
    print(f"  access key id:      {emulator.access_key_id}")
    print(f"  access key secret:  {secret_note}")
    print(f"  buckets:            {', '.join(emulator.buckets)}")
    print(f"  region (V4):        {emulator.config.region}")
    print(f"  callback key URL:   {emulator.public_key_url}")
    print(f"  private callbacks:  {'forbidden (as real OSS)' if args.forbid_private_callbacks else 'allowed'}")
    print("Press Ctrl-C to stop.", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        print("osscb emulator stopped.", file=sys.stderr)
    return 0
