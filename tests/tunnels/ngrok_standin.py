"""A stand-in for the ngrok agent, for tests on a machine with no way out.

It speaks the part of the agent that pyngrok uses: the startup log lines on stdout (with
``--log stdout``) and the local API (``/api/endpoints``: list, create, delete). An endpoint's
"public" URL is a loopback port that really forwards TCP to the endpoint's upstream, so bytes
travel the same way they would through ngrok's edge. ``OSSCB_NGROK_STANDIN_LOG`` names a file that
gets one JSON line per argv and API call; ``OSSCB_NGROK_STANDIN_BROKEN=1`` hands out public URLs
that lead nowhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

LOG = os.environ.get("OSSCB_NGROK_STANDIN_LOG")
BROKEN = os.environ.get("OSSCB_NGROK_STANDIN_BROKEN") == "1"


def note(**event: Any) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")


def pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    for s in (src, dst):
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)


class Forwarder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                out = socket.create_connection(upstream, timeout=10)
                back = threading.Thread(target=pipe, args=(out, self.request), daemon=True)
                back.start()
                pipe(self.request, out)
                back.join(10)
                out.close()

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


ENDPOINTS: dict[str, tuple[dict[str, Any], Forwarder | None]] = {}


class Api(BaseHTTPRequestHandler):
    def _json(self, status: int, data: Any = None) -> None:
        body = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/api/endpoints":
            self._json(200, {"endpoints": [info for info, _ in ENDPOINTS.values()]})
        else:
            self._json(404, {"msg": "not found"})

    def do_POST(self) -> None:
        options = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        note(api="POST", path=self.path, options=options)
        upstream = urlsplit(options["upstream"]["url"])
        name = options["name"]
        if BROKEN:
            forwarder, public = None, "http://127.0.0.1:9/"  # the discard port: nothing answers there
        else:
            forwarder = Forwarder((upstream.hostname or "localhost", upstream.port or 80))
            public = f"http://127.0.0.1:{forwarder.server_address[1]}"
        info = {"id": f"ep_{len(ENDPOINTS) + 1}", "name": name, "public_url": public,
                "uri": f"/api/endpoints/{name}", "upstream": options["upstream"]}
        ENDPOINTS[name] = (info, forwarder)
        self._json(201, info)

    def do_DELETE(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        note(api="DELETE", path=self.path)
        info, forwarder = ENDPOINTS.pop(name, (None, None))
        if forwarder is not None:
            forwarder.shutdown()
            forwarder.server_close()
        self._json(204 if info else 404)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    note(argv=sys.argv[1:], pid=os.getpid())
    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())
    for line in (f'lvl=info msg="starting web service" obj=web addr=127.0.0.1:{api.server_address[1]}',
                 'lvl=info msg="tunnel session started" obj=tunnels.session',
                 'lvl=info msg="client session established" obj=csess id=standin'):
        print(f"t={stamp} {line}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The real agent keeps logging; pyngrok's startup loop blocks on readline() until it is healthy,
    # so a quiet stand-in would hang it instead of letting its startup_timeout fire.
    quiet_after = time.monotonic() + 30
    while not stop.wait(0.25) and time.monotonic() < quiet_after:
        print(f't={stamp} lvl=info msg="heartbeat" obj=csess', flush=True)
    stop.wait()


if __name__ == "__main__":
    main()
