"""Where the engine runs: a thread of this process, or a child process that streams records back."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from ..errors import ReceiverError
from .engine import CallbackServer, EngineConfig
from .record import CallbackRecord
from .reply import ReplySettings

START_TIMEOUT = 60.0  # a cold start imports cryptography; CI machines can be slow
_CHILD = str(Path(__file__).with_name("_child.py"))


class Backend(Protocol):
    """What :class:`Receiver` needs from where the engine runs."""

    mode: str
    port: int
    pid: int  # the process that owns the listening socket

    def alive(self) -> bool: ...
    def exit_info(self) -> str: ...
    @property
    def exitcode(self) -> int | None: ...
    def sync(self, timeout: float) -> int: ...
    def set_reply(self, settings: ReplySettings | None, path: str | None) -> None: ...
    def add_secret(self, secret: str) -> None: ...
    def stop(self) -> None: ...


class ThreadBackend:
    """The engine in a daemon thread of the kernel: simplest, shares the GIL with your cells."""

    mode = "thread"

    def __init__(self, config: EngineConfig, sink: Callable[[CallbackRecord], None], on_error: Callable[[str], None]):
        self._on_error = on_error
        self.server = CallbackServer(config, sink, on_error)
        self.port = self.server.port
        self.pid = os.getpid()
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


class ChildProcess:
    """The receiver's child: a ``subprocess.Popen`` with the few ``multiprocessing.Process`` names
    callers use (``pid``, ``is_alive``, ``join``, ``kill``, ``exitcode``)."""

    def __init__(self, popen: subprocess.Popen[bytes]):
        self.popen = popen
        self.pid = popen.pid

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.popen.kill()


def _start_child(config: EngineConfig) -> tuple[ChildProcess, Connection, Connection]:
    """Start ``_child.py`` with a control socket and a records socket; send it the config."""
    control, child_control = socket.socketpair()
    records, child_records = socket.socketpair()
    fds = (child_control.fileno(), child_records.fileno())
    try:
        popen = subprocess.Popen(
            [sys.executable, _CHILD, str(fds[0]), str(fds[1])], pass_fds=fds, close_fds=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        for sock in (control, records):
            sock.close()
        raise
    finally:
        child_control.close()
        child_records.close()
    conn = Connection(control.detach())
    conn.send(config)
    return ChildProcess(popen), conn, Connection(records.detach(), writable=False)


class ProcessBackend:
    """The engine in a child process: keeps answering OSS within 5 s even while a cell holds the
    GIL in a long C call. Records come back over a socket and are added by a reader thread."""

    mode = "process"

    def __init__(self, config: EngineConfig, sink: Callable[[CallbackRecord], None], on_error: Callable[[str], None]):
        self._sink = sink
        self._on_error = on_error
        self._lock = threading.Lock()
        self._stopped = False
        try:
            self.process, self._conn, self._records = _start_child(config)
        except OSError as exc:
            raise ReceiverError(f"Could not start the receiver process: {exc}.",
                                hint="Try mode='thread', or check that this Python can start subprocesses.") from None
        try:
            msg = self._first_message(config.port or None)
        except BaseException:
            self._conn.close()
            self._records.close()
            raise
        self.port = int(msg[1])  # type: ignore[call-overload]
        self.pid = self.process.pid
        self._reader = threading.Thread(target=self._read, name=f"osscb-records-{self.port}", daemon=True)
        self._reader.start()

    def _first_message(self, port: int | None) -> tuple[object, ...]:
        if not self._conn.poll(START_TIMEOUT):
            self.process.kill()
            self.process.join(5)
            raise ReceiverError("The receiver process did not start in time.", port=port,
                                exitcode=self.process.exitcode,
                                hint="Try mode='thread', or check that this Python can start subprocesses.")
        try:
            msg = self._conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            raise ReceiverError(f"The receiver process exited during start (exit code {self.process.exitcode}).",
                                port=port, exitcode=self.process.exitcode,
                                hint="Try mode='thread' to see the failure in this process.") from None
        if msg[0] != "ready":
            self.process.join(5)
            if len(msg) > 2:  # a ReceiverError in the child: its message and hint as they were
                raise ReceiverError(msg[1], port=port, exitcode=self.process.exitcode, hint=msg[2])
            raise ReceiverError(f"The receiver process failed to start:\n{msg[1]}", port=port,
                                exitcode=self.process.exitcode,
                                hint="Try mode='thread' to see the failure in this process.")
        return msg  # type: ignore[no-any-return]

    def _read(self) -> None:
        while True:
            try:
                item = self._records.recv()
            except (EOFError, OSError):
                return
            except Exception:  # noqa: BLE001 - a record that does not unpickle is kept as an error
                self._on_error(f"a record from the receiver process was unreadable:\n{traceback.format_exc()}")
                continue
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
            with contextlib.suppress(OSError):
                self._conn.send(("stop",))
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
            # The child sent its records before exiting, then ("stopped",) or EOF when it was
            # killed: the reader adds every record and then ends.
            self._reader.join(5)
            self._records.close()
            self._conn.close()
