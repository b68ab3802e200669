"""The Python hookups (Flask, FastAPI, Django), each started as its users start it: the development
server (``flask run``, ``manage.py runserver``) and the production one (gunicorn, uvicorn), with the
frameworks the ``frameworks`` extra of pyproject.toml pins, from the test venv."""

from __future__ import annotations

import importlib.util
import platform
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tests.frameworks.harness import Hookup, add_paths

#: The distributions each hookup needs (the "frameworks" extra installs them: make test does).
NEEDS: dict[str, tuple[str, ...]] = {
    "flask": ("flask", "flask_wtf"),
    "flask-gunicorn": ("flask", "flask_wtf", "gunicorn"),
    "fastapi": ("fastapi", "uvicorn", "itsdangerous"),
    "django": ("django",),
    "django-gunicorn": ("django", "gunicorn"),
}
DISTS: dict[str, tuple[str, ...]] = {
    "flask": ("flask", "flask-wtf", "werkzeug"),
    "flask-gunicorn": ("flask", "flask-wtf", "gunicorn"),
    "fastapi": ("fastapi", "starlette", "uvicorn", "httptools", "uvloop"),
    "django": ("django",),
    "django-gunicorn": ("django", "gunicorn"),
}


def _problem(name: str) -> str:
    missing = [m for m in NEEDS[name] if importlib.util.find_spec(m) is None]
    if missing:
        return f"{name}: {', '.join(missing)} not installed (pip install -e '.[test,frameworks]', as make test does)"
    return ""


def _version(name: str) -> str:
    parts = []
    for dist in DISTS[name]:
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} missing")
    return ", ".join(parts) + f", CPython {platform.python_version()}"


def _flask_routes(folder: Path, paths: Sequence[str]) -> None:
    add_paths(folder / "oss_callback_blueprint.py", paths)


def _fastapi_routes(folder: Path, paths: Sequence[str]) -> None:
    add_paths(folder / "oss_callback_router.py", paths)


def _django_routes(folder: Path, paths: Sequence[str]) -> None:
    add_paths(folder / "oss_callback" / "urls.py", paths)


PY = sys.executable
#: gunicorn as production runs it: two worker processes (each with its own work queue), so the
#: session/CSRF secret must come from the environment, the same in both
GUNICORN = ["-m", "gunicorn", "--workers", "2", "--threads", "4"]
SECRETS = {"FLASK_SECRET_KEY": "osscb-test-only-flask-secret", "DJANGO_SECRET_KEY": "osscb-test-only-django-secret"}

HOOKUPS = [
    Hookup("flask", "python", lambda: _problem("flask"), _flask_routes,
           lambda folder, port: [PY, "-m", "flask", "--app", "app", "run", "--port", str(port)],
           version=lambda: _version("flask")),
    Hookup("flask-gunicorn", "python", lambda: _problem("flask-gunicorn"), _flask_routes,
           lambda folder, port: [PY, *GUNICORN, "--bind", f"127.0.0.1:{port}", "app:app"],
           env=SECRETS, version=lambda: _version("flask-gunicorn"), framework="flask"),
    Hookup("fastapi", "python", lambda: _problem("fastapi"), _fastapi_routes,
           lambda folder, port: [PY, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port)],
           version=lambda: _version("fastapi")),
    # runserver's autoreloader only watches files: off, to spare the 2-core machine
    Hookup("django", "python", lambda: _problem("django"), _django_routes,
           lambda folder, port: [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
           version=lambda: _version("django")),
    Hookup("django-gunicorn", "python", lambda: _problem("django-gunicorn"), _django_routes,
           lambda folder, port: [PY, *GUNICORN, "--bind", f"127.0.0.1:{port}", "osscb_site.wsgi"],
           env=SECRETS, version=lambda: _version("django-gunicorn"), framework="django"),
]
