"""The languages the production receiver is exported in: one row per language, pure data.

Every template (``templates/``) follows the same rules, checked for real by ``tests/receivers``:
the key-URL allowlist (OSS's host plus ``OSS_CALLBACK_TRUSTED_KEY_URLS``), OSS's key pinned,
string to sign, RSA/MD5 verification, the replies (200, 400, 405, 411, 413, 503) and the bounded
work queue. ``README.md`` ("Your server") describes them for users.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

#: The environment variables every exported receiver reads (PHP takes its port from ``php -S``).
ENV_HOST = "OSS_CALLBACK_HOST"
ENV_PORT = "OSS_CALLBACK_PORT"
ENV_TRUSTED = "OSS_CALLBACK_TRUSTED_KEY_URLS"
DEFAULT_PORT = 8080


@dataclass(frozen=True)
class ReceiverLanguage:
    """One exported receiver: ``template`` (in ``templates/``) is written as ``filename`` and
    started with ``run`` (``{file}`` and ``{port}`` are filled in); ``check`` shows the
    toolchain works (it exits 0); ``framework`` is the one its header comment hooks up."""

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
                         ("python3", "{file}"), ("python3", "-c", "import cryptography"), "Flask / FastAPI"),
        ReceiverLanguage("node", "Node.js", "oss_callback_receiver.js", "oss_callback_receiver.js",
                         ("node", "{file}"), ("node", "--version"), "Express"),
        ReceiverLanguage("go", "Go", "oss_callback_receiver.go", "oss_callback_receiver.go",
                         ("go", "run", "{file}"), ("go", "version"), "Gin"),
        ReceiverLanguage("java", "Java", "OssCallbackReceiver.java", "OssCallbackReceiver.java",
                         ("java", "{file}"), ("java", "-version"), "Spring Boot"),
        ReceiverLanguage("php", "PHP", "oss_callback_receiver.php", "oss_callback_receiver.php",
                         ("php", "-S", "127.0.0.1:{port}", "{file}"), ("php", "-v"), "Laravel"),
        ReceiverLanguage("ruby", "Ruby", "oss_callback_receiver.rb", "oss_callback_receiver.rb",
                         ("ruby", "{file}"), ("ruby", "-rwebrick", "-e", ""), "Rails / Sinatra"),
    )
}


def language(name: str) -> ReceiverLanguage:
    """The row for ``name`` (``python``, ``node``, ``go``, ``java``, ``php``, ``ruby``)."""
    try:
        return LANGUAGES[name]
    except KeyError:
        raise ValueError(f"unknown receiver language {name!r}: choose one of {', '.join(LANGUAGES)}") from None
