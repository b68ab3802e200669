"""What the kit hands you: the exported receivers (one per language) and their framework hookups.

Pure data. Every stand-alone export (``<lang>/`` beside this file) follows the same rules, checked
for real by ``tests/receivers``: the key-URL allowlist (OSS's host plus
``OSS_CALLBACK_TRUSTED_KEY_URLS``), OSS's key pinned, string to sign, RSA/MD5 verification, the
replies (200, 400, 405, 411, 413, 503) and the bounded work queue. A framework hookup
(``<lang>/<framework>/``) is the smallest app of that framework built on the same file's ``verify``,
checked by ``tests/frameworks``. ``README.md`` ("Your server") describes both for users.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

#: The environment variables every exported receiver reads (under ``php -S`` PHP takes them from ``-S``).
ENV_HOST = "OSS_CALLBACK_HOST"
ENV_PORT = "OSS_CALLBACK_PORT"
ENV_TRUSTED = "OSS_CALLBACK_TRUSTED_KEY_URLS"
DEFAULT_PORT = 8080

#: Where every framework hookup mounts its route: under a sub-path, as a real app does.
HOOK_PATH = "/hooks/oss/callback"


@dataclass(frozen=True)
class ReceiverLanguage:
    """One exported receiver: ``template`` (in the ``name`` folder) is written as ``filename`` and
    started with ``run`` (``{file}`` and ``{port}`` are filled in); ``check`` shows the
    toolchain works (it exits 0); ``framework`` names the frameworks it has hookups for."""

    name: str
    label: str
    template: str
    filename: str
    run: tuple[str, ...]
    check: tuple[str, ...]
    framework: str

    def command(self, path: str | Path | None = None, port: int = DEFAULT_PORT) -> list[str]:
        """The argv that starts the receiver at ``path`` (default: ``filename``, in the current folder)."""
        file = str(path) if path is not None else self.filename
        return [part.format(file=file, port=port) for part in self.run]

    def command_line(self, path: str | Path | None = None, port: int = DEFAULT_PORT) -> str:
        return shlex.join(self.command(path, port))

    @property
    def port_in_command(self) -> bool:
        """Whether the port is part of the command (PHP's ``-S``) rather than ``OSS_CALLBACK_PORT``."""
        return any("{port}" in part for part in self.run)


LANGUAGES: dict[str, ReceiverLanguage] = {
    lang.name: lang
    for lang in (
        # The Python template is stored as .py.txt: not a module of this package, not linted as its code.
        ReceiverLanguage("python", "Python", "oss_callback_receiver.py.txt", "oss_callback_receiver.py",
                         ("python3", "{file}"), ("python3", "-c", "import cryptography"), "Flask / FastAPI / Django"),
        ReceiverLanguage("node", "Node.js", "oss_callback_receiver.js", "oss_callback_receiver.js",
                         ("node", "{file}"), ("node", "--version"), "Express"),
        ReceiverLanguage("go", "Go", "oss_callback_receiver.go", "oss_callback_receiver.go",
                         ("go", "run", "{file}"), ("go", "version"), "Gin"),
        ReceiverLanguage("java", "Java", "OssCallbackReceiver.java", "OssCallbackReceiver.java",
                         ("java", "{file}"), ("java", "-version"), "Spring Boot"),
        ReceiverLanguage("php", "PHP", "oss_callback_receiver.php", "oss_callback_receiver.php",
                         # the file's own launcher (a forking server): PHP's `php -S` decides some answers
                         # itself and exits on a huge Content-Length (the file's header lists them)
                         ("php", "{file}"), ("php", "-v"), "Laravel"),
        ReceiverLanguage("ruby", "Ruby", "oss_callback_receiver.rb", "oss_callback_receiver.rb",
                         ("ruby", "{file}"), ("ruby", "-rwebrick", "-e", ""), "Rails / Sinatra"),
    )
}


@dataclass(frozen=True)
class FrameworkHookup:
    """A framework hookup: the files of ``<lang>/<name>/`` (each stored with a ``.txt`` suffix when
    it would otherwise be linted or imported as the kit's own code) are written to a folder together
    with the language's stand-alone export, whose ``verify`` the hookup calls. ``start`` is how its
    users start it (shown after the export, run from that folder); ``what`` says what the files are."""

    name: str
    lang: str
    label: str
    what: str
    start: str

    @property
    def folder(self) -> str:
        return f"{self.lang}/{self.name}"


FRAMEWORKS: dict[str, FrameworkHookup] = {
    fw.name: fw
    for fw in (
        FrameworkHookup("flask", "python", "Flask", "a Flask blueprint and the app that registers it "
                        "(sessions, Flask-WTF CSRF), requirements.txt",
                        "pip install -r requirements.txt && flask --app app run --port 8080"),
        FrameworkHookup("fastapi", "python", "FastAPI", "a FastAPI router and the app that includes it "
                        "(sessions), requirements.txt",
                        "pip install -r requirements.txt && uvicorn app:app --port 8080"),
        FrameworkHookup("django", "python", "Django", "a Django view, its URL routes and a minimal project "
                        "(sessions, CSRF middleware), requirements.txt",
                        "pip install -r requirements.txt && python manage.py runserver 8080"),
        FrameworkHookup("express", "node", "Express", "an Express router (express.raw plus the route) and the "
                        "app (sessions, JSON/urlencoded parsers), package.json + package-lock.json",
                        "npm ci && node app.js"),
        FrameworkHookup("gin", "go", "Gin", "a Gin handler and the app (sessions), built with the stand-alone "
                        "file into one package main; go.mod + go.sum (Go 1.25+)", "go run ."),
        FrameworkHookup("spring", "java", "Spring Boot", "a Spring @RestController and a Maven project",
                        "mvn spring-boot:run"),
        FrameworkHookup("laravel", "php", "Laravel", "a Laravel route and controller in a minimal app",
                        "PHP_CLI_SERVER_WORKERS=4 php artisan serve --port=8080"),
        FrameworkHookup("rails", "ruby", "Rails", "a Rails controller action, its route and a minimal app",
                        "bin/rails server -p 8080"),
        FrameworkHookup("sinatra", "ruby", "Sinatra", "a Sinatra route and its config.ru", "rackup -p 8080"),
    )
}


def language(name: str) -> ReceiverLanguage:
    """The row for ``name`` (``python``, ``node``, ``go``, ``java``, ``php``, ``ruby``)."""
    try:
        return LANGUAGES[name]
    except KeyError:
        raise ValueError(f"unknown receiver language {name!r}: choose one of {', '.join(LANGUAGES)}") from None


def framework(lang: str, name: str) -> FrameworkHookup:
    """The hookup ``name`` for ``lang``; a ``ValueError`` naming the ones ``lang`` has otherwise."""
    row = FRAMEWORKS.get(name)
    if row is None or row.lang != lang:
        have = [fw.name for fw in FRAMEWORKS.values() if fw.lang == lang]
        raise ValueError(f"no {name!r} hookup for {lang}: {lang} has {', '.join(have) or 'none'}")
    return row
