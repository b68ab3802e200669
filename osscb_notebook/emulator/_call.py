"""One request in flight, as the operations see it (kept apart so no module imports ``_app``)."""

from __future__ import annotations

from dataclasses import dataclass

from ._http import Request
from ._records import Record
from ._routing import Route


@dataclass
class Call:
    """One request in flight: what was asked, where it goes, and its record if it is an upload."""

    req: Request
    route: Route
    operation: str
    host_id: str
    record: Record | None = None
    auth: str = ""
