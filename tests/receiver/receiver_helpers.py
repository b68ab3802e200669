"""Test helpers: sign callbacks with the core and serve their public key from loopback."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from osscb_notebook.callback import (
    CallbackRequest,
    build_callback_request,
    generate_private_key,
    public_key_pem,
)
from osscb_notebook.params import parse_callback_url


@dataclass
class KeyServer:
    """Serves one PEM at ``/keys/callback.pem`` on loopback and counts every request it gets."""

    pem: bytes
    hits: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def prefix(self) -> str:
        return f"http://127.0.0.1:{self.port}/keys/"

    @property
    def key_url(self) -> str:
        return self.prefix + "callback.pem"


@contextmanager
def serve_key(pem: bytes) -> Iterator[KeyServer]:
    ks = KeyServer(pem)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            ks.hits.append(self.path)
            if self.path == "/keys/callback.pem":
                self.send_response(200)
                self.send_header("Content-Length", str(len(ks.pem)))
                self.end_headers()
                self.wfile.write(ks.pem)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ks.port = server.server_address[1]
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield ks
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Signer:
    """Signs callbacks the way OSS does, with a test key whose PEM a key server publishes."""

    private_key: object
    key_url: str

    def request(self, url: str, body: bytes = b"bucket=demo&object=a%2Fb.txt&size=5",
                body_type: str = "application/x-www-form-urlencoded", key_url: str | None = None) -> CallbackRequest:
        return build_callback_request(
            parse_callback_url(url), body, body_type=body_type, private_key=self.private_key,  # type: ignore[arg-type]
            public_key_url=key_url or self.key_url, bucket="demo", request_id="5CF3E7821AB22D0FDB86704D",
            requester="1050784833268046",
        )


def new_key():  # noqa: ANN201
    key = generate_private_key(1024)  # 1024 bits keeps key generation fast; verification is the same
    return key, public_key_pem(key)


SKIP = {"host", "content-length", "connection"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_raw(port: int, req: CallbackRequest, timeout: float = 60.0) -> int:
    """POST with http.client (no per-request TLS setup: cheap enough for bursts); returns the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", req.target, body=req.body,
                     headers={k: v for k, v in req.headers if k.lower() not in SKIP})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def send(req: CallbackRequest, url: str | None = None, *, timeout: float = 10.0, client: httpx.Client | None = None,
         **overrides: object) -> httpx.Response:
    """POST a signed callback over real HTTP (``url`` overrides where it goes; headers kept)."""
    headers = [(k, v) for k, v in req.headers if k.lower() not in SKIP]
    body = overrides.get("body", req.body)
    target = url or req.url
    if client is not None:
        return client.post(target, headers=headers, content=body)  # type: ignore[arg-type]
    return httpx.post(target, headers=headers, content=body, timeout=timeout)  # type: ignore[arg-type]
