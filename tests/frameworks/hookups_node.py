"""The Express hookup, started as its users start it (``node app.js``) after ``npm ci`` from the
exported package-lock.json. npm's cache (~/.npm) makes every install after the first offline."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from tests.frameworks.harness import Hookup, add_paths

LOCK = Path(__file__).parents[2] / "osscb_notebook/exports/node/express/package-lock.json"


def _problem() -> str:
    missing = [exe for exe in ("node", "npm") if shutil.which(exe) is None]
    return f"Node.js toolchain not installed: {', '.join(missing)} not on PATH" if missing else ""


def _prepare(folder: Path) -> None:
    done = subprocess.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=folder, timeout=600, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert done.returncode == 0, f"npm ci failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"


def _routes(folder: Path, paths: Sequence[str]) -> None:
    add_paths(folder / "oss-callback.js", paths)


MOUNT = "app.use(CALLBACK_PATHS, ossCallback);\n"
SESSION_END = "  saveUninitialized: false,\n}));\n"


def _behind_session(folder: Path, paths: Sequence[str]) -> None:
    """The app as many are laid out: the callback router added after express-session (still
    before the body parsers, which would consume the raw bytes)."""
    _routes(folder, paths)
    app = folder / "app.js"
    text = app.read_text(encoding="utf-8")
    assert text.count(MOUNT) == 1 and text.count(SESSION_END) == 1, "app.js changed: update this variant"
    app.write_text(text.replace(MOUNT, "").replace(SESSION_END, SESSION_END + MOUNT), encoding="utf-8")


@cache
def _version() -> str:
    packages = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    return (f"express {packages['node_modules/express']['version']}, "
            f"express-session {packages['node_modules/express-session']['version']}, Node.js {node}")


HOOKUPS = [
    Hookup("express", "node", _problem, _routes, lambda folder, port: ["node", "app.js"],
           prepare=_prepare, version=_version),
    Hookup("express-behind-session", "node", _problem, _behind_session, lambda folder, port: ["node", "app.js"],
           prepare=_prepare, version=_version, framework="express"),
]
