"""``osscb probe``: the ``--json`` shape exactly, exit 0 on a clean server, 1 with a fail, 2 for a usage
error (one line, no traceback)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import jsonschema
import pytest

from osscb_notebook.probe import CHECK_IDS
from tests.probe import servers as s
from tests.support import closed_port

VERDICTS = ["pass", "fail", "warn", "skip", "info"]
SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["url", "mode", "checks", "summary", "key_url_prefix", "key_url_base", "server_on_this_machine",
                 "deadline_passed"],
    "properties": {
        "url": {"type": "string"},
        "key_url_prefix": {"type": "string", "pattern": "^https?://.+/$"},
        "key_url_base": {"type": ["string", "null"]},
        "server_on_this_machine": {"type": "boolean"}, "deadline_passed": {"type": "boolean"},
        "mode": {"enum": ["default", "trusted"]},
        "checks": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "verdict", "severity", "expected", "observed", "fix"],
            "properties": {
                "id": {"enum": list(CHECK_IDS)}, "verdict": {"enum": VERDICTS},
                "severity": {"enum": ["critical", "high", "medium", "low", "info"]},
                "expected": {"type": "string"}, "observed": {"type": "string"}, "fix": {"type": "string"},
            }}},
        "summary": {"type": "object", "additionalProperties": False, "required": VERDICTS,
                    "properties": {v: {"type": "integer", "minimum": 0} for v in VERDICTS}},
    },
}


def osscb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osscb_notebook", "probe", *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("trusted", [False, True], ids=["default", "trusted"])
def test_json_has_the_exact_shape_and_a_clean_server_exits_0(key_port: int, trusted: bool) -> None:
    with s.Correct((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:
        r = osscb(server.url, "--key-port", str(key_port), "--json", *(["--trusted"] if trusted else []))
    assert r.returncode == 0, (r.stdout, r.stderr)
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["url"] == server.url and doc["mode"] == ("trusted" if trusted else "default")
    assert [c["id"] for c in doc["checks"]] == list(CHECK_IDS)
    assert sum(doc["summary"].values()) == len(CHECK_IDS) and doc["summary"]["fail"] == 0
    assert doc["summary"]["skip"] == (0 if trusted else 24)


def test_a_failing_server_exits_1_and_the_text_leads_with_the_critical_finding(key_port: int) -> None:
    with s.AcceptsEverything((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:
        r = osscb(server.url, "--key-port", str(key_port))
    assert r.returncode == 1, (r.stdout, r.stderr)
    findings = r.stdout.split("Findings (most severe first):\n", 1)[1]
    assert findings.startswith("  FAIL critical forged-key-url\n")
    assert f"--trust-key-url http://127.0.0.1:{key_port}/osscb-probe/" in r.stdout
    assert f"OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:{key_port}/osscb-probe/ python3" in r.stdout
    assert "Summary: " in r.stdout and "(exit 1)" in r.stdout


def _one_line_exit_2(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for word in words:
        assert word in r.stderr


@pytest.mark.parametrize(("args", "words"), [
    (("notaurl",), ("url", "notaurl", "http")),
    (("http://user@127.0.0.1:1/cb",), ("not a callback URL OSS accepts",)),
    (("http://127.0.0.1:9/cb", "--key-port", "99999"), ("--key-port", "99999")),
    (("http://127.0.0.1:9/cb", "--timeout", "0"), ("--timeout",)),
    (("http://127.0.0.1:9/cb", "--timeout", "nan"), ("--timeout",)),
    (("http://127.0.0.1:9/cb", "--key-url-base", "ftp://x/"), ("--key-url-base",)),
])
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    _one_line_exit_2(osscb(*args), *words)


def test_a_busy_key_port_and_a_silent_url_exit_2_naming_the_fix(key_port: int) -> None:
    with s.Correct() as server, socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        _one_line_exit_2(osscb(server.url, "--key-port", str(busy.getsockname()[1])), "in use", "--key-port")
    _one_line_exit_2(osscb(f"http://127.0.0.1:{closed_port()}/cb", "--key-port", str(key_port)), "Nothing answers at")
