"""Write the single-file production receiver, in the user's language, for their real server."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import ReceiverError
from .languages import LANGUAGES, language


def _lang(lang: str):  # noqa: ANN202 - a ReceiverLanguage
    try:
        return language(lang)
    except ValueError as exc:
        raise ReceiverError(f"{exc}.", hint="export_production_receiver(path, lang=...) takes one of "
                                            f"{', '.join(LANGUAGES)}.") from None


def production_receiver_source(lang: str = "python") -> str:
    """The receiver's source in ``lang`` (see ``languages.LANGUAGES``)."""
    row = _lang(lang)
    template = resources.files(__package__).joinpath("templates").joinpath(row.template)
    if not template.is_file():
        raise ReceiverError(f"The {row.label} receiver is not part of this version of osscb-notebook.",
                            hint=f"Available now: {', '.join(n for n in LANGUAGES if _shipped(n))}.")
    return template.read_text(encoding="utf-8")


def _shipped(lang: str) -> bool:
    return resources.files(__package__).joinpath("templates").joinpath(LANGUAGES[lang].template).is_file()


def export_production_receiver(path: str | Path | None = None, *, lang: str = "python",
                               overwrite: bool = False) -> Path:
    """Write the receiver in ``lang`` to ``path`` (default: its usual file name in the current
    folder) and return the path; refuses to overwrite unless ``overwrite=True``."""
    row = _lang(lang)
    source = production_receiver_source(lang)
    target = Path(path) if path is not None else Path(row.filename)
    if target.is_dir():
        target = target / row.filename
    if target.exists() and not overwrite:
        raise ReceiverError(f"{target} already exists.", hint="Pass overwrite=True (osscb export-receiver --force) to replace it.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
        if source.startswith("#!"):
            target.chmod(0o755)
    except OSError as exc:
        raise ReceiverError(f"Cannot write {target}: {exc.strerror or exc}.",
                            hint="Choose a file in a folder you can write to (-o PATH).") from None
    return target
