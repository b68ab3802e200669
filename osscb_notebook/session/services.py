"""Lifecycle of the emulator, the receiver and its tunnel that a session started."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

from ..config import Osscb
from ..errors import OsscbError
from ..tunnels import registry
from .events import ChangeNotifier

DEFAULT_PATH = "/callback"


class Services:
    """Starts, stops and describes the emulator, receiver and tunnel; one of each at a time."""

    def __init__(self, config: Osscb, events: ChangeNotifier) -> None:
        self.config = config
        self.events = events
        self.emulator: Any = None
        self.receiver: Any = None
        self.tunnel: Any = None
        self._lock = threading.RLock()

    # ---- emulator ------------------------------------------------------------------------------
    def start_emulator(self, port: int | None = None, bucket: str | None = None) -> Any:
        """Start the local OSS emulator (or return the running one)."""
        from ..emulator import Emulator

        with self._lock:
            if self.emulator is not None:
                return self.emulator
            bucket = bucket or self.config.bucket
            emulator = Emulator(port=self.config.emulator_port if port is None else port, buckets=(bucket,))
            emulator.start()
            self.emulator = emulator
        self.events.notify("emulator")
        return emulator

    def stop_emulator(self) -> bool:
        with self._lock:
            emulator, self.emulator = self.emulator, None
        if emulator is None:
            return False
        emulator.stop()
        self.events.notify("emulator")
        return True

    # ---- receiver and tunnel -------------------------------------------------------------------
    def tunnel_options(self, kind: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``options`` over this provider's ``Osscb.tunnel_options[kind]``, checked: a missing
        required one (ssh's host) or an unknown one raises a
        :class:`~osscb_notebook.errors.TunnelError` naming it."""
        provider = registry.provider(kind)
        chosen = dict(self.config.tunnel_options.get(kind) or {})
        chosen.update(options or {})
        return provider.prepare(chosen)

    def start_receiver(self, port: int | None = None, mode: str | None = None, tunnel: str | None = None,
                       reply: Any = None, tunnel_options: Mapping[str, Any] | None = None) -> Any:
        """Start the verifying receiver (and, on the emulator backend, the emulator whose key it
        must trust); open a tunnel when asked. Returns the receiver."""
        from ..receiver import start_receiver

        kind = tunnel or self.config.tunnel
        options = self.tunnel_options(kind, tunnel_options) if kind and kind != registry.NONE else {}
        with self._lock:
            if self.receiver is not None:
                return self.receiver
            trusted = list(self.config.trust_key_urls)
            if self.config.backend == "emulator":
                trusted.append(self.start_emulator().public_key_url)
            self.receiver = start_receiver(
                port=self.config.receiver_port if port is None else port, mode=cast(Any, mode or self.config.receiver_mode),
                trust_key_urls=tuple(trusted), reply=reply,
            )
        self.events.notify("receiver")
        if kind and kind != registry.NONE:
            self.open_tunnel(kind, options)
        return self.receiver

    def open_tunnel(self, kind: str, options: Mapping[str, Any] | None = None) -> Any:
        from ..tunnels import open_tunnel

        with self._lock:
            if self.receiver is None:
                raise OsscbError("No receiver is running.", hint="Start one first: %osscb_receiver start")
            options = self.tunnel_options(kind, options)
            if self.tunnel is not None:
                self.tunnel.close()
                self.tunnel = None
            # passing the receiver (not its port) registers the tunnel's secrets (a Jupyter token
            # in a proxy URL) so the receiver masks them in everything it records
            self.tunnel = open_tunnel(kind, self.receiver, **options)
        self.events.notify("tunnel")
        return self.tunnel

    def close_tunnel(self) -> bool:
        with self._lock:
            tunnel, self.tunnel = self.tunnel, None
        if tunnel is None:
            return False
        tunnel.close()
        self.events.notify("tunnel")
        return True

    def stop_receiver(self) -> bool:
        self.close_tunnel()
        with self._lock:
            receiver, self.receiver = self.receiver, None
        if receiver is None:
            return False
        receiver.stop()
        self.events.notify("receiver")
        return True

    def callback_url(self, path: str = DEFAULT_PATH) -> str:
        """Where OSS should send callbacks: the tunnel's public URL, else the receiver's own."""
        if self.tunnel is not None:
            return str(self.tunnel.callback_url(path))
        if self.receiver is not None:
            return str(self.receiver.url).rstrip("/") + path
        raise OsscbError("No receiver is running, so there is no callback URL.", hint="Start one: %osscb_receiver start")

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never be shown (the open tunnel's token)."""
        return tuple(self.tunnel.secrets) if self.tunnel is not None else ()

    def history(self) -> list[Any]:
        return list(self.receiver.history) if self.receiver is not None else []
