"""Issue #12 item 15: the receiver's JSON Lines log on a full disk (RLIMIT_FSIZE in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from osscb_notebook.receiver import load_log

_SCRIPT = r"""
import resource, sys, time
from osscb_notebook.receiver import History
from osscb_notebook.receiver.record import CallbackRecord

history = History(log_path=sys.argv[1])
seen = []
history.subscribe(lambda r: seen.append(r.id))
resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))
for i in range(8):
    history.add(CallbackRecord("POST", f"/cb/{i}", [("Content-Type", "text/plain")], b"x" * 1500, time.time()))
history.close()
print(len(history), seen, len(history.errors), "could not be written" in history.errors[0], flush=True)
"""


def test_a_full_disk_keeps_records_in_memory_and_load_log_skips_the_torn_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    out = subprocess.run([sys.executable, "-c", _SCRIPT, str(log)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "8 [1, 2, 3, 4, 5, 6, 7, 8] 1 True"
    assert not log.read_bytes().endswith(b"\n")  # the disk filled in the middle of a line
    with pytest.warns(UserWarning, match="incomplete"):
        records = load_log(log)
    assert [r.target for r in records] == [f"/cb/{i}" for i in range(len(records))]
    assert records
