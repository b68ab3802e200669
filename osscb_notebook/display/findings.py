"""HTML for the probe widget around the report card (:mod:`.probe`): how each mode works and what
to trust, one finding per failing check, and what the server answered to the request it got wrong.

Pure rendering, no ipywidgets; every string is masked like the card.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _html as h
from .masking import mask
from .probe import COLORS, trust_lines

if TYPE_CHECKING:
    from ..probe.report import CheckResult

#: What each mode covers, for the mode toggle.
MODE_HELP = {
    "default": ("Checks that need nothing from your server: forged and look-alike key URLs, missing and "
                "malformed headers, OSS's real signed callbacks. Checks that need a key your server trusts "
                "are skipped."),
    "trusted": ("Also sends correctly signed callbacks (form, JSON, query, encoded path, '+', UTF-8), tampered "
                "copies, and checks the replies, latency and a burst of 20. Start your server trusting the "
                "prefix below first (the probe serves its test key there for the run)."),
}
#: Reply bytes shown in the "server answered" box.
REPLY_SHOWN = 300


def mode_html(mode: str, prefix: str) -> str:
    """What ``mode`` checks and, in trusted mode, the key-URL prefix to trust and how."""
    html = f"<div class='osscb-muted'>{h.esc(MODE_HELP[mode])}</div>"
    if mode == "trusted":
        lines = [*trust_lines(prefix),
                 f"the notebook's receiver:  %config Osscb.trust_key_urls = ['{prefix}'] (then restart it)"]
        html += (f"<div>Key-URL prefix to trust: <code>{h.esc(prefix)}</code></div>"
                 + h.code("\n".join(lines)))
    return mask(h.wrap(html))


def finding_html(c: CheckResult) -> str:
    """One failing (or warning) check: verdict, severity, id, what was seen, what the client gets, the fix."""
    client = f" <span class='osscb-muted'>client gets</span> <code>{h.esc(c.client_outcome)}</code>" if c.client_outcome else ""
    return mask(h.wrap(
        f"{h.badge(c.verdict, COLORS[c.verdict])} <b>{h.esc(c.severity)}</b> <code>{h.esc(c.id)}</code>{client}"
        f"<div>{h.esc(c.observed)}</div><div><b>fix:</b> {h.esc(c.fix)}</div>"))


def answered_html(c: CheckResult) -> str:
    """What the server answered to the request shown in the stepper (status and the first reply
    bytes, escapes visible so a BOM shows as ``\\xef\\xbb\\xbf``), and the key URLs it fetched."""
    rows: list[tuple[str, object]] = [("check", c.id), ("status", c.status if c.status is not None else "no answer")]
    if c.reply:
        cut = c.reply[:REPLY_SHOWN]
        rows.append(("reply bytes", repr(cut)[2:-1] + ("…" if len(c.reply) > REPLY_SHOWN else "")))
    if c.client_outcome:
        rows.append(("client gets", c.client_outcome))
    for url in c.fetched:
        rows.append(("fetched", url))
    return mask(h.wrap("<b>What the server answered to this request</b>" + h.kv_table(rows)))
