"""Servers for the namespace host (issue #28), run there as ``python -m tests.probe.ns_server KIND [PREFIX...]``
from the repository root. Each listens on 0.0.0.0 (the namespace's own addresses), prints
``listening on 0.0.0.0:PORT`` and serves until SIGINT or SIGTERM.

``naive``: :class:`tests.probe.servers.TrustsAnyKeyURL` (fetches any key URL), trusting the PREFIXes.
``silent``: accepts connections, reads what comes and never answers (a dead tunnel's far end).
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler

from osscb_notebook._wire import QuietHTTPServer
from tests.probe import servers
from tests.support.loopback import LoopbackServer


class AnyAddressServer(LoopbackServer):
    """:class:`LoopbackServer` on 0.0.0.0: inside the namespace, 127.0.0.1 is the namespace's own."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = QuietHTTPServer(("0.0.0.0", 0), handler)  # noqa: S104 - the namespace's addresses only
        self.port = int(self.httpd.server_address[1])
        self.base = f"http://0.0.0.0:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()


def silent() -> int:
    listener = socket.create_server(("0.0.0.0", 0), backlog=64)  # noqa: S104
    held: list[socket.socket] = []

    def hold() -> None:
        while True:
            conn, _ = listener.accept()
            held.append(conn)  # read nothing back, answer nothing, close nothing

    threading.Thread(target=hold, daemon=True).start()
    return int(listener.getsockname()[1])


def main(argv: list[str]) -> None:
    kind, prefixes = argv[0], tuple(argv[1:])
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if kind == "silent":
        port = silent()
    elif kind == "naive":
        servers.LoopbackServer = AnyAddressServer  # type: ignore[misc]
        port = servers.TrustsAnyKeyURL(prefixes).server.port
    else:
        raise SystemExit(f"unknown kind {kind!r}: naive or silent")
    print(f"listening on 0.0.0.0:{port}", flush=True)
    stop.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
