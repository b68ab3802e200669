"""Time to run every notebook under nbval, the quickstart top to bottom in JupyterLab + Chromium, and
``%load_ext osscb_notebook`` in a fresh process."""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from .harness import ROOT, Context, Result, median, run_module

NBVAL_TARGET_S = 60.0
QUICKSTART_BROWSER_TARGET_S = 15.0
LOAD_EXT_TARGET_S = 0.5
CHROMIUM = Path("/usr/bin/chromium")

_EMPTY_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {}, "outputs": [],
               "source": "1 + 1"}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def _pytest_nbval(target: Path, sanitize: Path | None) -> tuple[float, str]:
    args = ["-m", "pytest", "--nbval", str(target), "-p", "no:cacheprovider", "-q", "--timeout=600",
            "-o", "addopts=", "--rootdir", str(ROOT)]
    if sanitize is not None:
        args += ["--nbval-sanitize-with", str(sanitize)]
    t0 = time.perf_counter()
    proc = run_module(args, timeout=900)
    took = time.perf_counter() - t0
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    if proc.returncode not in (0, 5):
        tail = f"exit {proc.returncode}: {tail}"
    return took, tail


def nbval(ctx: Context) -> list[Result]:
    notebooks = ROOT / "notebooks"
    count = len(list(notebooks.glob("[0-9][0-9]-*.ipynb")))
    empty = ctx.scratch / "nbval-baseline" / "empty.ipynb"
    empty.parent.mkdir(exist_ok=True)
    empty.write_text(json.dumps(_EMPTY_NOTEBOOK))
    base, _ = _pytest_nbval(empty.parent, None)
    ours, tail = _pytest_nbval(notebooks, notebooks / "sanitize.cfg")
    return [Result(
        f"nbval, all {count} notebooks", ours, base, "s", "nbval on one 1-cell notebook (pytest + kernel start)",
        f"< {NBVAL_TARGET_S:.0f} s", ours < NBVAL_TARGET_S and "failed" not in tail and "exit" not in tail, tail)]


_LOAD_EXT = """
import time
t0 = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
t1 = time.perf_counter()
{extra}
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _fresh(extra: str) -> tuple[float, float]:
    proc = run_module(["-c", _LOAD_EXT.format(extra=extra)], timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    shell_s, ext_s = (float(x) for x in proc.stdout.split()[-2:])
    return shell_s, ext_s


def load_ext(ctx: Context) -> list[Result]:
    runs = 3 if ctx.quick else 7
    ext = [_fresh("shell.run_line_magic('load_ext', 'osscb_notebook')") for _ in range(runs)]
    base = [_fresh("import json") for _ in range(runs)]
    ours = median([e for _, e in ext])
    shell = median([s for s, _ in base])
    return [Result(
        "%load_ext osscb_notebook (fresh process)", ours, shell, "s",
        "creating the InteractiveShell itself in the same process", f"< {LOAD_EXT_TARGET_S} s",
        ours < LOAD_EXT_TARGET_S, f"median of {runs} fresh `python -c` runs; shell start {shell:.3f} s")]


# ---- the quickstart in a real JupyterLab ----------------------------------------------------------
_ALL_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""
_IDLE = ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_lab(root: Path, home: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    token, port = secrets.token_hex(24), _free_port()
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser", f"--ServerApp.token={token}",
           "--ServerApp.ip=127.0.0.1", f"--port={port}", f"--notebook-dir={root}", "--ServerApp.port_retries=0",
           f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = (home / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            req = urllib.request.Request(base + "/api/status", headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(req, timeout=5).close()
            return proc, base, token
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start; see {home / 'lab.log'}") from None
            time.sleep(0.2)


def _run_all_seconds(page: Any, base: str, token: str, name: str) -> float:
    """Open ``name`` with its kernel idle, then time Run All Cells until every cell ran and the kernel is idle."""
    body = json.dumps({"path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}}).encode()
    req = urllib.request.Request(base + "/api/sessions", data=body, headers={
        "Authorization": f"token {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=30).close()
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset")
    page.locator(".jp-NotebookPanel .jp-KernelName", has_text="Python 3").first.wait_for(state="visible", timeout=60_000)
    page.locator(_IDLE).first.wait_for(state="attached", timeout=60_000)
    t0 = time.perf_counter()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu li[data-command='runmenu:run-all']").click()
    page.wait_for_function(_ALL_RAN, timeout=120_000, polling=50)
    page.locator(_IDLE).first.wait_for(state="attached", timeout=60_000)
    return time.perf_counter() - t0


def quickstart_browser(ctx: Context) -> list[Result]:
    name = "quickstart in JupyterLab + Chromium (Run All)"
    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        return [Result(name, 0.0, 0.0, "s", "-", f"< {QUICKSTART_BROWSER_TARGET_S:.0f} s", None,
                       "skipped: needs playwright and /usr/bin/chromium")]
    root = ctx.scratch / "lab-root"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns("src", "*.py", "*.cfg", "*.md"))
    (root / "empty.ipynb").write_text(json.dumps(_EMPTY_NOTEBOOK))
    from playwright.sync_api import sync_playwright

    proc, base, token = _start_lab(root, ctx.scratch / "lab-home")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                        args=["--headless=new", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            base_s = _run_all_seconds(page, base, token, "empty.ipynb")
            ours = _run_all_seconds(page, base, token, "01-quickstart.ipynb")
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return [Result(name, ours, base_s, "s", "Run All on a 1-cell notebook in the same JupyterLab",
                   f"< {QUICKSTART_BROWSER_TARGET_S:.0f} s", ours < QUICKSTART_BROWSER_TARGET_S,
                   "from clicking Run All to every cell numbered and the kernel idle; kernel already started")]
