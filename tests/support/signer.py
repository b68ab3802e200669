"""One RSA signer: signs callbacks exactly as OSS does, with a test key a key server publishes."""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field

import httpx

from osscb_notebook.callback import (
    CallbackRequest,
    build_callback_request,
    generate_private_key,
    public_key_pem,
)
from osscb_notebook.params import parse_callback_url

DEFAULT_BODY = b"bucket=demo&object=a%2Fb.txt&size=5"
#: Headers the HTTP client sets itself when a captured callback is sent again.
SKIP = {"host", "content-length", "connection"}


def new_key():  # noqa: ANN201
    """``(private key, public PEM)``; 1024 bits keeps key generation fast, verification is the same."""
    key = generate_private_key(1024)
    return key, public_key_pem(key)


@dataclass
class Signer:
    """``request(url)`` gives a signed callback whose ``x-oss-pub-key-url`` is ``key_url``."""

    private_key: object = field(default_factory=lambda: generate_private_key(1024))
    key_url: str = ""

    @property
    def pem(self) -> bytes:
        return public_key_pem(self.private_key)  # type: ignore[arg-type]

    def request(self, url: str, body: bytes = DEFAULT_BODY, body_type: str = "application/x-www-form-urlencoded",
                key_url: str | None = None) -> CallbackRequest:
        return build_callback_request(
            parse_callback_url(url), body, body_type=body_type, private_key=self.private_key,  # type: ignore[arg-type]
            public_key_url=key_url or self.key_url, bucket="demo", request_id="5CF3E7821AB22D0FDB86704D",
            requester="1050784833268046",
        )


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
