"""`osscb lab` as a newcomer runs it on a machine without a desktop browser (issue #27): started as a
subprocess with --no-browser, the login URL read from its terminal output only, opened in headless
Chromium; JupyterLab loads with the notebooks listed, 01-quickstart opens and its first cell runs.
In the same run, request log lines keep capabilities and ``?token=`` values masked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from osscb_notebook.serverext.registry import new_capability
from tests.support.processes import stop_group

from .conftest import CHROMIUM, REPO, _free_port, _quiet_settings, screenshot

pytestmark = pytest.mark.browser

OSSCB = Path(sys.executable).parent / "osscb"
OUR_LINE = re.compile(r"^osscb lab: open (http://\S+) in a browser; on a remote machine, run "
                      r"`ssh -L (\d+):127\.0\.0\.1:(\d+) HOST`")
REQUEST_LINE = re.compile(r"\] \d{3} (?:GET|POST|PUT|HEAD|DELETE|PATCH|OPTIONS|PROPFIND) ")


@dataclass
class Output:
    lines: list[str] = field(default_factory=list)

    def wait_for(self, pattern: re.Pattern[str], proc: subprocess.Popen[str], timeout: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                match = pattern.search(line)
                if match:
                    return match
            assert proc.poll() is None, "osscb lab exited:\n" + "\n".join(self.lines)
            time.sleep(0.2)
        raise AssertionError(f"no line matching {pattern.pattern!r} in {timeout} s:\n" + "\n".join(self.lines))


def _fresh_tree(dest: Path) -> None:
    """The repository's tracked files, as a fresh clone has them (no .venv, no build output)."""
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)


@pytest.fixture(params=["osscb lab", "make lab"])
def osscb_lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    checkout = tmp_path / "checkout"
    home = tmp_path / "home"
    _quiet_settings(home / "settings")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "OSSCB_", "MAKE"))}
    env.update(JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), PYTHONUNBUFFERED="1")
    if request.param == "make lab":
        # A fresh clone's files; its .venv is this one (installing a new one takes minutes), and make
        # is told not to rebuild it (-o), so `make lab` runs exactly its recipe: `.venv/bin/osscb lab`,
        # no options (port 8888, or the next free one). No desktop: the browser Jupyter opens is `true`.
        make = shutil.which("make")
        assert make, "make is required (the README's two commands)"
        _fresh_tree(checkout)
        (checkout / ".venv").symlink_to(Path(sys.prefix))
        assert (checkout / ".venv" / ".installed").exists(), "run `make .venv/.installed` first"
        cmd = [make, "-s", "-o", ".venv/.installed", "lab"]
        env["BROWSER"] = "true"
    else:
        # a checkout's notebooks/ (a copy: running a cell must not touch the repository's notebooks)
        shutil.copytree(REPO / "notebooks", checkout / "notebooks", ignore=shutil.ignore_patterns("__pycache__"))
        cmd = [str(OSSCB), "lab", "--port", str(_free_port()), "--", "--no-browser"]
    proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    out = Output()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield proc, out
    finally:
        stop_group(proc, grace=30)
        reader.join(10)


def test_the_url_the_lab_prints_logs_a_headless_browser_into_jupyterlab(osscb_lab, page) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent")
    proc, out = osscb_lab
    url = out.wait_for(OUR_LINE, proc).group(1)
    token = url.split("token=", 1)[1]
    port = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
    assert OUR_LINE.search(next(line for line in out.lines if line.startswith("osscb lab: open"))).groups()[1:] == (
        str(port), str(port))
    # Jupyter's own startup lines show the same, real URL, as plain Jupyter does
    copy_paste = out.wait_for(re.compile(r"^\s+(http://127\.0\.0\.1:\d+/lab\?token=\S+)$"), proc).group(1)
    assert copy_paste == url and len(token) >= 32

    page.goto(url)
    page.locator(".jp-DirListing-item", has_text="01-quickstart.ipynb").first.wait_for(state="visible", timeout=90_000)
    for name in ("02-callback-parameters.ipynb", "09-check-your-server.ipynb"):
        assert page.locator(".jp-DirListing-item", has_text=name).count() == 1
    page.locator(".jp-DirListing-item", has_text="01-quickstart.ipynb").first.dblclick()
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
    page.locator(f"{panel} .jp-KernelName", has_text="Python 3").first.wait_for(state="visible", timeout=120_000)
    page.locator(f"{panel} .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached", timeout=120_000)
    # clear the saved outputs, then run the first cell: what shows is this run's
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.locator(".lm-Menu li[data-command='editmenu:clear-all']").click()
    first = page.locator(f"{panel} .jp-CodeCell").first
    first.locator(".jp-InputPrompt").wait_for(state="visible")
    assert "Receiver running at" not in first.inner_text()
    first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    first.locator(".jp-OutputArea", has_text="Receiver running at").wait_for(state="visible", timeout=120_000)
    page.wait_for_function(f"""() => /\\[1\\]/.test(document.querySelector('{panel} .jp-CodeCell .jp-InputPrompt')
                                                     .textContent)""", timeout=60_000)
    errors = first.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()
    screenshot(page, "lab-login-quickstart-first-cell")

    # Request logs of the same server: capabilities and ?token= values masked in every form
    base = url.split("/lab?", 1)[0]
    cap = new_capability()
    probes = [("GET", f"/api/nothing?token={token}"), ("GET", f"/nothing%3Ftoken%3D{token}"),
              ("POST", f"/osscb/callback/{cap}/cb"), ("GET", f"/osscb/callback/{cap}/_osscb_ping"),
              ("PUT", f"/osscb/callback/{cap}/cb?token={token}"), ("GET", f"/osscb/callback%2F{cap}/cb")]
    for method, path in probes:
        resp = httpx.request(method, base + path, content=b"x" if method != "GET" else None, timeout=30)
        assert resp.status_code >= 400, (method, path, resp.status_code)
    deadline = time.monotonic() + 30
    while len([line for line in out.lines if REQUEST_LINE.search(line) and ("nothing" in line or "osscb" in line)]) < len(
            probes) and time.monotonic() < deadline:
        time.sleep(0.2)
    requests = [line for line in out.lines if REQUEST_LINE.search(line)]
    assert len([line for line in requests if "nothing" in line or "osscb" in line]) >= len(probes), "\n".join(out.lines)
    leaks = [line for line in requests if token in line or cap in line]
    assert not leaks, leaks
    # the token shows only where a user must copy it: the startup lines
    shown = [line for line in out.lines if token in line]
    assert shown and all(re.search(r"(?:^|\s|\] )http://127\.0\.0\.1:\d+/lab\?token=", line) or OUR_LINE.search(line)
                         for line in shown), shown
    assert all(cap not in line for line in out.lines)
