"""The HTTP request OSS sends to the application server (spec §3.1, §8.4; the header spelling and
order and their source: docs/callback-request.md)."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from email.utils import formatdate

from cryptography.hazmat.primitives.asymmetric import rsa

from ..params.urls import CallbackTarget
from .signing import content_md5, sign, string_to_sign

#: The current callback request's User-Agent, and the older signing example's (docs/callback-request.md).
CURRENT_USER_AGENT = "aliyun-oss-callback"
LEGACY_USER_AGENT = "http-client/0.0.1"


@dataclass(frozen=True)
class CallbackRequest:
    """One signed callback, ready to send: ``POST target`` to ``url`` with ``headers`` and ``body``."""

    url: str
    target: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    method: str = "POST"

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def to_raw(self) -> bytes:
        """The request as it goes on the wire (what ``osscb verify`` reads back)."""
        head = f"{self.method} {self.target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers)
        return head.encode("latin-1") + b"\r\n" + self.body


def build_callback_request(
    target: CallbackTarget,
    body: bytes,
    *,
    body_type: str,
    private_key: rsa.RSAPrivateKey,
    public_key_url: str,
    bucket: str,
    request_id: str,
    requester: str,
    host: str | None = None,
    date: float | None = None,
) -> CallbackRequest:
    """Sign ``body`` for ``target`` and assemble the headers OSS sends, spelled and ordered as in the
    current request of OSS's callback page (docs/callback-request.md): ``Host``, ``Connection``,
    ``Content-Length`` (where the only real capture has it), ``Authorization``, ``Content-MD5``,
    ``Content-Type``, ``Date``, ``User-Agent: aliyun-oss-callback``, ``x-oss-bucket``,
    ``x-oss-pub-key-url``, ``x-oss-request-id``, ``x-oss-requester``, ``x-oss-signature-version: 1.0``,
    ``x-oss-tag: CALLBACK``. :func:`legacy_spelling` gives the older signing example's spelling."""
    message = string_to_sign(target.path, target.query, body)
    headers = [
        ("Host", host or target.netloc),
        ("Connection", "close"),
        ("Content-Length", str(len(body))),
        ("Authorization", sign(private_key, message)),
        ("Content-MD5", content_md5(body)),
        ("Content-Type", body_type),
        ("Date", formatdate(date, usegmt=True)),
        ("User-Agent", CURRENT_USER_AGENT),
        ("x-oss-bucket", bucket),
        ("x-oss-pub-key-url", base64.b64encode(public_key_url.encode()).decode("ascii")),
        ("x-oss-request-id", request_id),
        ("x-oss-requester", requester),
        ("x-oss-signature-version", "1.0"),
        ("x-oss-tag", "CALLBACK"),
    ]
    return CallbackRequest(url=target.url, target=target.target, headers=headers, body=body)


def legacy_spelling(request: CallbackRequest) -> CallbackRequest:
    """``request`` spelled as OSS's older signing example: lower-case ``authorization`` and
    ``User-Agent: http-client/0.0.1`` (HTTP header names are case-insensitive; OSS's page shows both)."""
    headers: list[tuple[str, str]] = []
    for name, value in request.headers:
        if name.lower() == "authorization":
            headers.append(("authorization", value))
        elif name.lower() == "user-agent":
            headers.append(("User-Agent", LEGACY_USER_AGENT))
        else:
            headers.append((name, value))
    return dataclasses.replace(request, headers=headers)
