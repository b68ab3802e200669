"""The Gin hookup, started as its users start it (``go run .`` in the exported folder, whose
go.mod/go.sum pin Gin). ``prepare`` downloads the modules once into the module cache
(~/go/pkg/mod: offline after the first time on a machine) and builds once, so that ``go run``
starts from the build cache."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from tests.frameworks.harness import Hookup, add_paths

GO_MOD = Path(__file__).parents[2] / "osscb_notebook/exports/go/gin/go.mod"
#: No toolchain downloads: the machine's `go` must be new enough for go.mod's `go` line.
ENV = {"GOTOOLCHAIN": "local", "GIN_MODE": "release"}


def _required() -> tuple[int, ...]:
    match = re.search(r"^go (\d+)\.(\d+)", GO_MOD.read_text(encoding="utf-8"), re.M)
    assert match, f"{GO_MOD}: no go line"
    return int(match[1]), int(match[2])


@cache
def _go_version() -> str:
    if shutil.which("go") is None:
        return ""
    out = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, timeout=60,
                         env=_env()).stdout.strip()
    return out


def _env() -> dict[str, str]:
    return {**os.environ, **ENV}


def _problem() -> str:
    have = _go_version()
    if not have:
        return "Go toolchain not installed: go not on PATH"
    match = re.match(r"go(\d+)\.(\d+)", have)
    need = _required()
    if not match or (int(match[1]), int(match[2])) < need:
        return f"the Gin hookup's go.mod needs Go {need[0]}.{need[1]} or later; go on PATH is {have}"
    return ""


def _prepare(folder: Path) -> None:
    subprocess.run(["go", "mod", "download"], cwd=folder, check=True, timeout=600, env=_env())
    subprocess.run(["go", "build", "-o", "/dev/null", "."], cwd=folder, check=True, timeout=900, env=_env())


def _routes(folder: Path, paths: Sequence[str]) -> None:
    add_paths(folder / "oss_callback_gin.go", paths, name="callbackPaths", token="hookPath")


@cache
def _version() -> str:
    mods = dict(re.findall(r"^\s*(github\.com/gin-\S+) (v\S+)", GO_MOD.read_text(encoding="utf-8"), re.M))
    return (f"gin {mods.get('github.com/gin-gonic/gin', '?')}, "
            f"gin-contrib/sessions {mods.get('github.com/gin-contrib/sessions', '?')}, {_go_version()}")


HOOKUPS = [
    Hookup("gin", "go", _problem, _routes, lambda folder, port: ["go", "run", "."],
           prepare=_prepare, env=ENV, version=_version),
]
