"""Write the production receiver, in the user's language (and framework), for their real server."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from ..errors import ReceiverError
from .languages import FRAMEWORKS, LANGUAGES, FrameworkHookup, ReceiverLanguage, framework, language

#: Stored names end in this when the file would otherwise be imported or linted as the kit's code.
_STORED_SUFFIX = ".txt"


def _lang(lang: str) -> ReceiverLanguage:
    try:
        return language(lang)
    except ValueError as exc:
        raise ReceiverError(f"{exc}.", hint="export_production_receiver(path, lang=...) takes one of "
                                            f"{', '.join(LANGUAGES)}.") from None


def _root() -> Traversable:
    return resources.files(__package__)


def production_receiver_source(lang: str = "python") -> str:
    """The stand-alone receiver's source in ``lang`` (see ``languages.LANGUAGES``)."""
    row = _lang(lang)
    template = _root().joinpath(row.name).joinpath(row.template)
    if not template.is_file():
        raise ReceiverError(f"The {row.label} receiver is not part of this version of osscb-notebook.",
                            hint=f"Available now: {', '.join(n for n in LANGUAGES if _shipped(n))}.")
    return template.read_text(encoding="utf-8")


def _shipped(lang: str) -> bool:
    return _root().joinpath(lang).joinpath(LANGUAGES[lang].template).is_file()


def framework_files(lang: str, name: str) -> dict[str, str]:
    """The hookup's files, relative path -> text (stored ``.txt`` suffixes dropped)."""
    try:
        row = framework(lang, name)
    except ValueError as exc:
        raise ReceiverError(f"{exc}.", hint="osscb export-receiver --lang LANG --framework FW; "
                                            f"the hookups: {', '.join(FRAMEWORKS)}.") from None
    folder = _root().joinpath(row.lang).joinpath(row.name)
    files: dict[str, str] = {}
    _collect(folder, "", files)
    if not files:
        raise ReceiverError(f"The {row.label} hookup is not part of this version of osscb-notebook.",
                            hint="Export the stand-alone receiver (without --framework) instead.")
    return files


def _collect(node: Traversable, prefix: str, into: dict[str, str]) -> None:
    if not node.is_dir():
        return
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            _collect(child, rel + "/", into)
        else:
            name = rel[: -len(_STORED_SUFFIX)] if rel.endswith(_STORED_SUFFIX) else rel
            into[name] = child.read_text(encoding="utf-8")


def _write(target: Path, text: str, *, overwrite: bool) -> None:
    if target.exists() and not overwrite:
        raise ReceiverError(f"{target} already exists.", hint="Pass overwrite=True (osscb export-receiver --force) to replace it.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            target.chmod(0o755)
    except OSError as exc:
        raise ReceiverError(f"Cannot write {target}: {exc.strerror or exc}.",
                            hint="Choose a file in a folder you can write to (-o PATH).") from None


def export_production_receiver(path: str | Path | None = None, *, lang: str = "python",
                               overwrite: bool = False) -> Path:
    """Write the receiver in ``lang`` to ``path`` (default: its usual file name in the current
    folder) and return the path; refuses to overwrite unless ``overwrite=True``."""
    row = _lang(lang)
    source = production_receiver_source(lang)
    target = Path(path) if path is not None else Path(row.filename)
    if target.is_dir():
        target = target / row.filename
    _write(target, source, overwrite=overwrite)
    return target


def export_framework_hookup(folder: str | Path, *, lang: str, framework: str,
                            overwrite: bool = False) -> list[Path]:
    """Write the ``framework`` hookup for ``lang`` into ``folder``, with the language's stand-alone
    export beside it (the hookup calls its ``verify``); returns the files written. Nothing is
    written when any of them exists and ``overwrite`` is false."""
    row = _lang(lang)
    files = framework_files(lang, framework)
    files.setdefault(row.filename, production_receiver_source(lang))
    base = Path(folder)
    targets = {base / rel: text for rel, text in files.items()}
    if not overwrite:
        for target in targets:
            if target.exists():
                raise ReceiverError(f"{target} already exists.",
                                    hint="Pass overwrite=True (osscb export-receiver --force) or choose an empty folder (-o DIR).")
    for target, text in targets.items():
        _write(target, text, overwrite=True)
    return sorted(targets)


def hookup(lang: str, name: str) -> FrameworkHookup:
    """The table row of a hookup, as a ``ReceiverError`` when there is none."""
    try:
        return framework(lang, name)
    except ValueError as exc:
        raise ReceiverError(f"{exc}.", hint=f"The hookups: {', '.join(FRAMEWORKS)}.") from None
