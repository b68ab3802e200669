"""The client conformance programs (issue #24): which SDK, built how, run how, in which
configurations. ``CLIENTS`` is the table the README's "Your own client against the kit" shows.

Each program takes the same options (``--endpoint``, ``--style path|virtual``, ``--sign v1|v4``,
``--ok-url``, ``--fail-url``, ``--prefix``; Go's flag package spells them with one dash) and the
credentials from ``OSS_ACCESS_KEY_ID`` / ``OSS_ACCESS_KEY_SECRET``, runs the three flows of OSS's
client demo table (PutObject with a form and a JSON body, multipart, presigned URL) once with the
verifying receiver's URL and once with a URL that answers 500, and prints one JSON line per step.

Builds happen once per test session, with Maven's and Go's usual caches (``~/.m2``,
``~/go/pkg/mod``, ``go env GOCACHE``). A missing toolchain is a skip, and a failure under CI=true
(``tests.receivers.harness.unavailable``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.receivers.harness import unavailable

HERE = Path(__file__).parent
FLOWS = ("put-form", "put-json", "multipart", "presigned")
BUILD_TIMEOUT = 600.0  # a cold Maven or Go module download on a busy 2-core machine
RUN_TIMEOUT = 180.0


@dataclass(frozen=True)
class Client:
    """One row of the table: ``configs`` are (signature version, addressing) pairs it runs."""

    name: str
    label: str
    package: str
    receiver: str  # the exported receiver's language (same as the client's)
    configs: tuple[tuple[str, str], ...]
    toolchain: str  # a key of BUILDERS
    argv: Callable[[Path], list[str]]  # the command, given the build output
    single_dash: bool = False  # Go's flag package
    raises_on_203: bool = True  # the SDK's own call fails on 203 (else a 203 result it hands back)
    status_on_203: bool = True  # that error (or result) carries the status 203


def _java(main: str) -> Callable[[Path], list[str]]:
    def argv(out: Path) -> list[str]:
        classpath = f"{HERE / 'java' / 'target' / 'classes'}{os.pathsep}{(out / 'classpath.txt').read_text().strip()}"
        # virtual-host style: BUCKET.oss-REGION.aliyuncs.com resolves to 127.0.0.1 through this hosts file
        return ["java", f"-Djdk.net.hosts.file={out / 'hosts'}", "-cp", classpath, main]
    return argv


CLIENTS: dict[str, Client] = {c.name: c for c in (
    Client("java-v1", "Java SDK V1", "com.aliyun.oss:aliyun-sdk-oss 3.18.5", "java",
           (("v1", "path"), ("v1", "virtual"), ("v4", "path"), ("v4", "virtual")), "maven",
           _java("osscb.clients.JavaV1"), status_on_203=False),
    Client("java-v2", "Java SDK V2", "com.aliyun:alibabacloud-oss-v2 0.4.0", "java",
           (("v4", "virtual"), ("v1", "path")), "maven", _java("osscb.clients.JavaV2"), raises_on_203=False),
    Client("go-v2", "Go SDK V2", "github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1", "go",
           (("v4", "virtual"), ("v4", "path"), ("v1", "path")), "go", lambda out: [str(out / "gov2")],
           single_dash=True),
    Client("go-v1", "Go SDK V1", "github.com/aliyun/aliyun-oss-go-sdk v3.0.2+incompatible", "go",
           (("v1", "path"), ("v4", "path"), ("v4", "virtual")), "go", lambda out: [str(out / "gov1")],
           single_dash=True),
    Client("python-v2", "Python SDK V2", "alibabacloud-oss-v2 (pyproject.toml)", "python",
           (("v4", "path"), ("v4", "virtual")), "python",
           lambda out: [sys.executable, str(HERE / "python" / "flows_v2.py")], raises_on_203=False),
    Client("ali-oss", "Node.js ali-oss", "ali-oss 6.23.0 (package-lock.json)", "node",
           (("v1", "virtual"), ("v4", "path")), "node", lambda out: ["node", str(HERE / "node" / "flows.js")]),
)}


def _run(argv: list[str], cwd: Path, what: str, env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=BUILD_TIMEOUT,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{what}: `{' '.join(argv)}` did not finish in {BUILD_TIMEOUT:g} s") from None
    if done.returncode != 0:
        out = (done.stdout + done.stderr).decode(errors="replace")[-4000:]
        raise AssertionError(f"{what}: `{' '.join(argv)}` exited {done.returncode}:\n{out}")


def _need(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not on PATH (scripts/system-deps.sh installs it)")


def build_maven(out: Path) -> None:
    """`mvn package` once; the dependency classpath goes to ``out/classpath.txt``."""
    _need("mvn", "java")
    _run(["mvn", "-B", "-q", "package", "dependency:build-classpath"], HERE / "java",
         "Maven build of tests/clients/java")
    shutil.copy(HERE / "java" / "target" / "classpath.txt", out / "classpath.txt")  # the pom writes it there
    (out / "hosts").write_text("127.0.0.1 demo.oss-cn-hangzhou.aliyuncs.com oss-cn-hangzhou.aliyuncs.com\n")


def build_go(out: Path) -> None:
    """`go build` of both programs once (modules pinned by go.sum, the usual module cache)."""
    _need("go")
    env = {"GOFLAGS": "-mod=readonly", "GOTOOLCHAIN": "local"}
    for program in ("gov2", "gov1"):
        _run(["go", "build", "-o", str(out / program), f"./{program}"], HERE / "go", f"go build of {program}", env)


def build_node(out: Path) -> None:
    """`npm ci` once when ali-oss is not installed yet (pinned by package-lock.json)."""
    _need("node", "npm")
    if not (HERE / "node" / "node_modules" / "ali-oss").is_dir():
        _run(["npm", "ci", "--no-audit", "--no-fund"], HERE / "node", "npm ci in tests/clients/node")


def build_python(out: Path) -> None:
    """Nothing to build: the SDK is a dependency of the project."""


BUILDERS: dict[str, Callable[[Path], None]] = {
    "maven": build_maven, "go": build_go, "node": build_node, "python": build_python}


class Builds:
    """Builds each toolchain's programs at most once per session (thread-safe, failures remembered)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._done: dict[str, Path | BaseException] = {}
        self._lock = threading.Lock()

    def get(self, toolchain: str) -> Path:
        with self._lock:
            if toolchain not in self._done:
                out = self.root / toolchain
                out.mkdir(parents=True, exist_ok=True)
                try:
                    BUILDERS[toolchain](out)
                    self._done[toolchain] = out
                except BaseException as exc:  # a skip or failure: the same for every later test
                    self._done[toolchain] = exc
                    raise
            got = self._done[toolchain]
        if isinstance(got, BaseException):
            raise got
        return got


def run_client(client: Client, out: Path, *, endpoint: str, access_key_id: str, access_key_secret: str,
               sign: str, style: str, ok_url: str, fail_url: str, prefix: str) -> dict[str, dict[str, Any]]:
    """Run ``client`` in one configuration; returns its steps keyed ``flow/case``."""
    dash = "-" if client.single_dash else "--"
    options = {"endpoint": endpoint, "style": style, "sign": sign, "ok-url": ok_url, "fail-url": fail_url,
               "prefix": prefix}
    argv = client.argv(out) + [x for k, v in options.items() for x in (dash + k, v)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    env.update(OSS_ACCESS_KEY_ID=access_key_id, OSS_ACCESS_KEY_SECRET=access_key_secret)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env, cwd=out)
    steps: dict[str, dict[str, Any]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            step = json.loads(line)
            if step.get("reply") is None and step.get("reply_raw") is not None:
                step["reply"] = json.loads(step["reply_raw"])
            steps[f"{step['flow']}/{step['case']}"] = step
    assert done.returncode == 0 and len(steps) == 2 * len(FLOWS), (
        f"{client.name} {sign}/{style} exited {done.returncode} with {len(steps)} steps:\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return steps
