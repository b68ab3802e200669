"""The Ruby hookups: Sinatra under ``rackup`` (Puma, Debian's ``ruby-sinatra`` and ``puma``) and
Rails under ``bin/rails server`` (Puma, Debian's ``ruby-rails`` 6.1). Debian's packages only: no
rubygems, no bundler (``scripts/system-deps.sh`` installs them)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from tests.frameworks.app_edits import add_after, probe_slow_work
from tests.frameworks.harness import Hookup

REQUIRES = {
    "sinatra": ("sinatra/base", "puma", "rack"),
    "rails": ("rails", "action_controller/railtie", "puma"),
}
EXECUTABLES = {"sinatra": "rackup", "rails": "ruby"}


@cache
def _problem(name: str) -> str:
    exe = EXECUTABLES[name]
    if shutil.which("ruby") is None or shutil.which(exe) is None:
        return f"{name}: {exe} not on PATH (scripts/system-deps.sh installs Debian's packages)"
    code = "".join(f"require {lib!r};" for lib in REQUIRES[name])
    done = subprocess.run(["ruby", "-e", code], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return f"{name}: cannot load {', '.join(REQUIRES[name])} (scripts/system-deps.sh installs them): {done.stderr[-300:]}"
    return ""


def _ruby(code: str) -> str:
    done = subprocess.run(["ruby", "-e", code], capture_output=True, text=True, timeout=120)
    return done.stdout.strip() or done.stderr.strip()[-200:]


@cache
def _version(name: str) -> str:
    if name == "sinatra":
        return _ruby('require "sinatra/version"; require "rack"; require "puma/const"; '
                     'print "sinatra #{Sinatra::VERSION}, rack #{Rack.release}, puma #{Puma::Const::VERSION}, '
                     'ruby #{RUBY_VERSION}"')
    return _ruby('require "rails"; require "rack"; require "puma/const"; '
                 'print "rails #{Rails.version}, rack #{Rack.release}, puma #{Puma::Const::VERSION}, ruby #{RUBY_VERSION}"')


def _sinatra_routes(folder: Path, paths: Sequence[str]) -> None:
    add_after(folder / "app.rb", 'HOOK_PATH, "#{HOOK_PATH}/*",', paths)


def _rails_routes(folder: Path, paths: Sequence[str]) -> None:
    add_after(folder / "config" / "routes.rb", '"/hooks/oss/callback", "/hooks/oss/callback/*rest",', paths)


def _prepare(folder: Path) -> None:
    probe_slow_work(folder / "oss_callback_receiver.rb", "ruby")


HOOKUPS = [
    Hookup("sinatra", "ruby", lambda: _problem("sinatra"), _sinatra_routes,
           lambda folder, port: ["rackup", "-p", str(port), "-o", "127.0.0.1"],
           prepare=_prepare, version=lambda: _version("sinatra")),
    Hookup("rails", "ruby", lambda: _problem("rails"), _rails_routes,
           lambda folder, port: ["bin/rails", "server", "-p", str(port), "-b", "127.0.0.1"],
           prepare=_prepare, version=lambda: _version("rails")),
]
