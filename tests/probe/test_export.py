"""The kit's exported production receiver, run as users run it, gets no ``fail`` in either mode, and in
``--trusted`` mode every valid, tampered and reply check passes (issue #18's done-when)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from osscb_notebook.exports import export_production_receiver
from osscb_notebook.probe import CHECK_IDS, run_probe


@contextmanager
def exported_receiver(tmp_path: Path, *trust: str) -> Iterator[str]:
    """The exported script on a free port, trusting ``trust``; yields its callback URL."""
    script = export_production_receiver(tmp_path / "oss_callback_receiver.py", overwrite=True)
    args = [sys.executable, str(script), "--port", "0"] + [a for p in trust for a in ("--trust-key-url", p)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"http://[\w.]+:(\d+)", line)
        assert m, f"no URL in {line!r}"
        yield f"http://127.0.0.1:{m.group(1)}/oss-callback"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "trusted"])
def test_the_exported_receiver_gets_no_fail(tmp_path: Path, key_port: int, trusted: bool) -> None:
    with exported_receiver(tmp_path, f"http://127.0.0.1:{key_port}/osscb-probe/") as url:
        report = run_probe(url, trusted=trusted, key_port=key_port)
    text = report.render_text()
    assert [c.id for c in report.checks if c.verdict == "fail"] == [], text
    assert report.check("real-oss-vectors").verdict == "pass"  # OSS's key is pinned in the export
    for check_id in ("forged-key-url", "untrusted-key-fetched", "prefix-bypass", "missing-headers",
                     "malformed-signature", "malformed-key-url"):
        assert report.check(check_id).verdict == "pass", text
    if trusted:
        must_pass = [i for i in CHECK_IDS if i.startswith(("valid-", "tampered-", "reply-"))]
        assert {i: report.check(i).verdict for i in must_pass} == dict.fromkeys(must_pass, "pass"), text


#: Bursts in a row: the export's listen backlog of 5 resets a connection in roughly half of the
#: bursts on this loaded machine, so twenty make the current failure near certain (it stops at the first) and
#: a fixed export (each burst then takes ~0.1 s) reliably pass.
BURSTS = 20


def _bursts(url: str, key_port: int) -> list[str]:
    observed = []
    for _ in range(BURSTS):
        row = run_probe(url, trusted=True, key_port=key_port, checks=("burst",)).check("burst")
        observed.append(f"{row.verdict}: {row.observed}")
        if row.verdict != "pass":
            break
    return observed


def test_the_exported_receiver_answers_bursts_of_20_concurrent_callbacks(tmp_path: Path, key_port: int) -> None:
    with exported_receiver(tmp_path, f"http://127.0.0.1:{key_port}/osscb-probe/") as url:
        observed = _bursts(url, key_port)
    assert all(o.startswith("pass") for o in observed), observed


def test_the_exported_receiver_trusting_a_prefix_without_its_slash_is_not_bypassed(tmp_path: Path, key_port: int) -> None:
    with exported_receiver(tmp_path, f"http://127.0.0.1:{key_port}/osscb-probe") as url:
        report = run_probe(url, key_port=key_port, checks=("prefix-bypass",))
    assert report.check("prefix-bypass").verdict == "pass", report.render_text()


def test_the_notebook_receiver_gets_no_fail_in_trusted_mode(key_port: int) -> None:
    from osscb_notebook.receiver import start_receiver

    receiver = start_receiver(mode="thread", trust_key_urls=[f"http://127.0.0.1:{key_port}/osscb-probe/"])
    try:
        report = run_probe(f"http://127.0.0.1:{receiver.port}/cb", trusted=True, key_port=key_port)
    finally:
        receiver.stop()
    assert report.summary() == {"pass": 29, "fail": 0, "warn": 0, "skip": 0, "info": 2}, report.render_text()
