"""Write the minimal production receiver (stdlib + cryptography) for users' real servers."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import ReceiverError

TEMPLATE = "production_receiver.py.txt"


def production_receiver_source() -> str:
    return resources.files(__package__).joinpath(TEMPLATE).read_text(encoding="utf-8")


def export_production_receiver(path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the production receiver script to ``path`` and return it (refuses to overwrite by default)."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise ReceiverError(f"{target} already exists.", hint="Pass overwrite=True to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(production_receiver_source(), encoding="utf-8")
    target.chmod(0o755)
    return target
