"""The probe's result: one :class:`CheckResult` per check and the :class:`ProbeReport` over them
(JSON shape, exit code; text and HTML come from :mod:`osscb_notebook.display.probe`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..callback import CallbackRequest
from .catalogue import CHECK_IDS, SEVERITIES, VERDICTS


@dataclass
class CheckResult:
    """One row of the report card.

    ``request`` is the exact request sent that the server got wrong (or the representative one),
    ``status``/``reply`` what came back, ``fetched`` the key URLs the server fetched during this
    check, ``client_outcome`` (valid cases) what the uploading client would get from OSS."""

    id: str
    verdict: str
    severity: str
    expected: str
    observed: str
    fix: str
    request: CallbackRequest | None = None
    status: int | None = None
    reply: bytes = b""
    fetched: list[str] = field(default_factory=list)
    client_outcome: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS or self.severity not in SEVERITIES:
            raise ValueError(f"bad verdict/severity {self.verdict!r}/{self.severity!r} for {self.id}")

    def to_dict(self, secrets: Iterable[str] = ()) -> dict[str, str]:
        """The row of the ``--json`` shape, ``secrets`` (and every registered one) masked."""
        from ..display.masking import mask

        found = set(secrets)
        return {"id": self.id, "verdict": self.verdict, "severity": self.severity,
                "expected": mask(self.expected, found), "observed": mask(self.observed, found),
                "fix": mask(self.fix, found)}


@dataclass
class ProbeReport:
    """What :func:`~osscb_notebook.probe.run_probe` found: ``checks`` in ``CHECK_IDS`` order."""

    url: str
    mode: str
    trusted_prefix: str
    key_pem: bytes
    checks: list[CheckResult]
    elapsed: float = 0.0
    #: ``--key-url-base`` (then also ``trusted_prefix``), or None for the loopback prefix
    key_url_base: str | None = None
    #: whether the server answered from this machine (only then can it reach 127.0.0.1 here)
    on_this_machine: bool = True
    #: '' or why the probe could not fetch its own key through the base from this machine
    key_self_check: str = ""
    #: the run's overall deadline passed before every check finished (those rows are ``warn``)
    deadline_passed: bool = False

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(("pass", "fail", "warn", "skip", "info"), 0)
        for c in self.checks:
            counts[c.verdict] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """0 with no ``fail``, 1 with any or when the run's deadline cut checks off (an unfinished run
        passes nothing); the CLI's exit status, 2 being a usage error."""
        return 1 if self.deadline_passed or any(c.verdict == "fail" for c in self.checks) else 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def check(self, check_id: str) -> CheckResult:
        """The row of ``check_id`` (``KeyError`` for an id not in ``CHECK_IDS``)."""
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id if check_id in CHECK_IDS else f"{check_id} (not a check id)")

    def failures(self) -> list[CheckResult]:
        """The ``fail`` rows, most severe first."""
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted((c for c in self.checks if c.verdict == "fail"), key=lambda c: rank[c.severity])

    def to_dict(self) -> dict[str, Any]:
        """Exactly the ``osscb probe --json`` shape."""
        from ..display.masking import mask

        secrets = self.secrets()
        return {"url": mask(self.url, secrets), "mode": self.mode,
                "checks": [c.to_dict(secrets) for c in self.checks], "summary": self.summary(),
                "key_url_prefix": self.trusted_prefix, "key_url_base": self.key_url_base,
                "server_on_this_machine": self.on_this_machine, "deadline_passed": self.deadline_passed}

    def secrets(self) -> set[str]:
        """Credentials in the probed URL (a Jupyter ``?token=``, a scoped capability): masked in output."""
        from ..redact import secrets_in_url

        return secrets_in_url(self.url)

    def render_text(self) -> str:
        from ..display.probe import probe_text

        return probe_text(self)

    def render_html(self) -> str:
        from ..display.probe import probe_html

        return probe_html(self)

    def __str__(self) -> str:
        return self.render_text()

    def __repr__(self) -> str:
        return self.render_text()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.render_text())

    def _repr_html_(self) -> str:
        return self.render_html()
