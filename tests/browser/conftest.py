"""JupyterLab + Playwright fixtures: a real JupyterLab on a free port with a random token, driven
by Debian's ``/usr/bin/chromium`` (Playwright never downloads a browser here)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import stop_group

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
REPO = HERE.parent.parent
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent (install Debian's chromium package to run browser tests)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    """A running JupyterLab. ``url(path)`` adds the token; the token is never printed."""

    base: str
    token: str
    root: Path
    log: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, path: str, body: object = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def start_kernel(self, notebook: str) -> None:
        """Create the notebook's session (and kernel) through the REST API, so JupyterLab attaches
        to it instead of asking which kernel to start."""
        self.api("/api/sessions", {"path": notebook, "name": notebook, "type": "notebook", "kernel": {"name": "python3"}})


def _quiet_settings(settings: Path) -> None:
    # No "news" toast or update check: they would cover widgets in screenshots and need network.
    target = settings / "@jupyterlab" / "apputils-extension"
    target.mkdir(parents=True, exist_ok=True)
    (target / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # JupyterLab 4 renders only the cells in view by default; tests look for widgets anywhere in a notebook
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent")
    root = tmp_path_factory.mktemp("lab-root")
    for nb in (HERE / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    shutil.copy(REPO / "tests" / "data" / "g1.http", root / "g1.http")
    # the teaching notebooks as a user gets them, with the data they read (tests/browser/test_notebooks.py)
    teaching = root / "teaching"
    shutil.copytree(REPO / "notebooks", teaching, ignore=shutil.ignore_patterns("src", "*.py", "*.cfg", "*.md", "__pycache__"))
    home = tmp_path_factory.mktemp("lab-home")
    settings = home / "settings"
    _quiet_settings(settings)
    token = secrets.token_hex(24)
    port = _free_port()
    # user-level Jupyter dirs in the temp home: a kernelspec or setting of the machine's user must
    # not change which Python the notebook runs (the "python3" kernel is this interpreter)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), PYTHONUNBUFFERED="1")
    log = home / "lab.log"
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser", f"--ServerApp.token={token}",
        "--ServerApp.ip=127.0.0.1", f"--port={port}", f"--notebook-dir={root}", "--ServerApp.port_retries=0",
        f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root, log)
    deadline = time.monotonic() + 60
    try:
        while True:  # readiness through the REST API, not a sleep
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {proc.returncode}; see {log}")
            try:
                server.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not answer within 60 s; see {log}") from None
                time.sleep(0.2)
        yield server
    finally:
        stop_group(proc)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.failed_call = report.failed  # type: ignore[attr-defined]


@pytest.fixture
def page(browser_context: object, request: pytest.FixtureRequest) -> Iterator[object]:
    pg = browser_context.new_page()  # type: ignore[attr-defined]
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        if getattr(request.node, "failed_call", False):
            screenshot(pg, f"FAILED-{request.node.name}")  # what the page showed when it failed
        pg.close()


def screenshot(locator_or_page: object, name: str) -> Path:
    """Save a PNG under test-artifacts/screenshots/ (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    locator_or_page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path
