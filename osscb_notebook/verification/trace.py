"""A verification trace: named steps, each with inputs, output and a verdict, rendered the same
way by the CLI, magics, widgets and notebooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import VerificationError


@dataclass
class Step:
    """One step of the check. ``ok`` is ``None`` for a step that did not run."""

    name: str
    title: str
    inputs: dict[str, str] = field(default_factory=dict)
    output: str = ""
    ok: bool | None = None
    cause: str = ""

    @property
    def status(self) -> str:
        return {True: "PASS", False: "FAIL", None: "SKIP"}[self.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "inputs": dict(self.inputs), "output": self.output,
            "ok": self.ok, "status": self.status, "cause": self.cause,
        }


STEP_TITLES = {
    "key_url": "Decode x-oss-pub-key-url",
    "allowlist": "Check the key URL against the allowlist",
    "public_key": "Obtain the public key",
    "signature": "Decode the authorization header",
    "string_to_sign": "Build the string to sign",
    "md5": "MD5 of the string to sign",
    "rsa_verify": "RSA verify (PKCS#1 v1.5, MD5)",
}
STEP_ORDER = tuple(STEP_TITLES)


@dataclass
class Trace:
    """Every step in order; ``ok`` is true only when RSA verify passed."""

    steps: list[Step] = field(default_factory=list)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def ok(self) -> bool:
        return any(s.name == "rsa_verify" and s.ok for s in self.steps)

    @property
    def failed_step(self) -> Step | None:
        return next((s for s in self.steps if s.ok is False), None)

    @property
    def summary(self) -> str:
        if self.ok:
            return "Signature verified: this callback was signed by the holder of the key."
        failed = self.failed_step
        if failed is None:
            return "Signature not verified."
        return f"FAILED at '{failed.title}': {failed.cause or failed.output}"

    def raise_for_failure(self) -> Trace:
        """Raise :class:`VerificationError` (``trace=self``) unless the signature verified; return
        self otherwise, as :meth:`UploadOutcome.raise_for_callback` does for uploads."""
        if self.ok:
            return self
        failed = self.failed_step
        hint = {
            "allowlist": "Trust the key URL's host only if you run it (trust_key_url=PREFIX / --trust-key-url).",
            "public_key": "Check the key server, or pin the key with public_key=... / --public-key.",
            "rsa_verify": "The request was changed after OSS signed it, or signed with another key.",
        }.get(failed.name if failed else "", "See trace.render_text() for every step.")
        raise VerificationError(self.summary, trace=self, hint=hint)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary, "steps": [s.to_dict() for s in self.steps]}

    def render_text(self) -> str:
        """Plain text, one block per step; ``\\n`` inside the string to sign is made visible."""
        lines: list[str] = []
        for i, s in enumerate(self.steps, 1):
            lines.append(f"[{s.status}] {i}. {s.title}")
            for k, v in s.inputs.items():
                lines.append(f"    {k}: {v}")
            if s.output:
                for j, line in enumerate(s.output.splitlines() or [""]):
                    lines.append(("    -> " if j == 0 else "       ") + line)
            if s.cause:
                lines.append(f"    why: {s.cause}")
        lines.append(self.summary)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render_text()
