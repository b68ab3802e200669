"""The probe against a server on another machine (issue #28): a second host made for the test as a network
namespace joined by a veth pair (:mod:`tests.probe.netns`). Skipped where namespaces cannot be made (not
root), a failure under CI=true. The probe's key server is reached at the pair's address on this side."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from osscb_notebook.exports import export_production_receiver
from osscb_notebook.probe import CHECK_IDS, ProbeReport, run_probe
from osscb_notebook.probe.progress import group_of
from osscb_notebook.probe.target import INCONCLUSIVE, KEY_URL_IDS
from tests.probe import servers as s
from tests.probe.netns import NS_SERVER, NamespaceHost, NamespaceUnavailable
from tests.receivers.harness import unavailable
from tests.support import closed_port

NAIVE_FAILS = {"forged-key-url": "critical", "untrusted-key-fetched": "high", "prefix-bypass": "critical"}


@pytest.fixture(scope="module")
def remote() -> Iterator[NamespaceHost]:
    try:
        host = NamespaceHost()
    except NamespaceUnavailable as exc:
        unavailable(f"no second host for the remote probe tests: {exc}")
    with host:
        yield host


@contextmanager
def ns_server(remote: NamespaceHost, kind: str, *prefixes: str) -> Iterator[str]:
    """A :mod:`tests.probe.ns_server` server in the namespace; yields its callback URL as seen from here."""
    proc = remote.python("-m", NS_SERVER, kind, *prefixes)
    try:
        yield f"http://{remote.ns_ip}:{remote.port_of(proc)}/callback"
    finally:
        remote.stop(proc)


@contextmanager
def exported_receiver(remote: NamespaceHost, tmp_path: Path, *trust: str) -> Iterator[str]:
    """The kit's exported Python receiver (``osscb export-receiver``) in the namespace, trusting ``trust``."""
    script = export_production_receiver(tmp_path / "oss_callback_receiver.py", overwrite=True)
    proc = remote.python(str(script), "--host", "0.0.0.0", "--port", "0",
                         *[a for p in trust for a in ("--trust-key-url", p)])
    try:
        yield f"http://{remote.ns_ip}:{remote.port_of(proc)}/oss-callback"
    finally:
        remote.stop(proc)


def base_of(remote: NamespaceHost, port: int) -> str:
    """A key-URL base the namespace host can reach: this machine's end of the veth pair."""
    return f"http://{remote.host_ip}:{port}/osscb-probe/"


def fails(report: ProbeReport) -> dict[str, str]:
    return {c.id: c.severity for c in report.checks if c.verdict == "fail"}


def osscb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "osscb_notebook", "probe", *args], capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)


# ---- the naive server: fetches any key URL ---------------------------------------------------------
def test_a_remote_naive_server_without_a_base_gets_inconclusive_warnings_never_passes(
        remote: NamespaceHost, key_port: int) -> None:
    with ns_server(remote, "naive") as url:
        report = run_probe(url, key_port=key_port)
    text = report.render_text()
    assert not report.on_this_machine and report.key_url_base is None
    for check_id in KEY_URL_IDS:
        row = report.check(check_id)
        assert row.verdict == "warn", text
        assert row.observed.startswith(INCONCLUSIVE) and "--key-url-base" in row.fix
    # what needs nothing from the key server is still judged: the naive server pins OSS's key
    assert report.check("real-oss-vectors").verdict == "pass", text
    assert report.check("missing-headers").verdict == "pass", text
    assert "Your server is not on this machine" in text
    doc = report.to_dict()
    assert doc["server_on_this_machine"] is False and doc["key_url_base"] is None
    assert doc["key_url_prefix"] == f"http://127.0.0.1:{key_port}/osscb-probe/"


def test_a_remote_naive_server_with_a_base_fails_the_key_url_checks(remote: NamespaceHost, key_port: int) -> None:
    base = base_of(remote, key_port)
    with ns_server(remote, "naive") as url:
        report = run_probe(url, key_port=key_port, key_url_base=base)
    assert fails(report) == NAIVE_FAILS, report.render_text()
    assert report.exit_code == 1 and report.key_self_check == ""
    fetched = report.check("untrusted-key-fetched").fetched
    assert fetched and all(u.startswith(f"http://{remote.host_ip}:{key_port}/osscb-forged/") for u in fetched)
    # the forged keys live beside the base, never under it (prefix-bypass's dot-segment URLs only look
    # as if they were: `BASE..?x=1` and `BASE%2e%2e?x=1` resolve outside it)
    assert not any(u.startswith(base) and not u[len(base):].lower().startswith(("..", "%2e%2e"))
                   for c in report.checks for u in c.fetched)
    doc = report.to_dict()
    assert doc["key_url_prefix"] == base and doc["key_url_base"] == base


# ---- the exported receiver: a correct server ---------------------------------------------------------
def test_a_remote_correct_server_passes_in_both_modes(remote: NamespaceHost, key_port: int, tmp_path: Path) -> None:
    base = base_of(remote, key_port)
    with exported_receiver(remote, tmp_path, base) as url:
        default = run_probe(url, key_port=key_port, key_url_base=base)
        trusted = run_probe(url, trusted=True, key_port=key_port, key_url_base=base)
        without_base = run_probe(url, key_port=key_port)
    for report in (default, trusted, without_base):
        assert fails(report) == {}, report.render_text()
        assert report.exit_code == 0
    assert {i: default.check(i).verdict for i in KEY_URL_IDS} == dict.fromkeys(KEY_URL_IDS, "pass")
    assert {i: without_base.check(i).verdict for i in KEY_URL_IDS} == dict.fromkeys(KEY_URL_IDS, "warn")
    must_pass = [i for i in CHECK_IDS if i.startswith(("valid-", "tampered-", "reply-"))
                 or i in (*KEY_URL_IDS, "missing-headers", "malformed-signature", "malformed-key-url", "burst",
                          "real-oss-vectors")]
    assert {i: trusted.check(i).verdict for i in must_pass} == dict.fromkeys(must_pass, "pass"), trusted.render_text()
    assert trusted.check("valid-form").fetched[0].startswith(base)


# ---- a base that does not lead to the key server -----------------------------------------------------
def test_a_wrong_port_base_names_the_cause_and_the_servers_reason_whole(
        remote: NamespaceHost, key_port: int, tmp_path: Path) -> None:
    wrong = base_of(remote, closed_port())
    with exported_receiver(remote, tmp_path, wrong) as url:
        report = run_probe(url, trusted=True, key_port=key_port, key_url_base=wrong,
                           checks=("forged-key-url", "valid-form", "valid-json"))
    assert report.key_self_check, "the probe's own fetch through the wrong base must fail"
    row = report.check("valid-form")
    assert row.verdict == "fail"
    assert "never fetched the probe's key" in row.observed and "got no request at all" in row.observed
    assert f"can it reach http://{remote.host_ip}:" in row.observed and "--key-port" in row.observed
    # the export's own reason, whole (it was cut after 80 bytes before)
    assert "cannot get the public key: GET http" in row.observed and "Connection refused')\"}" in row.observed
    assert "signature was never checked" in row.fix
    assert row.observed in json.dumps(report.to_dict(), ensure_ascii=False).replace('\\"', '"')
    # and default mode's key-URL checks cannot pass through a base that leads nowhere
    assert report.check("forged-key-url").verdict == "warn"
    assert "could not fetch its own key" in report.check("forged-key-url").observed


def test_a_server_that_fetched_the_key_and_still_refused_is_told_so(key_port: int) -> None:
    with s.ReserialisesJSON((f"http://127.0.0.1:{key_port}/osscb-probe/",)) as server:
        report = run_probe(server.url, trusted=True, key_port=key_port, checks=("valid-form", "valid-json"))
    row = report.check("valid-json")
    assert row.verdict == "fail" and "fetched the probe's key (once) and still rejected the signature" in row.observed
    assert '"reason": "bad signature"}' in row.observed and "re-serialise" in row.fix  # the catalogue's fix


# ---- a tunnel that accepts and never answers ----------------------------------------------------------
def test_a_silent_remote_ends_within_the_overall_deadline(remote: NamespaceHost, key_port: int) -> None:
    deadline = 6.0
    with ns_server(remote, "silent") as url:
        started = time.monotonic()
        report = run_probe(url, trusted=True, key_port=key_port, key_url_base=base_of(remote, key_port),
                           timeout=5.0, deadline=deadline)
        took = time.monotonic() - started
    assert took < deadline + 1.5, (took, report.render_text())  # the bound the issue asks for (+ key generation)
    cut = [c for c in report.checks if c.observed.startswith("not finished")]
    assert cut and all(c.verdict == "warn" and "--deadline" in c.fix for c in cut)
    assert [c.id for c in report.checks] == list(CHECK_IDS)
    # an unfinished run passes nothing
    assert report.deadline_passed and report.exit_code == 1 and report.to_dict()["deadline_passed"] is True
    assert "overall deadline passed" in report.render_text()


def test_reply_latency_counts_only_answered_callbacks(remote: NamespaceHost, key_port: int) -> None:
    with ns_server(remote, "silent") as url:
        report = run_probe(url, trusted=True, key_port=key_port, key_url_base=base_of(remote, key_port),
                           timeout=1.0, checks=("reply-latency",))
    row = report.check("reply-latency")
    assert row.verdict == "fail", row.observed
    assert row.observed.startswith("none of 2 callbacks was answered") and "2 of 2 not answered" in row.observed
    assert "p95" not in row.observed


# ---- bases refused before anything is sent ---------------------------------------------------------
@pytest.mark.parametrize(("base", "words"), [
    ("http://198.18.0.1:9870", ("names no path", "/osscb-probe/")),
    ("http://198.18.0.1:9870/", ("names no path",)),
    ("http://user@198.18.0.1:9870/osscb-probe/", ("userinfo", "'@'")),
    ("http://198.18.0.1:9870/osscb-probe/?x=1", ("query",)),
    ("http://198.18.0.1:9870/osscb-probe/#x", ("fragment",)),
    ("http://198.18.0.1:9870/osscb-probe", ("must end in '/'", "http://198.18.0.1:9870/osscb-probe/")),
    ("http://198.18.0.1:9870/osscb-forged/", ("forger's key",)),
    ("ftp://198.18.0.1/osscb-probe/", ("http(s)", "HOST")),
], ids=["no-path", "root-path", "userinfo", "query", "fragment", "no-slash", "forged-path", "ftp"])
def test_a_base_the_probe_cannot_own_is_refused_with_a_clear_message(base: str, words: tuple[str, ...]) -> None:
    r = osscb("http://127.0.0.1:9/cb", "--key-url-base", base)
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for word in ("--key-url-base", *words):
        assert word in r.stderr
    with pytest.raises(ValueError, match="--key-url-base"):
        run_probe("http://127.0.0.1:9/cb", key_url_base=base)


def test_a_busy_key_port_with_a_base_names_the_base_and_the_port() -> None:
    import socket

    with s.Correct() as server, socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))  # the key server binds all interfaces with a base, this one among them
        busy.listen()
        port = busy.getsockname()[1]
        r = osscb(server.url, "--key-port", str(port), "--key-url-base", "http://198.18.0.1:9870/osscb-probe/")
    assert r.returncode == 2, r.stderr
    assert "in use" in r.stderr and "--key-port" in r.stderr
    assert "the prefix to trust stays http://198.18.0.1:9870/osscb-probe/" in r.stderr


# ---- the CLI tells what it does, also when stderr is not a terminal -----------------------------------------
def test_progress_is_one_stderr_line_per_check_group_and_the_prefix_is_printed(key_port: int) -> None:
    prefix = f"http://127.0.0.1:{key_port}/osscb-probe/"
    with s.Correct((prefix,)) as server:
        r = osscb(server.url, "--key-port", str(key_port), "--trusted", "--json")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("osscb probe: probing ") and f"key-URL prefix to trust: {prefix}" in lines[0]
    groups = []
    for i in CHECK_IDS:
        if not groups or groups[-1] != group_of(i):
            groups.append(group_of(i))
    assert len(lines) == 1 + len(groups), r.stderr
    assert [line.split("] ", 1)[1].split(" done")[0] for line in lines[1:]] == groups
    assert lines[-1].startswith(f"osscb probe: [{len(CHECK_IDS)}/{len(CHECK_IDS)}] ")
    doc = json.loads(r.stdout)
    assert doc["key_url_prefix"] == prefix and doc["key_url_base"] is None and doc["server_on_this_machine"] is True


def test_a_remote_server_without_a_base_is_announced_on_stderr(remote: NamespaceHost, key_port: int) -> None:
    with ns_server(remote, "naive") as url:
        r = osscb(url, "--key-port", str(key_port), "--json")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert "your server is not on this machine" in r.stderr and "--key-url-base" in r.stderr
    doc = json.loads(r.stdout)
    assert {c["id"]: c["verdict"] for c in doc["checks"] if c["id"] in KEY_URL_IDS} == dict.fromkeys(KEY_URL_IDS, "warn")


def test_a_deadline_that_is_not_a_positive_number_is_a_usage_error() -> None:
    r = osscb("http://127.0.0.1:9/cb", "--deadline", "0")
    assert r.returncode == 2 and "--deadline" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_on_this_machine_means_loopback_our_own_address_or_one_bound_here(remote: NamespaceHost) -> None:
    from osscb_notebook.probe.target import on_this_machine

    assert on_this_machine("127.0.0.1", "127.0.0.1") and on_this_machine("::1", "::ffff:127.0.0.1")
    assert on_this_machine("127.0.0.1", remote.host_ip)  # this machine's end of the pair: bound here
    assert not on_this_machine(remote.host_ip, remote.ns_ip)  # the namespace's end: another host
    assert not on_this_machine("127.0.0.1", "not an address")


def test_trusted_mode_against_a_remote_server_without_a_base_says_it_cannot_reach_the_key(
        remote: NamespaceHost, key_port: int, tmp_path: Path) -> None:
    with exported_receiver(remote, tmp_path, f"http://127.0.0.1:{key_port}/osscb-probe/") as url:
        report = run_probe(url, trusted=True, key_port=key_port, checks=("valid-form",))
    row = report.check("valid-form")
    assert row.verdict == "fail" and "never fetched the probe's key" in row.observed
    assert "your server is not on this machine, so it cannot reach 127.0.0.1 here" in row.observed
    assert "--key-url-base" in row.fix and "signature was never checked" in row.fix
