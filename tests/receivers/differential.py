"""The differential table (issue #25 item 12): one list of requests, each with the one answer every
exported receiver must give, and the verdict the kit's own verifier must reach on the same bytes.

A row builds raw request bytes from a :class:`Context` (the receiver's port, a trusted key server,
a forger's key); ``expect`` is the HTTP status, ``kit`` the kit's verdict (``True`` verified,
``False`` refused, ``None`` not a verification question: framing, methods, limits). Where a
language's own HTTP server answers before the exported file runs, the answer it gives is listed in
:data:`SERVER_DECIDES` with the words of the file's header comment that say so: the status must
still be that one, and the header must say it.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from osscb_notebook.callback import CallbackRequest
from osscb_notebook.callback.oss_vectors import OSS_VECTORS
from tests.support import Signer

MAX_BODY = 1024 * 1024


@dataclass
class Answer:
    """What came back: ``status`` 0 when the server closed without an answer, -1 on a timeout."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __str__(self) -> str:
        if self.status <= 0:
            return "no answer (closed)" if self.status == 0 else "no answer (timed out)"
        return f"{self.status} {self.headers.get('content-type', '-')} {self.body[:90]!r}"


def exchange(port: int, data: bytes, *, half_close: bool = False, timeout: float = 10.0) -> Answer:
    """Send ``data`` on a fresh connection (then shut down our side if ``half_close``) and read the
    answer until the server closes or it is complete."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        buf = b""
        deadline = time.monotonic() + timeout
        while True:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                if not buf:
                    return Answer(-1)
                break
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                length = _headers(head).get("content-length")
                if length is not None and length.isdigit() and len(body) >= int(length):
                    break
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/"):
        return Answer(0)
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    return Answer(int(parts[1]), _headers(head), body)


def _headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        out[name.strip().lower()] = value.strip()
    return out


def raw_request(method: str, target: str, headers: list[tuple[str, str]], body: bytes, *,
                length: str | None = "auto", extra: list[tuple[str, str]] = ()) -> bytes:  # type: ignore[assignment]
    """The request's bytes: ``headers`` minus Host/Content-Length/Connection, then ``extra``, then a
    Content-Length (``auto``: the body's; ``None``: none)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in ("host", "content-length", "connection")]
    lines += [f"{k}: {v}" for k, v in extra]
    if length is not None:
        lines.append(f"Content-Length: {len(body) if length == 'auto' else length}")
    lines.append("Connection: close")
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body


def tamper(signature: str) -> str:
    i = len(signature) // 2
    return signature[:i] + ("A" if signature[i] != "A" else "B") + signature[i + 1:]


# ------------------------------------------------------------------------------- hostile key hosts

class KeyHost:
    """A key server under a trusted prefix that plays the hostile key host: ``/PREFIX/slow/...``
    answers after 4 s, ``/PREFIX/trickle/...`` sends the PEM a few bytes every 0.5 s (6 s in all),
    ``/PREFIX/pem/...`` serves the PEM after 0.3 s (so concurrent first callbacks overlap), and
    every other path, dot segments resolved as common web servers do, serves the forger's key."""

    def __init__(self, pem: bytes, forged_pem: bytes) -> None:
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner.hits.append(self.path)
                path = self.path.split("?")[0]
                if path.startswith("/trusted/slow/"):
                    time.sleep(4.0)
                    body = pem
                elif path.startswith("/trusted/trickle/"):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(pem)))
                    self.end_headers()
                    step = max(1, len(pem) // 12)
                    with contextlib.suppress(OSError):
                        for i in range(0, len(pem), step):
                            self.wfile.write(pem[i:i + step])
                            self.wfile.flush()
                            time.sleep(0.5)
                    return
                elif path.startswith("/trusted/pem/"):
                    time.sleep(0.3)
                    body = pem
                else:
                    body = forged_pem
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.prefix = f"http://127.0.0.1:{self.port}/trusted/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hits_of(self, part: str) -> list[str]:
        return [h for h in self.hits if part in h]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------------ the table

@dataclass
class Context:
    """What rows build their requests from. ``signer`` signs with the trusted key (served under
    ``host.prefix``), ``forger`` with another key."""

    host: KeyHost
    signer: Signer
    forger: Signer
    base: str = "http://127.0.0.1:9/"  # the callback URL's origin (not used to connect)

    def signed(self, target: str = "/cb?n=1", body: bytes = b"bucket=demo&object=a%2Fb.txt&size=5", *,
               key_url: str | None = None, forged: bool = False) -> CallbackRequest:
        who = self.forger if forged else self.signer
        return who.request(self.base.rstrip("/") + target, body=body, key_url=key_url or self.host.prefix + "pem/k.pem")

    def raw(self, req: CallbackRequest, **kw: object) -> bytes:
        return raw_request("POST", req.target, list(req.headers), req.body, **kw)  # type: ignore[arg-type]


def _replace(headers: list[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in headers if k.lower() != name]
    return out + ([(name, value)] if value is not None else [])


@dataclass(frozen=True)
class Row:
    """One case: ``build(ctx)`` gives the bytes; ``expect`` the status every export answers; ``kit``
    the kit verifier's verdict (None: not asked); ``half_close`` shuts our side after sending."""

    case: str
    build: Callable[[Context], bytes]
    expect: int
    kit: bool | None = None
    half_close: bool = False
    ok_body: bool = False  # a 200 must be exactly {"Status":"OK"}


def _vector_rows() -> list[Row]:
    rows = []
    for v in OSS_VECTORS:
        rows.append(Row(f"oss-{v.name}", lambda c, v=v: c.raw(v.request(c.base)), 200, True, ok_body=True))
        rows.append(Row(f"oss-{v.name}-tampered-body",
                        lambda c, v=v: c.raw(v.request(c.base), ) [:-1] + bytes([v.body[-1] ^ 1]), 400, False))
    return rows


def _sig(c: Context, req: CallbackRequest, change: Callable[[str], str]) -> bytes:
    value = next(v for k, v in req.headers if k.lower() == "authorization")
    return c.raw(req) if change(value) == value else raw_request(
        "POST", req.target, _replace(list(req.headers), "authorization", change(value)), req.body)


def _key_url_header(c: Context, req: CallbackRequest, value: str) -> bytes:
    return raw_request("POST", req.target, _replace(list(req.headers), "x-oss-pub-key-url", value), req.body)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


#: The three tricks of issue #25 item 8 and their cousins: each URL starts with the trusted prefix,
#: and a key host that resolves dot segments (or decodes '%2f') serves the forger's key for it.
KEY_URL_TRICKS = {
    "dots-before-query": "{p}..?x=1",
    "encoded-dots-before-query": "{p}%2e%2e?x=1",
    "dots-encoded-slash": "{p}..%2fevil.pem",
    "dots-before-fragment": "{p}..#x",
    "dots-at-end": "{p}..",
    "dot-segment": "{p}./k.pem",
    "encoded-dots-mixed-case": "{p}%2E%2e/evil.pem",
    "dots-semicolon": "{p}..;/evil.pem",
    "encoded-backslash": "{p}..%5cevil.pem",
    "double-encoded-dots": "{p}%252e%252e/evil.pem",
}


def rows() -> list[Row]:
    out = _vector_rows()
    out += [
        Row("valid-form", lambda c: c.raw(c.signed()), 200, True, ok_body=True),
        Row("valid-no-query", lambda c: c.raw(c.signed("/cb")), 200, True, ok_body=True),
        Row("valid-encoded-path", lambda c: c.raw(c.signed("/a%20b/c%2Bd%25e?x=1+2")), 200, True, ok_body=True),
        Row("valid-json", lambda c: c.raw(c.signed(body=b'{"a":1, "b" :"x"}')), 200, True, ok_body=True),
        Row("valid-lower-case-header-names",
            lambda c: c.raw(c.signed()).replace(b"\r\nAuthorization:", b"\r\nauthorization:"), 200, True),
        Row("valid-upper-case-header-names",
            lambda c: c.raw(c.signed()).replace(b"\r\nauthorization:", b"\r\nAUTHORIZATION:")
            .replace(b"\r\nx-oss-pub-key-url:", b"\r\nX-OSS-PUB-KEY-URL:"), 200, True),
        Row("valid-exactly-1-MiB", lambda c: c.raw(c.signed(body=b"x=" + b"a" * (MAX_BODY - 2))), 200, True),
        # forgeries
        Row("forged-untrusted-key-url",
            lambda c: c.raw(c.signed(forged=True, key_url=f"http://127.0.0.1:{c.host.port}/elsewhere/k.pem")), 400, False),
        Row("forged-wrong-key-at-trusted-url", lambda c: c.raw(c.signed(forged=True)), 400, False),
        Row("forged-userinfo",
            lambda c: c.raw(c.signed(forged=True, key_url=c.host.prefix.replace("http://", "http://x@"))), 400, False),
        Row("forged-sibling-prefix",
            lambda c: c.raw(c.signed(forged=True, key_url=c.host.prefix.rstrip("/") + "-evil/k.pem")), 400, False),
        # tampering
        Row("tampered-body", lambda c: c.raw(c.signed())[:-1] + b"6", 400, False),
        Row("tampered-path", lambda c: (lambda r: raw_request("POST", "/cc?n=1", list(r.headers), r.body))(c.signed()), 400, False),
        Row("tampered-query", lambda c: (lambda r: raw_request("POST", "/cb?n=2", list(r.headers), r.body))(c.signed()), 400, False),
        Row("tampered-query-dropped", lambda c: (lambda r: raw_request("POST", "/cb", list(r.headers), r.body))(c.signed()), 400, False),
        Row("tampered-signature", lambda c: _sig(c, c.signed(), tamper), 400, False),
        # Base64 variants
        Row("signature-unpadded", lambda c: _sig(c, c.signed(), lambda s: s.rstrip("=")), 400, False),
        Row("signature-url-safe-alphabet",
            lambda c: _sig(c, c.signed(), lambda s: s.replace("+", "-").replace("/", "_") if ("+" in s or "/" in s) else "-" + s[1:]),
            400, False),
        Row("signature-inner-space", lambda c: _sig(c, c.signed(), lambda s: s[:8] + " " + s[8:]), 400, False),
        Row("signature-empty", lambda c: _sig(c, c.signed(), lambda s: ""), 400, False),
        Row("signature-8-KiB", lambda c: _sig(c, c.signed(), lambda s: "A" * 8192), 400, False),
        Row("key-url-unpadded", lambda c: _key_url_header(c, c.signed(), _b64(c.host.prefix + "pem/k.pem").rstrip("=")
                                                            if _b64(c.host.prefix + "pem/k.pem").endswith("=")
                                                            else _b64(c.host.prefix + "pem/k.pem")[:-1]), 400, False),
        Row("key-url-not-base64", lambda c: _key_url_header(c, c.signed(), "%%%"), 400, False),
        Row("key-url-not-a-url", lambda c: _key_url_header(c, c.signed(), _b64("not a url")), 400, False),
        # duplicated and look-alike headers
        Row("authorization-twice", lambda c: (lambda r: c.raw(r, extra=[("Authorization", next(
            v for k, v in r.headers if k.lower() == "authorization"))]))(c.signed()), 400, False),
        Row("key-url-twice", lambda c: (lambda r: c.raw(r, extra=[("x-oss-pub-key-url", next(
            v for k, v in r.headers if k.lower() == "x-oss-pub-key-url"))]))(c.signed()), 400, False),
        Row("key-url-header-with-underscores",
            lambda c: c.raw(c.signed()).replace(b"\r\nx-oss-pub-key-url:", b"\r\nx_oss_pub_key_url:"), 400, False),
        Row("malformed-request-line", lambda c: b"POST /cb HTTP/1.1 extra\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
                                                b"Connection: close\r\n\r\na=1", 400),
        Row("target-malformed-escape", lambda c: raw_request("POST", "/cb%zz", [], b"a=1"), 400),
        Row("target-3000-bytes", lambda c: raw_request("POST", "/" + "a" * 2999, [], b"a=1"), 400),
        Row("no-signature-headers",
            lambda c: raw_request("POST", "/cb", [("Content-Type", "text/plain")], b"a=1"), 400, False),
        # limits
        Row("content-length-1-MiB-plus-1", lambda c: raw_request("POST", "/cb", [], b"", length=str(MAX_BODY + 1)), 413),
        # with the first body bytes: PHP's built-in server allocates the declared size when they arrive
        Row("content-length-10^12", lambda c: raw_request("POST", "/cb", [], b"a=1", length=str(10**12)), 413),
        Row("content-length-20-digits", lambda c: raw_request("POST", "/cb", [], b"a=1", length="99999999999999999999"), 413),
        # framing
        Row("no-content-length", lambda c: c.raw(c.signed(), length=None)[:-len(c.signed().body)], 411, half_close=True),
        Row("chunked", lambda c: raw_request("POST", "/cb", [("Transfer-Encoding", "chunked")], b"3\r\na=1\r\n0\r\n\r\n",
                                             length=None), 411),
        Row("content-length-not-a-number", lambda c: raw_request("POST", "/cb", [], b"a=1", length="3a"), 400),
        Row("content-length-conflicting",
            lambda c: raw_request("POST", "/cb", [], b"a=1", extra=[("Content-Length", "4")]), 400),
        Row("body-shorter-than-content-length-half-closed",
            lambda c: raw_request("POST", "/cb", [], b"a=1", length="10"), 400, half_close=True),
        # methods
        Row("method-GET", lambda c: raw_request("GET", "/cb", [], b"", length=None), 405),
        Row("method-TRACE", lambda c: raw_request("TRACE", "/cb", [], b"", length=None), 405),
        Row("method-unknown", lambda c: raw_request("FOO", "/cb", [], b"a=1"), 405),
        Row("method-lower-case-post", lambda c: (lambda r: raw_request("post", r.target, list(r.headers), r.body))(c.signed()), 405),
    ]
    for name, pattern in KEY_URL_TRICKS.items():
        out.append(Row(f"key-url-{name}", lambda c, p=pattern: c.raw(c.signed(forged=True, key_url=p.format(p=c.host.prefix))),
                       400, False))
    return out


ROWS = rows()

#: (case, language) -> the status that language's own HTTP server answers before the exported file
#: runs, and words of the file's header comment that say so. Nothing else may differ.
SERVER_DECIDES: dict[tuple[str, str], tuple[int, str]] = {
    ("content-length-not-a-number", "go"): (400, "non-numeric or conflicting"),
    ("content-length-conflicting", "go"): (400, "non-numeric or conflicting"),
    ("content-length-20-digits", "go"): (400, "a 20-digit one too"),
    ("content-length-not-a-number", "java"): (400, "non-numeric or conflicting"),
    ("content-length-conflicting", "java"): (400, "non-numeric or conflicting"),
    ("content-length-20-digits", "java"): (400, "a 20-digit one too"),
    ("target-3000-bytes", "ruby"): (414, "2,083 bytes gets 414"),
    ("malformed-request-line", "go"): (400, "400 for a malformed request line"),
    ("malformed-request-line", "java"): (400, "400 for a malformed request line"),
    ("target-malformed-escape", "go"): (400, "a target with a malformed"),
    ("target-malformed-escape", "java"): (400, "a target with a malformed"),
}

#: (case, language) whose answer is the server's own and not JSON (the file cannot change it).
NOT_JSON = {key for key in SERVER_DECIDES if key[0] != "target-3000-bytes"}  # WEBrick's errors are JSON here
