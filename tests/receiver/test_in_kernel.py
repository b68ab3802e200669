"""Inside a real ipykernel: the receiver answers while other cells run, and nothing it does ever
shows up as output in those cells; its errors surface in the cell that next asks."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest

from tests.support import post_raw

jupyter_client = pytest.importorskip("jupyter_client")


class Kernel:
    def __init__(self) -> None:
        self.km = jupyter_client.KernelManager(kernel_name="python3")
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 60, started: threading.Event | None = None) -> list[dict]:
        """Execute a cell; return its iopub messages (what the notebook would show in that cell).
        ``started`` is set when the cell prints its first output."""
        msg_id = self.kc.execute(code)
        out = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
            if msg["msg_type"] in ("stream", "execute_result", "display_data", "error"):
                out.append(msg)
                if started is not None:
                    started.set()

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    try:
        yield k
    finally:
        k.close()


def text(msgs: list[dict]) -> str:
    parts = []
    for m in msgs:
        c = m["content"]
        parts.append(c.get("text") or c.get("data", {}).get("text/plain", "") or "\n".join(c.get("traceback", [])))
    return "".join(parts)


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_receiver_in_a_kernel_answers_during_a_busy_cell_and_never_prints(kernel, signer, key_server, mode):
    out = kernel.run(
        "from osscb_notebook.receiver import start_receiver\n"
        f"r = start_receiver(mode={mode!r}, trust_key_urls=[{key_server.prefix!r}])\n"
        "r.subscribe(lambda record: 1 / 0)  # a broken listener: its error must not print\n"
        "print(r.port)")
    port = int(text(out).strip())
    n = 20
    results: queue.Queue[int] = queue.Queue()

    def sender() -> None:
        for i in range(n):
            results.put(post_raw(port, signer.request(f"http://127.0.0.1:{port}/cb?i={i}")))

    # The busy cell spins in pure Python until a file appears, which the test creates once every
    # callback has been answered: the callbacks are sent while that cell runs.
    import tempfile
    from pathlib import Path

    flag = Path(tempfile.mkdtemp()) / "done"
    busy_out: list[list[dict]] = []
    started = threading.Event()
    busy = threading.Thread(target=lambda: busy_out.append(kernel.run(
        "import os, sys\nprint('busy', flush=True)\nx = 0\n"
        f"while not os.path.exists({str(flag)!r}):\n    x += 1\n'busy done'", started=started)))
    busy.start()
    assert started.wait(60)
    s = threading.Thread(target=sender)
    s.start()
    s.join(60)
    flag.touch()
    busy.join(60)
    assert [results.get_nowait() for _ in range(n)] == [200] * n
    # Nothing but the cell's own output landed in that cell.
    assert [m["msg_type"] for m in busy_out[0]] == ["stream", "execute_result"]
    assert text(busy_out[0]) == "busy\n'busy done'"
    out = kernel.run(f"r.wait_for({n}); r.check()")
    assert out and out[-1]["msg_type"] == "error" and out[-1]["content"]["ename"] == "ReceiverError"
    assert "ZeroDivisionError" in text(out)
    out = kernel.run("print(len(r.history), all(x.verified for x in r.history)); r.stop()")
    assert text(out).strip() == f"{n} True"
