"""The receiver's child process: run as a script, it imports only the engine and its core.

``ProcessBackend`` starts ``python _child.py CONTROL_FD RECORDS_FD``. Run as a script, not through
``multiprocessing``: no re-import of the parent's ``__main__``, no resource-tracker helper process,
and the package ``__init__`` files (which pull httpx, oss2, widgets) are skipped, so a classroom of
kernels each starts its receiver fast and small. The first control message is the ``EngineConfig``.
"""

from __future__ import annotations

import os
import sys
import types


def _light_packages() -> None:
    """Make the packages on the engine's import path importable without their ``__init__``."""
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # running as a script put receiver/ on the path: its modules are not top-level
    root = os.path.dirname(here)
    for name, path in (("osscb_notebook", root), ("osscb_notebook.receiver", here),
                       ("osscb_notebook.callback", os.path.join(root, "callback"))):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [path]
            sys.modules[name] = module


#: Tells the records sender thread to stop once everything before it is sent.
_CLOSE = object()


def main(control_fd: int, records_fd: int) -> None:
    import queue
    import signal
    import threading
    import traceback
    from multiprocessing.connection import Connection

    # A kernel interrupt signals the whole process group: the receiver must keep serving.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(control_fd)
    records = Connection(records_fd, readable=False)
    # Handlers record *before* they reply, so they must never wait on the parent: a kernel busy in
    # a cell reads the records socket late, and a full socket would hold every reply behind it. One
    # sender thread drains this outbox instead, as multiprocessing.Queue's feeder thread did.
    outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
    records_lock = threading.Lock()
    emitted = [0]

    def send_records() -> None:
        while (item := outbox.get()) is not _CLOSE:
            try:
                records.send(item)
            except OSError:  # the parent is gone
                return

    sender = threading.Thread(target=send_records, name="osscb-records", daemon=True)
    sender.start()

    def put(item: object) -> None:
        outbox.put(item)

    try:
        config = conn.recv()
        from osscb_notebook.receiver.engine import CallbackServer

        def sink(record: object) -> None:
            with records_lock:
                outbox.put(record)
                emitted[0] += 1

        server = CallbackServer(config, sink, lambda text: put(("error", text)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises ReceiverError
        if exc.__class__.__name__ == "ReceiverError":  # its message and hint, as they were
            conn.send(("error", getattr(exc, "message", str(exc)), getattr(exc, "hint", "")))
        else:
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
                    with records_lock:
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
        put(("stopped", None))
        outbox.put(_CLOSE)
        sender.join(10)
        try:
            records.close()
            conn.send(("stopped",))
        except OSError:
            pass


if __name__ == "__main__":
    # The kernel forwards file descriptors 1 and 2 into the notebook: the parent starts us with
    # them on /dev/null, so a stray traceback cannot land in a cell; errors travel as messages.
    _light_packages()
    main(int(sys.argv[1]), int(sys.argv[2]))
