"""Where the engine runs: a thread of this process, or a child process that streams records back."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import threading
import traceback
import types
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..errors import ReceiverError
from .engine import CallbackServer, EngineConfig
from .record import CallbackRecord
from .reply import ReplySettings

_SPAWN = mp.get_context("spawn")
START_TIMEOUT = 60.0  # a cold spawn imports cryptography and httpx; CI machines can be slow


class Backend(Protocol):
    """What :class:`Receiver` needs from where the engine runs."""

    mode: str
    port: int

    def alive(self) -> bool: ...
    def exit_info(self) -> str: ...
    @property
    def exitcode(self) -> int | None: ...
    def sync(self, timeout: float) -> int: ...
    def set_reply(self, settings: ReplySettings | None, path: str | None) -> None: ...
    def add_secret(self, secret: str) -> None: ...
    def stop(self) -> None: ...


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Spawn re-imports the parent's ``__main__`` in the child; an unguarded user script would run
    again there. The child needs nothing from ``__main__``, so show it a blank one while starting."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class ThreadBackend:
    """The engine in a daemon thread of the kernel: simplest, shares the GIL with your cells."""

    mode = "thread"

    def __init__(self, config: EngineConfig, sink: Callable[[CallbackRecord], None], on_error: Callable[[str], None]):
        self._on_error = on_error
        self.server = CallbackServer(config, sink, on_error)
        self.port = self.server.port
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, name=f"osscb-receiver-{self.port}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.2)
        except Exception:  # noqa: BLE001 - kept for the next API call, never printed
            self._on_error(f"the server thread stopped:\n{traceback.format_exc()}")

    def alive(self) -> bool:
        return self._thread.is_alive()

    def exit_info(self) -> str:
        return "the server thread is no longer running"

    @property
    def exitcode(self) -> int | None:
        return None  # a thread has no exit code

    def sync(self, timeout: float) -> int:
        return -1  # records are added before the reply is written: nothing in flight

    def set_reply(self, settings: ReplySettings | None, path: str | None) -> None:
        self.server.set_reply(settings, path)

    def add_secret(self, secret: str) -> None:
        self.server.add_secret(secret)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


def _child_main(config: EngineConfig, records: Any, conn: Any) -> None:
    """Entry point of the child process (spawn): serve, stream records, obey the control pipe."""
    # The kernel forwards file descriptors 1 and 2 into the notebook: a stray traceback from this
    # process would land in whatever cell runs next, so silence them; errors travel as messages.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    def on_error(text: str) -> None:
        records.put(("error", text))

    emitted = [0]
    emitted_lock = threading.Lock()

    def sink(record: CallbackRecord) -> None:
        with emitted_lock:
            records.put(record)
            emitted[0] += 1

    try:
        server = CallbackServer(config, sink, on_error)
    except ReceiverError as exc:
        conn.send(("error", exc.message, exc.hint))
        return
    except Exception:  # noqa: BLE001
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("ready", server.port))

    def control() -> None:
        # EOF means the parent is gone (kernel restarted or killed): stop rather than linger.
        try:
            while True:
                msg = conn.recv()
                if msg[0] == "reply":
                    server.set_reply(msg[1], msg[2])
                    conn.send(("ok",))
                elif msg[0] == "secret":
                    server.add_secret(msg[1])
                    conn.send(("ok",))
                elif msg[0] == "count":
                    with emitted_lock:
                        conn.send(("count", emitted[0]))
                elif msg[0] == "stop":
                    break
        except (EOFError, OSError):
            pass
        server.shutdown()

    threading.Thread(target=control, name="osscb-control", daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        records.put(("stopped", None))
        records.close()
        records.join_thread()
        with contextlib.suppress(OSError):
            conn.send(("stopped",))


class ProcessBackend:
    """The engine in a child process: keeps answering OSS within 5 s even while a cell holds the
    GIL in a long C call. Records come back over a queue and are added by a reader thread."""

    mode = "process"

    def __init__(self, config: EngineConfig, sink: Callable[[CallbackRecord], None], on_error: Callable[[str], None]):
        self._sink = sink
        self._on_error = on_error
        self._records = _SPAWN.Queue()
        self._conn, child_conn = _SPAWN.Pipe()
        self._lock = threading.Lock()
        self._stopped = False
        self.process = _SPAWN.Process(target=_child_main, args=(config, self._records, child_conn),
                                      name="osscb-receiver", daemon=True)
        with _main_hidden():
            self.process.start()
        child_conn.close()
        if not self._conn.poll(START_TIMEOUT):
            self.process.kill()
            self.process.join(5)
            raise ReceiverError("The receiver process did not start in time.", port=config.port or None,
                                exitcode=self.process.exitcode, hint="Try mode='thread', or check that this Python can start subprocesses.")
        try:
            msg = self._conn.recv()
        except EOFError:
            self.process.join(5)
            raise ReceiverError(f"The receiver process exited during start (exit code {self.process.exitcode}).",
                                port=config.port or None, exitcode=self.process.exitcode,
                                hint="Try mode='thread' to see the failure in this process.") from None
        if msg[0] != "ready":
            self.process.join(5)
            if len(msg) > 2:  # a ReceiverError in the child: its message and hint as they were
                raise ReceiverError(msg[1], port=config.port or None, exitcode=self.process.exitcode, hint=msg[2])
            raise ReceiverError(f"The receiver process failed to start:\n{msg[1]}", port=config.port or None,
                                exitcode=self.process.exitcode, hint="Try mode='thread' to see the failure in this process.")
        self.port = int(msg[1])
        self._reader = threading.Thread(target=self._read, name=f"osscb-records-{self.port}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                item = self._records.get()
            except (EOFError, OSError):
                return
            if item is None:
                return
            if isinstance(item, CallbackRecord):
                self._sink(item)
            elif item[0] == "error":
                self._on_error(item[1])
            elif item[0] == "stopped":
                return

    def alive(self) -> bool:
        return self.process.is_alive()

    def exit_info(self) -> str:
        return f"the receiver process exited (exit code {self.process.exitcode})"

    @property
    def exitcode(self) -> int | None:
        return self.process.exitcode

    def _ask(self, *msg: object) -> tuple[object, ...]:
        with self._lock:
            if not self.process.is_alive():
                raise ReceiverError(self.exit_info() + ".", port=self.port, exitcode=self.process.exitcode,
                                    hint="Start a new receiver.")
            self._conn.send(msg)
            if not self._conn.poll(10):
                raise ReceiverError("The receiver process did not answer a control message in 10 s.", port=self.port,
                                    hint="It may be overloaded or stuck: stop it and start a new receiver.")
            return self._conn.recv()  # type: ignore[no-any-return]

    def sync(self, timeout: float) -> int:
        """How many records the child has sent; the caller waits until they all arrived."""
        if self._stopped or not self.process.is_alive():
            return -1
        return int(self._ask("count")[1])  # type: ignore[call-overload]

    def set_reply(self, settings: ReplySettings | None, path: str | None) -> None:
        self._ask("reply", settings, path)

    def add_secret(self, secret: str) -> None:
        self._ask("secret", secret)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        with self._lock:
            with contextlib.suppress(OSError, BrokenPipeError):
                self._conn.send(("stop",))
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
            # The child flushed its records before exiting; None queues behind them, so the
            # reader adds every record and then ends (also when the child was killed).
            self._records.put(None)
            self._reader.join(5)
            self._conn.close()
