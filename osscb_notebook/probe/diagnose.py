"""What a verdict can claim when the server may not reach the probe's keys, or the run ran out of time
(issue #28). Pure: rows and sent requests in, rows and notes out.

- A key-URL check (``forged-key-url``, ``untrusted-key-fetched``, ``prefix-bypass``) passes only when the
  server could have fetched the forged key: otherwise a server that fetches any URL looks safe. Such a
  pass becomes a ``warn`` saying why; a fail stays a fail (an accepted forgery is one anywhere).
- A refused valid callback says whether the server fetched the probe's key (then its signature check is
  wrong) or never did (then it cannot reach the key or does not trust the prefix), counting the key
  server's hits; the server's own reply is shown whole by the judge.
- A check the run's deadline cut off is a ``warn``: not run, not passed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlsplit

from .judge import Sent, result
from .report import CheckResult
from .target import BASE_EXAMPLE, INCONCLUSIVE, INCONCLUSIVE_FIX, KEY_URL_IDS


@dataclass(frozen=True)
class Reach:
    """What the run knows about the server reaching the probe's key server."""

    prefix: str
    base: str | None = None
    on_this_machine: bool = True
    #: '' or why the probe could not fetch its own key through the base from this machine
    self_check: str = ""

    @property
    def problem(self) -> str:
        """'' when key-URL verdicts can be trusted, else the inconclusive note."""
        if self.base and self.self_check:
            return (f"inconclusive — the probe could not fetch its own key through {self.base} from this machine "
                    f"({self.self_check}); check --key-url-base and --key-port")
        if not self.on_this_machine and not self.base:
            return INCONCLUSIVE
        return ""


def needs_reachable_keys(check_id: str) -> bool:
    """Checks whose pass means something only when the server can fetch from the probe's key server."""
    return check_id in KEY_URL_IDS or check_id.startswith("key-")


def inconclusive(row: CheckResult, note: str) -> CheckResult:
    """``row`` with a pass turned into a ``warn`` saying ``note`` (anything else unchanged)."""
    if row.verdict != "pass":
        return row
    return dataclasses.replace(row, verdict="warn", observed=f"{note} (what came back: {row.observed})",
                               fix=INCONCLUSIVE_FIX)


def _root(prefix: str) -> str:
    parts = urlsplit(prefix)
    return f"{parts.scheme}://{parts.netloc}"


def refused_valid(s: Sent, key_url: str, hits: int, reach: Reach) -> tuple[str, str | None]:
    """Why the valid callback ``s`` (signed with ``key_url``) was refused: a note for ``observed`` and a
    fix replacing the catalogue's signing fix when signing is not what failed (``None``: keep it).
    ``hits``: the requests the probe's key server got this run, from anyone (the self-check excluded)."""
    trusted = [u for u in s.fetched if u not in s.untrusted]
    if trusted:
        times = "once" if len(trusted) == 1 else f"{len(trusted)} times"
        return (f"; your server fetched the probe's key ({times}) and still rejected the signature, so its "
                f"verification is what is wrong", None)
    if hits:
        return (f"; your server never fetched this callback's key {key_url}, though the probe's key server got "
                f"{hits} other request(s) this run: it refused the callback before fetching (its reply says why)",
                None)
    if not reach.on_this_machine and not reach.base:
        cause = ("your server is not on this machine, so it cannot reach 127.0.0.1 here: pass --key-url-base "
                 "with a URL of this machine it can reach")
    else:
        cause = (f"was it started trusting {reach.prefix}, and can it reach {_root(reach.prefix)}? (check "
                 f"--key-url-base and --key-port" + (f"; the probe itself could not fetch through the base: "
                                                      f"{reach.self_check}" if reach.self_check else "") + ")")
    note = (f"; the server never fetched the probe's key {key_url}, and the probe's key server got no request at "
            f"all this run: {cause}")
    fix = (f"Start your server trusting {reach.prefix} and make sure it can fetch that URL (from another machine, "
           f"pass --key-url-base with a URL of this machine it can reach); the signature was never checked.")
    return note, fix


def not_finished(check_id: str, deadline: float, elapsed: float) -> CheckResult:
    """The row of a check the run's overall deadline cut off."""
    row = result(check_id, "warn", f"not finished: the probe's overall deadline of {deadline:g} s passed "
                 f"({elapsed:.1f} s into the run); the rows above show what the server did", severity="low")
    return dataclasses.replace(row, fix="Make the server answer every callback within OSS's 5 s (see the rows "
                               "above), or give the probe more time with --deadline SECONDS.")


def start_lines(url: str, trusted: bool, timeout: float, deadline: float, reach: Reach) -> list[str]:
    """What to say as a run starts: what is probed, the prefix to trust, and any reach problem."""
    from ..display.masking import mask
    from ..redact import secrets_in_url

    mode = "trusted" if trusted else "default"
    lines = [f"probing {mask(url, secrets_in_url(url))} in {mode} mode (each request at most {timeout:g} s, the run "
             f"at most {deadline:g} s); key-URL prefix to trust: {reach.prefix}"]
    if not reach.on_this_machine and not reach.base:
        lines.append("your server is not on this machine, so it cannot fetch keys from 127.0.0.1 here: the key-URL "
                     f"checks will be inconclusive; pass --key-url-base (e.g. {BASE_EXAMPLE})")
    elif reach.self_check:
        lines.append(f"the probe could not fetch its own key through {reach.base} from this machine "
                     f"({reach.self_check}): check --key-url-base and --key-port")
    return lines
