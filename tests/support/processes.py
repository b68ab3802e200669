"""Helpers for tests that run a real peer as a child process (sshd, Jupyter Server)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    """Wait until ``proc`` listens on 127.0.0.1:``port``; fail early if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Terminate ``proc``, then kill it if it does not exit within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def stop_group(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the process group of ``proc`` (started with ``start_new_session=True``: launchers such
    as ``make`` or ``jupyter lab`` leave children), then SIGKILL it if ``proc`` outlives ``grace``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
