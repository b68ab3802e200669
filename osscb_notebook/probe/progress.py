"""``osscb probe``'s progress on stderr (issue #28): on a terminal one line rewritten per check; elsewhere
(CI logs, a pipe) one line per check group as it completes, so a slow server shows where the run is."""

from __future__ import annotations

import time
from typing import TextIO

#: Contiguous runs of checks reported together; a check not listed is its own group.
_GROUPS = (
    (("forged-key-url", "untrusted-key-fetched", "prefix-bypass"), "key-URL checks"),
    (("missing-headers", "malformed-signature", "malformed-key-url"), "header checks"),
)
_PREFIX_GROUPS = (("valid-", "valid callbacks"), ("tampered-", "tampered callbacks"),
                  ("reply-", "reply checks"), ("key-", "key-fetch checks"))


def group_of(check_id: str) -> str:
    """The group a check is reported in (``valid-form`` → ``valid callbacks``)."""
    for ids, name in _GROUPS:
        if check_id in ids:
            return name
    for prefix, name in _PREFIX_GROUPS:
        if check_id.startswith(prefix):
            return name
    return check_id


class StderrProgress:
    """A ``progress(done, total, check_id)`` callback for :func:`~osscb_notebook.probe.run_probe` that
    knows the order of the checks (``order``), so it can tell when a group is complete."""

    def __init__(self, stream: TextIO, order: list[str] | tuple[str, ...], *, tty: bool | None = None) -> None:
        self.stream, self.order = stream, list(order)
        self.tty = stream.isatty() if tty is None else tty
        self.started = self.group_started = time.monotonic()
        self.members: list[str] = []

    def line(self, text: str) -> None:
        self.stream.write(f"osscb probe: {text}\n")
        self.stream.flush()

    def notice(self, text: str) -> None:
        """A line about the run (its start, a reach problem): on a terminal too, before any progress."""
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.line(text)

    def __call__(self, done: int, total: int, check_id: str) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[K[{done}/{total}] {check_id}")
            if done == total:
                self.stream.write("\r\x1b[K")
            self.stream.flush()
            return
        self.members.append(check_id)
        following = self.order[done] if done < len(self.order) else None
        if following is not None and group_of(following) == group_of(check_id):
            return
        now = time.monotonic()
        names = group_of(check_id)
        detail = "" if names == check_id else f" ({', '.join(self.members)})"
        self.line(f"[{done}/{total}] {names} done{detail} in {now - self.group_started:.1f} s")
        self.members, self.group_started = [], now
