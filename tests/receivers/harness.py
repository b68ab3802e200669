"""Runs an exported receiver with its real toolchain and talks to it over loopback.

Everything here is driven by ``osscb_notebook.exports.languages.LANGUAGES``: a language whose
template exists and whose toolchain is installed is tested with no edit here. A missing toolchain
(or template) is a skip on a laptop and a failure with ``CI=true``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.client
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from osscb_notebook.exports import export_production_receiver
from osscb_notebook.exports.export import production_receiver_source
from osscb_notebook.exports.languages import (
    ENV_HOST,
    ENV_PORT,
    ENV_TRUSTED,
    LANGUAGES,
    ReceiverLanguage,
)
from tests.support import RawResponse, raw_http

CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
STARTUP_TIMEOUT = 180.0  # a cold `go run` or a JDK's first compile on a busy 2-core machine
MAX_BODY = 1024 * 1024

#: A statement that makes the template's slow-work hook block (inserted after the line holding
#: SLOW_WORK_MARKER), used with the QUEUE_SIZE bound patched to 1 to fill the work queue for the 503 test.
#: A language without an entry skips that test.
SLOW_WORK_MARKER = "YOUR SLOW WORK GOES HERE"
SLOW_WORK: dict[str, str] = {
    "python": "import time; time.sleep(120)",
    "node": "await new Promise((resolve) => setTimeout(resolve, 120000));",
    "go": "time.Sleep(120 * time.Second)",
    "java": "try { Thread.sleep(120000); } catch (InterruptedException e) { }",
    "ruby": "sleep 120",
}

#: The template's queue bound (gofmt may align the '=').
QUEUE_SIZE = re.compile(r"(QUEUE_SIZE\s*=\s*)1000\b")

#: Languages whose standard HTTP server answers 400 itself, before any handler, to a target with a
#: malformed '%' escape (Go's net/http; Java's HttpServer parses the target as a java.net.URI).
REFUSES_MALFORMED_ESCAPES = {"go", "java"}

#: Executables the tests run instead of the documented ones (the venv's Python has `cryptography`).
EXECUTABLES = {"python3": sys.executable}


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI=true, so nothing silently stops being tested."""
    if CI:
        pytest.fail(f"{reason} (CI=true: a missing toolchain or template is a failure)")
    pytest.skip(reason)


def _toolchain_problem(lang: ReceiverLanguage) -> str:
    return _check_problem(lang.label, lang.check)


@cache
def _check_problem(label: str, checkv: tuple[str, ...]) -> str:
    lang = ReceiverLanguage("", label, "", "", (), checkv, "")
    exe = EXECUTABLES.get(lang.check[0], lang.check[0])
    if shutil.which(exe) is None:
        return f"{lang.label} toolchain not installed: {lang.check[0]} not on PATH (scripts/system-deps.sh installs it)"
    check = [exe, *lang.check[1:]]
    try:
        done = subprocess.run(check, capture_output=True, timeout=120, env=child_env())
    except subprocess.TimeoutExpired:
        return f"{lang.label} toolchain check `{' '.join(lang.check)}` did not finish"
    if done.returncode != 0:
        return f"{lang.label} toolchain check `{' '.join(lang.check)}` failed: {done.stderr.decode(errors='replace')[-300:]}"
    return ""


def problem(lang: ReceiverLanguage) -> str:
    """Why ``lang`` cannot run here (no template yet, toolchain missing), or ''."""
    try:
        production_receiver_source(lang.name)
    except Exception as exc:  # noqa: BLE001 - ReceiverError: template not written yet
        return f"no {lang.label} template yet: {exc}"
    return _toolchain_problem(lang)


def require(lang: ReceiverLanguage) -> None:
    """The template ships and the toolchain runs, or skip / fail (CI)."""
    reason = problem(lang)
    if reason:
        unavailable(reason)


_SESSION_DIR: list[Path] = []


def session_dir() -> Path:
    """One scratch folder per test run (Go's build cache and module path live there)."""
    if not _SESSION_DIR:
        import tempfile

        _SESSION_DIR.append(Path(tempfile.mkdtemp(prefix="osscb-receivers-")))
    return _SESSION_DIR[0]


def remove_session_dir() -> None:
    if _SESSION_DIR:
        shutil.rmtree(_SESSION_DIR.pop(), ignore_errors=True)
        _BUILT.clear()


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a receiver: ours minus any OSS_CALLBACK_*, plus writable Go caches."""
    # no GODEBUG: the Go export must verify OSS's RSA-512 key on Go 1.24+ without rsa1024min=0
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_CALLBACK_") and k != "GODEBUG"}
    base = session_dir()
    env.update({
        "GOCACHE": str(base / "go-cache"), "GOPATH": str(base / "go-path"), "GOTMPDIR": "",
        "GOPROXY": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod",
        "PYTHONUNBUFFERED": "1",
        # PHP caches fetched keys in files (it keeps nothing between requests): in the run's scratch folder
        "OSS_CALLBACK_KEY_CACHE_DIR": str(base / "php-key-cache"),
    })
    env.update(extra or {})
    return env


def export(lang: ReceiverLanguage, folder: Path, source: str | None = None) -> Path:
    """Write ``lang``'s receiver into ``folder`` (``source`` overrides the template's text)."""
    path = export_production_receiver(folder / lang.filename, lang=lang.name, overwrite=True)
    if source is not None:
        path.write_text(source, encoding="utf-8")
    return path


def slowed_source(lang: ReceiverLanguage) -> str:
    """The template with a 1-slot queue and a worker that blocks (for the 503 test)."""
    statement = SLOW_WORK.get(lang.name)
    if statement is None:
        pytest.skip(f"no SLOW_WORK statement for {lang.label} in tests/receivers/harness.py")
    source = production_receiver_source(lang.name)
    source, found = QUEUE_SIZE.subn(r"\g<1>1", source, count=1)
    assert found, "each template names its queue bound QUEUE_SIZE = 1000"
    lines = source.split("\n")
    (at,) = [i for i, line in enumerate(lines) if SLOW_WORK_MARKER in line]
    indent = re.match(r"\s*", lines[at]).group(0)  # type: ignore[union-attr]
    lines.insert(at + 1, indent + statement)
    return "\n".join(lines)


_BUILT: dict[str, Path] = {}
_BUILD_LOCK = threading.Lock()


def _go_binary(script: Path, go: str = "go") -> Path:
    """`go build` once per distinct source and Go per run: starting a binary is much faster than `go run`."""
    digest = hashlib.sha256(script.read_bytes() + go.encode()).hexdigest()[:16]
    with _BUILD_LOCK:
        if digest not in _BUILT:
            out = session_dir() / "go-bin" / f"receiver-{digest}"
            subprocess.run([go, "build", "-o", str(out), str(script)], check=True, capture_output=True,
                           timeout=STARTUP_TIMEOUT, env=child_env(), cwd=script.parent)
            _BUILT[digest] = out
        return _BUILT[digest]


def php_builtin_server(lang: ReceiverLanguage) -> ReceiverLanguage:
    """The PHP row started the second documented way, as PHP's built-in server's router (``php -S``)."""
    return dataclasses.replace(lang, run=(lang.run[0], "-S", "127.0.0.1:{port}", "{file}"))


def command(lang: ReceiverLanguage, script: Path, *, documented: bool) -> list[str]:
    """The argv to start ``script`` on a free port (port 0). ``documented=False`` may use a faster
    equivalent (Go: a prebuilt binary of the same file)."""
    if lang.name == "go" and not documented:
        return [str(_go_binary(script, lang.run[0]))]
    argv = lang.command(script, port=0)
    return [EXECUTABLES.get(argv[0], argv[0]), *argv[1:]]


_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)")


@dataclass
class Running:
    """A started receiver: ``url`` ends with '/', ``lines`` collects its stdout and stderr."""

    lang: ReceiverLanguage
    proc: subprocess.Popen[bytes]
    port: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        """Stop the whole process group (`go run` and `java` start children), bounded."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        with contextlib.suppress(ProcessLookupError):  # children left behind by the launcher
            os.killpg(self.proc.pid, signal.SIGKILL)


def _pump(stream: object, into: queue.Queue[str | None], lines: list[str]) -> None:
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        line = raw.decode("utf-8", "replace").rstrip("\n")
        lines.append(line)
        into.put(line)
    into.put(None)


def launch(lang: ReceiverLanguage, script: Path, *, trusted: str | None = None,
           env: dict[str, str] | None = None, documented: bool = False) -> Running:
    """Start ``script`` (stdout and stderr collected) in its own process group."""
    extra = {ENV_PORT: "0", **(env or {})}
    if trusted is not None:
        extra[ENV_TRUSTED] = trusted
    proc = subprocess.Popen(command(lang, script, documented=documented), cwd=script.parent,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_env(extra), start_new_session=True)
    running = Running(lang, proc)
    lines: queue.Queue[str | None] = queue.Queue()
    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=_pump, args=(stream, lines, running.lines), daemon=True).start()
    running._queue = lines  # type: ignore[attr-defined]
    return running


def start(lang: ReceiverLanguage, script: Path, **kwargs: object) -> Running:
    """Launch and wait (bounded) for the startup line with the URL it listens on."""
    running = launch(lang, script, **kwargs)  # type: ignore[arg-type]
    lines: queue.Queue[str | None] = running._queue  # type: ignore[attr-defined]
    deadline = time.monotonic() + STARTUP_TIMEOUT
    ended = 0
    while ended < 2:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            running.stop()
            raise AssertionError(f"{lang.label} receiver printed no URL within {STARTUP_TIMEOUT:g} s:\n{running.output}") from None
        if line is None:
            ended += 1
            continue
        match = _URL.search(line)
        if match:
            running.port = int(match.group(1))
            assert running.port > 0, line
            return running
    running.proc.wait(10)
    raise AssertionError(f"{lang.label} receiver exited ({running.proc.returncode}) before listening:\n{running.output}")


def run_to_exit(lang: ReceiverLanguage, script: Path, env: dict[str, str], timeout: float = 60.0) -> Running:
    """Launch expecting the receiver to stop by itself (a startup error); bounded."""
    running = launch(lang, script, env=env)
    try:
        running.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    finally:
        time.sleep(0.2)  # let the pumps drain the last lines
        if running.proc.poll() is None:
            running.stop()
    return running


Reply = RawResponse  # status, headers (lower-case names), body


def post(port: int, target: str, headers: list[tuple[str, str]] | dict[str, str], body: bytes,
         method: str = "POST", timeout: float = 30.0) -> Reply:
    """One request on a fresh connection with the target exactly as given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        items = headers.items() if isinstance(headers, dict) else headers
        names = set()
        for k, v in items:
            if k.lower() in ("content-length", "host", "connection"):
                continue
            conn.putheader(k, v)
            names.add(k.lower())
        conn.putheader("Host", f"127.0.0.1:{port}")
        conn.putheader("Connection", "close")
        if method != "GET" or body:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def post_request(port: int, req: object, **overrides: object) -> Reply:
    """POST a ``CallbackRequest`` (or an ``OssVector.request()``) with optional ``target``/``body``/``headers``."""
    target = overrides.get("target", req.target)  # type: ignore[attr-defined]
    body = overrides.get("body", req.body)  # type: ignore[attr-defined]
    headers = overrides.get("headers", req.headers)  # type: ignore[attr-defined]
    return post(port, target, headers, body)  # type: ignore[arg-type]


def post_oversized(port: int, size: int = MAX_BODY + 1, timeout: float = 30.0) -> Reply | None:
    """POST ``size`` bytes. Sends the head alone first (most receivers refuse it unread, and a
    server closing on an unread body may reset the reply away); a receiver that waits for the body
    gets it on a second connection. ``None`` if it closed without a reply."""
    head = (f"POST /cb HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode()
    try:
        return raw_http(port, head, timeout=3.0)
    except TimeoutError:
        return raw_http(port, head + b"x" * size, timeout=timeout)


def tamper_signature(authorization: str) -> str:
    """The same Base64 signature with one character changed (still valid Base64, another value)."""
    i = len(authorization) // 2
    return authorization[:i] + ("A" if authorization[i] != "A" else "B") + authorization[i + 1:]


def replace_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k.lower() == name else v) for k, v in headers]


__all__ = [
    "CI", "ENV_HOST", "ENV_PORT", "ENV_TRUSTED", "LANGUAGES", "MAX_BODY", "Reply", "Running", "export", "launch",
    "post", "post_oversized", "post_request", "problem", "replace_header", "require", "run_to_exit", "slowed_source", "start",
    "tamper_signature",
]
