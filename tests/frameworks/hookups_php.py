"""The Laravel hookup: the smallest Laravel 8 app around a route and controller, on Debian's
``php-laravel-framework`` (no composer: ``bootstrap/autoload.php`` falls back to Debian's
autoloader), started as its users start it, ``php artisan serve``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from tests.frameworks.app_edits import add_after, probe_slow_work
from tests.frameworks.harness import Hookup

#: Laravel routes a request for the front controller, /index.php?id=1 (G1), as '/': Symfony's
#: Request moves '/index.php' into the base URL. The hookup still verifies over the raw
#: REQUEST_URI, so it is the route that must name '/'.
ROUTED_AS = {"/index.php": "/"}


@cache
def _problem() -> str:
    if shutil.which("php") is None:
        return "laravel: php not on PATH (scripts/system-deps.sh installs php-cli)"
    done = subprocess.run(["php", "-r", "require 'Illuminate/autoload.php'; echo Illuminate\\Foundation\\Application::VERSION;"],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0 or not done.stdout.startswith("8."):
        return ("laravel: Debian's php-laravel-framework (Laravel 8) is not installed (scripts/system-deps.sh installs it): "
                + (done.stdout + done.stderr)[-300:])
    return ""


def _routes(folder: Path, paths: Sequence[str]) -> None:
    add_after(folder / "app/Http/Controllers/OssCallbackController.php", "'/hooks/oss/callback', '/hooks/oss/callback/*',",
              [ROUTED_AS.get(p, p) for p in paths], quote="'")


@cache
def _version() -> str:
    laravel = subprocess.run(["php", "-r", "require 'Illuminate/autoload.php'; echo Illuminate\\Foundation\\Application::VERSION;"],
                             capture_output=True, text=True, timeout=60).stdout.strip()
    php = subprocess.run(["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True, timeout=60).stdout.strip()
    return f"Laravel {laravel} (Debian php-laravel-framework), PHP {php}, php artisan serve (PHP's built-in server)"


HOOKUPS = [
    Hookup("laravel", "php", _problem, _routes, lambda folder, port: ["php", "artisan", "serve", f"--port={port}"],
           # the PHP export caches fetched keys in files: in a folder of this run, not the shared /tmp one
           # as FRAMEWORKS["laravel"].start says: several workers, so one slow key fetch holds no other callback
           env={"OSS_CALLBACK_KEY_CACHE_DIR": os.path.join(tempfile.gettempdir(), f"osscb-fw-php-keys-{os.getpid()}"),
                "PHP_CLI_SERVER_WORKERS": "4"},
           prepare=lambda folder: probe_slow_work(folder / "oss_callback_receiver.php", "php"), version=_version),
]
