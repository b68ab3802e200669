"""In a real ipykernel: receiver and upload threads never print, and their widget updates reach
the widgets (marshalled onto the kernel loop) without leaking into later cells."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.manager import KernelManager

from tests.support.loopback import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        # no user-level kernelspec may replace "python3": it must be this interpreter
        mp.setenv("JUPYTER_DATA_DIR", str(tmp_path_factory.mktemp("jupyter-data")))
        km = KernelManager(kernel_name="python3")
        km.start_kernel()
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    try:
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def run(client: Any, code: str) -> tuple[list[str], list[dict[str, Any]], str]:
    """Execute ``code``; return (stream texts, display data, status) of messages parented by it."""
    msg_id = client.execute(code)
    streams: list[str] = []
    data: list[dict[str, Any]] = []
    while True:
        try:
            msg = client.get_iopub_msg(timeout=60)
        except queue.Empty:
            raise AssertionError(f"no idle from the kernel for {code!r}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            streams.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            data.append(content["data"])
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            reply = client.get_shell_msg(timeout=60)
            return streams, data, reply["content"]["status"]


def test_background_updates_are_silent_and_arrive(kernel: Any) -> None:
    streams, _, status = run(kernel, (
        "%load_ext osscb_notebook\n"
        "from osscb_notebook.widgets import ReceiverPanel, UploadPanel\n"
        "rp = ReceiverPanel(); rp.start(); up = UploadPanel(); thread = up.start_upload()"
    ))
    assert status == "ok" and streams == []
    streams, _, _ = run(kernel, "outcome = up.wait(30)")
    assert streams == []  # the receiver and upload threads printed nothing into this cell
    streams, data, _ = run(kernel, "outcome.status, len(rp.records()), 'VERIFIED' in rp.table.value, rp._ui.errors")
    assert streams == []
    assert data[0]["text/plain"] == "(200, 1, True, deque([], maxlen=50))"
    # the panels' text repr is what a non-widget frontend (nbval) compares
    _, data, _ = run(kernel, "rp")
    assert data[0]["text/plain"].startswith("ReceiverPanel(running, callback URL http://127.0.0.1:")
    assert "application/vnd.jupyter.widget-view+json" in data[0]
    streams, _, _ = run(kernel, "%unload_ext osscb_notebook")
    assert streams == []


def test_panels_follow_magics_in_a_kernel(kernel: Any) -> None:
    streams, _, status = run(kernel, (
        "%load_ext osscb_notebook\n"
        "from osscb_notebook.widgets import ReceiverPanel, UploadPanel\n"
        "rp = ReceiverPanel(); up = UploadPanel()"
    ))
    assert status == "ok" and streams == []
    run(kernel, "%osscb_receiver start")
    run(kernel, "%osscb_upload magic/k.txt")
    # the session's notifications reach the panels through the kernel loop, between cells
    streams, data, _ = run(kernel, "'RUNNING' in rp.url.value, 'magic/k.txt' in up.timeline.view.value, rp._ui.errors, up._ui.errors")
    assert streams == [] and data[0]["text/plain"] == "(True, True, deque([], maxlen=50), deque([], maxlen=50))"
    _, data, _ = run(kernel, "up")
    assert "magic/k.txt" in data[0]["text/plain"] and "application/vnd.jupyter.widget-view+json" in data[0]
    streams, _, _ = run(kernel, "%unload_ext osscb_notebook")
    assert streams == []


def test_probe_panel_runs_in_the_background_silently(kernel: Any) -> None:
    streams, _, status = run(kernel, (
        "%load_ext osscb_notebook\n"
        "%osscb_receiver start\n"
        f"panel = %osscb_ui probe\npanel.key_port.value = {free_port()}\n"
        "thread = panel.start()"
    ))
    assert status == "ok" and streams == []
    streams, _, _ = run(kernel, "report = panel.wait(120)")
    assert streams == []  # the probe thread printed nothing into this cell
    # its progress and the card reached the widgets through the kernel loop, between cells
    streams, data, _ = run(kernel, (
        "panel.url.value.endswith('/callback'), panel.progress.value == panel.progress.max == len(report.checks), "
        "report.summary()['fail'], 'osscb probe' in panel.card.value, panel._ui.errors"
    ))
    assert streams == [] and data[0]["text/plain"] == "(True, True, 0, True, deque([], maxlen=50))"
    _, data, _ = run(kernel, "panel")
    assert data[0]["text/plain"].startswith("ProbePanel(url='http://127.0.0.1:") and "(exit 0)" in data[0]["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in data[0]
    streams, _, _ = run(kernel, "%unload_ext osscb_notebook")
    assert streams == []
