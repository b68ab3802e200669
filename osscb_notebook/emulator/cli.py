"""``osscb emulator``: run the local OSS emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .._cliargs import arg, check_bucket_name, check_http_url, check_port
from ..cli import command
from ..errors import EmulatorError
from ._callback_policy import DEFAULT_POLICY as DEFAULT_CALLBACK_POLICY
from ._callback_policy import POLICIES as CALLBACK_POLICIES
from ._config import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BUCKETS,
    DEFAULT_REGION,
    EmulatorConfig,
)

_POLICY_NOTES = {
    "oss-with-loopback": "oss-with-loopback (OSS's documented rule, loopback allowed)",
    "oss": "oss (OSS's documented rule: private and loopback addresses refused)",
    "any": "any (every address, private ones included)",
}

DEFAULT_PORT = 9000
DEFAULT_DATA_DIR = "./osscb-data"


def _add_args(p: argparse.ArgumentParser) -> None:
    p.description = ("Run a local OSS-compatible endpoint (for oss2 and alibabacloud-oss-v2) that sends upload "
                     "callbacks as OSS documents them. Binds 127.0.0.1 by default.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=arg(check_port), default=DEFAULT_PORT, help=f"port, 0 for any free one (default: {DEFAULT_PORT})")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                   help=f"where objects and the callback key live; kept across restarts (default: {DEFAULT_DATA_DIR})")
    p.add_argument("--access-key-id", default=DEFAULT_ACCESS_KEY_ID, help=f"(default: {DEFAULT_ACCESS_KEY_ID})")
    p.add_argument("--access-key-secret", default=DEFAULT_ACCESS_KEY_SECRET,
                   help="(default: the kit's documented local-only secret; never printed)")
    p.add_argument("--bucket", action="append", dest="buckets", metavar="NAME", type=arg(check_bucket_name, "bucket"),
                   help=f"bucket to create at start; repeat for more (default: {', '.join(DEFAULT_BUCKETS)})")
    p.add_argument("--callback-policy", choices=CALLBACK_POLICIES, default=DEFAULT_CALLBACK_POLICY,
                   help="which addresses callbacks may go to. oss-with-loopback (default): private (RFC 1918, as OSS "
                        "documents) plus link-local, 100.64/10, unspecified and multicast addresses (our "
                        "extrapolation; any notation) get OSS's 400 'Private address is forbidden to callback.', "
                        "but loopback is allowed; oss: the same with loopback refused too; any: every address that resolves. Hosts are resolved once, before storing, "
                        "and the callback connects to that address")
    p.add_argument("--forbid-private-callbacks", dest="callback_policy", action="store_const", const="oss",
                   help="alias of --callback-policy oss (loopback refused too, as OSS documents)")
    p.add_argument("--virtual-host-domain", action="append", dest="virtual_host_domains", metavar="DOMAIN",
                   help="route Host: BUCKET.DOMAIN as virtual-host style; repeat for more (always routed: "
                        "localhost and OSS's oss-*.aliyuncs.com style domains)")
    p.add_argument("--region", default=DEFAULT_REGION,
                   help=f"region that V4 signatures must be scoped to, as on OSS (default: {DEFAULT_REGION})")
    p.add_argument("--public-endpoint", metavar="URL", type=arg(check_http_url, "URL"),
                   help="base URL written into x-oss-pub-key-url (default: the endpoint)")


def _config(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        data_dir=args.data_dir, host=args.host, port=args.port, access_key_id=args.access_key_id,
        access_key_secret=args.access_key_secret, buckets=tuple(args.buckets or DEFAULT_BUCKETS),
        callback_policy=args.callback_policy, public_endpoint=args.public_endpoint,
        virtual_host_domains=("localhost", *(args.virtual_host_domains or ())), region=args.region,
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
    print(f"  callback policy:    {_POLICY_NOTES[args.callback_policy]}")
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
