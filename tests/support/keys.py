"""One counting key server: serves PEMs (and any other routes) on loopback and records every hit."""

from __future__ import annotations

from types import TracebackType

from .loopback import LoopbackServer, QuietHandler


class KeyServer(LoopbackServer):
    """``routes`` map a path to ``(status, body)`` or ``(status, headers, body)``; ``hits`` lists
    every path asked for (GET, POST or PUT). Given a ``pem``, serves it at ``key_path``; ``prefix``
    is the URL prefix a receiver trusts (``prefix_path``, by default the key's folder)."""

    def __init__(self, pem: bytes | None = None, *, key_path: str = "/keys/callback.pem",
                 prefix_path: str | None = None, private_key: object = None) -> None:
        self.pem = pem
        self.private_key = private_key
        self.key_path = key_path
        self.routes: dict[str, tuple] = {}
        if pem is not None:
            self.routes[key_path] = (200, pem)
        self.hits: list[str] = []
        owner = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.hits.append(self.path)
                route = owner.routes.get(self.path, (404, b"not found"))
                status, headers, body = (route[0], [], route[1]) if len(route) == 2 else route
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = do_GET  # noqa: N815

        super().__init__(Handler)
        self.prefix = self.base + (prefix_path if prefix_path is not None else key_path.rsplit("/", 1)[0] + "/")

    @property
    def key(self) -> object:
        return self.private_key

    @property
    def key_url(self) -> str:
        return self.base + self.key_path

    def url(self, path: str | None = None) -> str:  # type: ignore[override]
        """The key's URL, or ``path`` under :attr:`prefix`."""
        return self.key_url if path is None else self.prefix + path.lstrip("/")

    def __enter__(self) -> KeyServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class CountingServer(KeyServer):
    """The same server with no key and its root as ``prefix``: for hosts a test must never
    contact, or routes it sets itself."""

    def __init__(self, routes: dict[str, tuple] | None = None) -> None:
        super().__init__(prefix_path="/")
        self.routes.update(routes or {})
