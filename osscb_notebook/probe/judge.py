"""Verdicts from what came back (pure): each function turns sent requests and their attempts into
one :class:`~.report.CheckResult`. The reply itself is judged by the emulator's ``send`` exactly as
OSS judges it; here only the probe's pass/fail rules live."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..callback import CallbackRequest
from ..emulator import CallbackAttempt
from ..params import messages as m
from .catalogue import BY_ID, OSS_TIMEOUT
from .keyserver import printable
from .report import CheckResult

BOM = b"\xef\xbb\xbf"
SHOWN_BYTES = 80


@dataclass
class Sent:
    """One request the probe sent, what came back, and the key URLs fetched because of it."""

    label: str
    request: CallbackRequest
    attempt: CallbackAttempt
    fetched: list[str] = field(default_factory=list)
    #: the fetched URLs that served the forged key (outside the trusted prefix)
    untrusted: list[str] = field(default_factory=list)

    @property
    def status(self) -> int | None:
        return self.attempt.status

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def clean_refusal(self) -> bool:
        return self.status is not None and 400 <= self.status < 500

    @property
    def slow(self) -> bool:
        return self.attempt.elapsed_ms >= OSS_TIMEOUT * 1000


def result(check_id: str, verdict: str, observed: str, *, severity: str | None = None, sent: Sent | None = None,
           fetched: Sequence[str] = (), client_outcome: str = "", expected: str | None = None,
           fix: str | None = None) -> CheckResult:
    """A row with the catalogue's expectation and fix (``fix`` adds the cause found); ``sent`` fills
    request, status and reply. ``observed`` is made printable: it carries what the server chose
    (reply bytes, fetched paths), and terminal control sequences must not reach the text report."""
    check = BY_ID[check_id]
    return CheckResult(
        id=check_id, verdict=verdict, severity=severity or ("info" if verdict == "info" else check.severity),
        expected=expected or check.expected, observed=printable(observed), fix=fix or check.fix,
        request=sent.request if sent else None, status=sent.status if sent else None,
        reply=(sent.attempt.reply_body or b"") if sent else b"",
        fetched=[printable(u) for u in (fetched or (sent.fetched if sent else []))],
        client_outcome=printable(client_outcome),
    )


def skip(check_id: str, reason: str) -> CheckResult:
    return result(check_id, "skip", reason)


# ---- describing what came back -------------------------------------------------------------------
def shown(data: bytes | None) -> str:
    """The first bytes of a reply, printable."""
    if not data:
        return ""
    text = data[:SHOWN_BYTES].decode("utf-8", "backslashreplace")
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text + ("…" if len(data) > SHOWN_BYTES else "")


def whole(data: bytes | None) -> str:
    """A reply body as kept (up to the runner's ``KEEP_REFUSAL`` bytes), printable and not cut."""
    if not data:
        return ""
    text = data.decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def answer(s: Sent, whole_reply: bool = False) -> str:
    """``400 {"Status":"verify not ok"}``, ``no reply (connection dropped)``, ``no reply within 10 s``
    or ``unparseable status line 'http/1.1 403'``; ``whole_reply``: the body as kept, not cut after
    80 bytes (the server's own reason for a refusal)."""
    a = s.attempt
    if a.status is None:
        if a.outcome == "timeout":
            return f"no reply within {a.elapsed_ms / 1000:.1f} s"
        if a.outcome == "bad_reply":
            line = (a.reply_body or b"").rstrip(b"\r\n").decode("latin-1")
            if line.startswith("HTTP/") and line[len(line.split(" ")[0]):].strip().startswith("100"):
                return "'100 Continue' after '100 Continue' and never a final status"
            if line:
                return f"unparseable status line {printable(line, SHOWN_BYTES)!r} (not 'HTTP/1.1 NNN'; OSS cannot read it)"
            return "unparseable reply headers (cut off, too long or too many; OSS cannot read them)"
        return "no reply (connection refused or dropped)"
    body = whole(a.reply_body) if whole_reply else shown(a.reply_body)
    return f"{a.status}" + (f" {body}" if body else "")


def fetch_note(urls: Sequence[str]) -> str:
    if not urls:
        return ""
    more = f" (+{len(urls) - 2} more)" if len(urls) > 2 else ""
    return "; fetched " + ", ".join(urls[:2]) + more


def client_outcome(s: Sent) -> str:
    """What the uploading client would get from OSS for this reply: ``200 <reply>`` or ``203 <message>``."""
    a = s.attempt
    if a.ok and a.elapsed_ms > OSS_TIMEOUT * 1000:
        peer = f"{s.request.header('Host') or ''}"
        return "203 " + m.timeout_message(peer, int(a.elapsed_ms), int(OSS_TIMEOUT * 1000))
    if a.ok:
        return f"200 {shown(a.reply_body)}".rstrip()
    return f"203 {a.message or m.MSG_CANNOT_CONNECT}"


def body_never_arrived(s: Sent) -> bool:
    """A 200 whose headers (with a Content-Length above 0) arrived and whose body never did."""
    a = s.attempt
    if a.status != 200 or a.outcome != "not_json" or a.reply_body:
        return False
    length = next((v for k, v in a.reply_headers if k.lower() == "content-length"), "0").strip()
    return length.isdigit() and int(length) > 0


BODY_NEVER_ARRIVED_FIX = (
    "Your server sent 200 and its headers, then closed without the body it announced: the handler failed "
    "after the headers. On Python 3, http.server's wfile.write(str) raises TypeError (write bytes: "
    "wfile.write(body.encode())), the exact bug OSS's FAQ quotes for 'Response body is not valid json format'. "
    "Build the body as bytes first, then send the headers and the body.")


# ---- checks that must be refused -----------------------------------------------------------------
def must_reject(check_id: str, s: Sent, *, baseline: Sent | None = None, what: str = "") -> CheckResult:
    """A forged or tampered callback: 2xx fails (the check's severity); a refusal passes, unless the
    valid ``baseline`` was refused too, which makes the refusal prove nothing (skip)."""
    note = f"{what}: " if what else ""
    observed = note + answer(s) + fetch_note(s.untrusted)
    if s.accepted:
        return result(check_id, "fail", observed + " (accepted)", sent=s)
    if baseline is not None and not baseline.accepted:
        return result(check_id, "skip", observed + f"; but the valid callback it was made from got "
                      f"{answer(baseline)}, so this refusal proves nothing", sent=s)
    return result(check_id, "pass", observed, sent=s)


def never_fetched(check_id: str, observed_of: Sent, fetched: Sequence[str]) -> CheckResult:
    if fetched:
        return result(check_id, "fail", "fetched " + ", ".join(fetched[:3]), sent=observed_of, fetched=fetched)
    return result(check_id, "pass", "no fetch of the untrusted URL", sent=observed_of, fetched=())


def prefix_bypass(sent: Sequence[Sent]) -> CheckResult:
    """Each bypass URL must be neither fetched nor accepted; accepted is critical, fetched high."""
    rows = [f"{s.label}: {answer(s)}" + (" (accepted)" if s.accepted else "") + fetch_note(s.untrusted)
            for s in sent]
    fetched = [u for s in sent for u in s.fetched]
    bad = [s for s in sent if s.accepted or s.untrusted]
    if not bad:
        return result("prefix-bypass", "pass", "; ".join(rows), sent=sent[0], fetched=fetched)
    severity = "critical" if any(s.accepted for s in bad) else "high"
    return result("prefix-bypass", "fail", "; ".join(rows), severity=severity, sent=bad[0], fetched=fetched)


INCONCLUSIVE = "inconclusive: your server could not fetch OSS's key (it does not pin it)"


def malformed(check_id: str, sent: Sequence[Sent], oss_sent: Sequence[Sent] = (),
              oss_key_unusable: Callable[[], bool] | None = None) -> CheckResult:
    """4xx for every case passes; any 2xx is high; a 5xx, another status or no reply is medium.

    ``sent`` carry the probe's own key URL (the server's answer never depends on reaching OSS);
    ``oss_sent`` are the same broken headers with OSS's key URL. When only those go wrong and the
    server cannot use OSS's key (``oss_key_unusable()``), the header handling is not to blame: warn,
    inconclusive."""
    everything = [*sent, *oss_sent]
    rows = [f"{s.label} → {answer(s)}" for s in everything]
    accepted = [s for s in everything if s.accepted]
    other = [s for s in sent if not s.accepted and not s.clean_refusal]
    if accepted:
        return result(check_id, "fail", "; ".join(rows), severity="high", sent=accepted[0])
    if other:
        return result(check_id, "fail", "; ".join(rows), severity="medium", sent=other[0])
    oss_other = [s for s in oss_sent if not s.clean_refusal]
    if oss_other:
        if oss_key_unusable is not None and oss_key_unusable():
            return result(check_id, "warn", "; ".join(rows) + f". {INCONCLUSIVE}: with the probe's key URL every "
                          "case got a 4xx; with OSS's key URL the answer depends on fetching OSS's key, which failed "
                          "(pin OSS's key, as the kit's exports do, then probe again)", severity="low", sent=oss_other[0])
        return result(check_id, "fail", "; ".join(rows), severity="medium", sent=oss_other[0])
    return result(check_id, "pass", "; ".join(rows), sent=everything[0])


def stopped(check_id: str, after: str) -> CheckResult:
    """The server stopped answering after a request whose answer depended on fetching OSS's key."""
    return result(check_id, "warn", f"{INCONCLUSIVE}: it stopped answering after {after}, so this check was not "
                  "run (a server that exits when a key fetch fails can be stopped by anyone: pin OSS's key and "
                  "answer a failed fetch with a 4xx)", severity="low")


# ---- valid callbacks and their replies ------------------------------------------------------------
def valid(check_id: str, s: Sent, *, others_ok: bool = False, header_case_ok: bool = False,
          note: str | None = None, fix: str | None = None) -> CheckResult:
    """2xx passes; a 404 on the encoded sub-path alone is a warning about routing, not verification.
    ``others_ok``: every other valid case passed; ``header_case_ok``: the older spelling passed. A
    refusal shows the server's reply whole, then why (the header spelling, or ``note``: see
    ``diagnose.refused_valid``); ``fix`` replaces the catalogue's when given."""
    outcome = client_outcome(s)
    observed = f"{answer(s, whole_reply=not s.accepted)}{fetch_note(s.untrusted)}; the uploading client would get {outcome}"
    if s.accepted:
        return result(check_id, "pass", observed, sent=s, client_outcome=outcome)
    if check_id == "valid-encoded-path" and s.status == 404 and others_ok:
        return result(check_id, "warn", observed + ": your route matches only the exact callback path, so this "
                      "sub-path was not found (the other valid cases passed); fine if your callbackUrl never has "
                      "a sub-path", severity="low", sent=s, client_outcome=outcome)
    if check_id == "valid-header-case" and others_ok:
        observed += ("; the same callback spelled 'Authorization' was accepted (valid-form): your server reads the "
                     "header name case-sensitively")
    elif check_id == "valid-form" and header_case_ok:  # the same callback, spelled the older way
        observed += ("; the same callback spelled as OSS's older example (lower-case 'authorization') was accepted "
                     "(valid-header-case): your server reads the header name case-sensitively, and OSS sends "
                     "'Authorization'")
    elif note is not None:
        observed += note
    elif not s.fetched:
        observed += f"; the server never fetched the probe's key {_key_url(s)}: was it started trusting the prefix?"
    row = result(check_id, "fail", observed + " (genuine uploads get a 203)", sent=s, client_outcome=outcome)
    return dataclasses.replace(row, fix=fix) if fix else row


def _key_url(s: Sent) -> str:
    try:
        return base64.b64decode(s.request.header("x-oss-pub-key-url") or "").decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def reply_checks(valid_sent: Sequence[Sent]) -> list[CheckResult]:
    """reply-status, -format, -bom, -length and -size over the valid replies, judged as ``send`` did."""
    accepted = [s for s in valid_sent if s.accepted]
    reason = "the valid callbacks were all refused (see valid-*), so there is no reply to judge"
    out: list[CheckResult] = []
    if not accepted:
        return [skip(i, reason) for i in ("reply-status", "reply-format", "reply-bom", "reply-length", "reply-size")]
    not_200 = [s for s in accepted if s.status != 200]
    if not_200:
        out.append(result("reply-status", "fail", "; ".join(f"{s.label}: {s.status}" for s in not_200)
                          + " (OSS wants exactly 200: the client gets 203)", sent=not_200[0]))
    else:
        out.append(result("reply-status", "pass", f"{len(accepted)} valid callbacks answered 200", sent=accepted[0]))
    ok200 = [s for s in accepted if s.status == 200]

    def judge(check_id: str, bad: list[Sent], judged: list[Sent], good: str) -> CheckResult:
        if bad:
            s = bad[0]
            if body_never_arrived(s):
                return result(check_id, "fail", f"{s.label}: 200 and its headers, then no body; the client gets "
                              f"{client_outcome(s)}", sent=s, fix=BODY_NEVER_ARRIVED_FIX)
            return result(check_id, "fail", f"{s.label}: {answer(s)}; the client gets {client_outcome(s)}", sent=s)
        if not judged:
            return skip(check_id, "no valid callback was answered 200 with a readable body")
        return result(check_id, "pass", good, sent=judged[0])

    with_body = [s for s in ok200 if s.attempt.outcome in ("ok", "not_json")]
    bom = [s for s in ok200 if s.attempt.outcome == "not_json" and (s.attempt.reply_body or b"").startswith(BOM)]
    not_json = [s for s in ok200 if s.attempt.outcome == "not_json" and s not in bom]
    out.append(judge("reply-format", not_json, with_body, "every reply is JSON (or declared XML)"))
    out.append(judge("reply-bom", bom, with_body, "no reply starts with a BOM"))
    length = [s for s in ok200 if s.attempt.outcome in ("missing_length", "invalid_length")]
    out.append(judge("reply-length", length, ok200, "every reply has a valid Content-Length"))
    big = [s for s in ok200 if s.attempt.outcome == "too_long"]
    out.append(judge("reply-size", big, ok200, "every reply is at most 1 MB"))
    return out


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def latency(sent: Sequence[Sent], planned: int) -> CheckResult:
    """p95 over the answered callbacks only; an unanswered one counts as slower than OSS's 5 s for the
    verdict (the client gets a 203 either way), and the row says how many were not answered."""
    answered = [s for s in sent if s.status is not None]
    unanswered = len(sent) - len(answered)
    accepted = sum(s.accepted for s in sent)
    cut = f" (stopped after {len(sent)} of {planned}: the verdict was decided)" if len(sent) < planned else ""
    missing = f"; {unanswered} of {len(sent)} not answered ({answer(next(s for s in sent if s.status is None))})" \
        if unanswered else ""
    if not answered:
        return result("reply-latency", "fail", f"none of {len(sent)} callbacks was answered{cut}{missing}; OSS gives "
                      "up after 5 s (the client gets 203)", sent=sent[0] if sent else None)
    times = [s.attempt.elapsed_ms / 1000 for s in answered]
    value = p95(times)
    # for the verdict, an unanswered callback is slower than any answer
    verdict_value = p95(times + [math.inf] * unanswered)
    observed = (f"p95 {seconds(value)}, max {seconds(max(times))} over {len(answered)} answered callbacks{cut}; "
                f"{accepted} answered 2xx{missing}")
    slowest = max(answered, key=lambda s: s.attempt.elapsed_ms)
    if verdict_value >= OSS_TIMEOUT:
        return result("reply-latency", "fail", observed + "; OSS gives up after 5 s (the client gets 203)", sent=slowest)
    if value > 1.0:
        return result("reply-latency", "warn", observed + "; close to OSS's 5 s", severity="low", sent=slowest)
    if unanswered:
        return result("reply-latency", "warn", observed + " (the client gets 203 for those)", severity="low",
                      sent=next(s for s in sent if s.status is None))
    return result("reply-latency", "pass", observed, sent=slowest)


def burst(sent: Sequence[Sent], planned: int) -> CheckResult:
    if not sent:
        return result("burst", "fail", f"none of {planned} concurrent callbacks came back within the probe's time limit")
    good = [s for s in sent if s.accepted and not s.slow]
    worst = max(sent, key=lambda s: s.attempt.elapsed_ms)
    observed = (f"{len(good)} of {planned} answered 2xx within 5 s; slowest {seconds(worst.attempt.elapsed_ms / 1000)}"
                f" ({answer(worst)})")
    if len(good) == planned:
        return result("burst", "pass", observed, sent=worst)
    if all(s.clean_refusal for s in sent):
        return skip("burst", observed + ": every one was refused with a 4xx (see valid-form), so concurrency "
                    "cannot be judged")
    bad = next((s for s in sent if s not in good), worst)
    return result("burst", "fail", observed, sent=bad)


def replay(first: Sent, second: Sent) -> CheckResult:
    if not first.accepted:
        return result("replay", "info", f"the first callback got {answer(first)} (see valid-form); replay not judged",
                      sent=first)
    verdict = "accepted" if second.accepted else "refused"
    return result("replay", "info", f"first {answer(first)}; the same callback again: {answer(second)} "
                  f"(the replay was {verdict})", sent=second)


UNREACHABLE = (f"{INCONCLUSIVE}: your server rejected OSS's real signatures; OSS's key host is unreachable from "
               "here, so a server that fetches the key cannot verify them: pin OSS's key (the kit's exports do)")


def oss_vectors(sent: Sequence[Sent], key_host_reachable: bool) -> CheckResult:
    rows = [f"{s.label} {s.request.target} → {answer(s)}" for s in sent]
    observed = "; ".join(rows)
    refused = [s for s in sent if not s.accepted]
    if not refused:
        return result("real-oss-vectors", "pass", observed, sent=sent[0])
    if not key_host_reachable:
        return result("real-oss-vectors", "warn", f"{observed}. {UNREACHABLE}", severity="low", sent=refused[0])
    return result("real-oss-vectors", "fail", observed, sent=refused[0])


# ---- the key fetch (trusted mode: the probe's key server plays a hostile key host) ----------------
def _proves_nothing(check_id: str, observed: str, baseline: Sent, s: Sent | None = None) -> CheckResult:
    return result(check_id, "skip", observed + f"; but the valid form callback got {answer(baseline)}, so a "
                  "refusal here proves nothing (see valid-form)", sent=s)


def key_redirect(s: Sent, baseline: Sent) -> CheckResult:
    """Accepted: critical. The redirect followed (the forger's key fetched) but refused: high."""
    observed = f"{s.label}: {answer(s)}" + fetch_note(s.fetched)
    if s.accepted:
        return result("key-redirect", "fail", observed + " (accepted: the redirect was followed to the forger's key)",
                      sent=s)
    if s.untrusted:
        return result("key-redirect", "fail", observed + " (refused, but the redirect out of the trusted prefix was "
                      "followed)", severity="high", sent=s)
    if not baseline.accepted:
        return _proves_nothing("key-redirect", observed, baseline, s)
    return result("key-redirect", "pass", observed + " (redirect not followed)", sent=s)


def key_timeout(stalled: Sent | None, cached: Sent | None, warm: Sent, budget: float = OSS_TIMEOUT + 1) -> CheckResult:
    """The stalled-key callback answered within 5 s, and a cached-key callback meanwhile in under 1 s (2xx).
    ``budget``: the stalled request's own limit (``--timeout`` when that is under OSS's 5 s)."""
    if not warm.accepted:
        return _proves_nothing("key-timeout", f"warm-up on a cached key URL: {answer(warm)}", warm, warm)
    if stalled is not None and stalled.status is None and budget < OSS_TIMEOUT and stalled.attempt.outcome == "timeout":
        return result("key-timeout", "skip", f"no answer within the probe's --timeout of {seconds(budget)}, shorter "
                      "than OSS's 5 s: run with --timeout 6 or more to judge this check", sent=stalled)
    rows = []
    bad: Sent | None = None
    if stalled is None:
        rows.append("the callback whose key URL stalls never came back within the probe's time limit")
    else:
        took = stalled.attempt.elapsed_ms / 1000
        rows.append(f"key URL that stalls: {answer(stalled)} after {seconds(took)}")
        if stalled.status is None or took >= OSS_TIMEOUT:
            bad = stalled
            rows[-1] += " (OSS gives up after 5 s: the client gets 203)"
    if cached is None:
        rows.append("the callback on the cached key never came back")
    else:
        took = cached.attempt.elapsed_ms / 1000
        rows.append(f"meanwhile, on a cached key: {answer(cached)} after {seconds(took)}")
        if not cached.accepted or took >= 1.0:
            bad = bad or cached
            rows[-1] += " (blocked behind the stalled fetch)" if cached.accepted else ""
    observed = "; ".join(rows)
    if bad is not None or stalled is None or cached is None:
        return result("key-timeout", "fail", observed, sent=bad)
    return result("key-timeout", "pass", observed, sent=stalled)


def key_garbage(sent: Sequence[Sent], after: Sent, baseline: Sent) -> CheckResult:
    """Each garbage key gets a 4xx (2xx: high; 5xx, other or no reply: medium) and the server answers after."""
    rows = [f"{s.label} → {answer(s)}" for s in sent] + [f"then a valid callback → {answer(after)}"]
    observed = "; ".join(rows)
    accepted = [s for s in sent if s.accepted]
    other = [s for s in sent if not s.accepted and not s.clean_refusal]
    if accepted:
        return result("key-garbage", "fail", observed + " (accepted with no usable key)", severity="high",
                      sent=accepted[0])
    if other:
        return result("key-garbage", "fail", observed, sent=other[0])
    if after.status is None:
        return result("key-garbage", "fail", observed + " (the server stopped answering)", sent=after)
    if not baseline.accepted:
        return _proves_nothing("key-garbage", observed, baseline, sent[0])
    return result("key-garbage", "pass", observed, sent=sent[0])


def key_cache(own: Sequence[Sent], own_url: str, own_fetches: int, run_wide: str) -> CheckResult:
    """Information only: the fetches of one key URL over several callbacks."""
    accepted = sum(s.accepted for s in own)
    observed = (f"{len(own)} callbacks with the key URL {own_url} ({accepted} answered 2xx): fetched "
                f"{own_fetches} time{'s' if own_fetches != 1 else ''}")
    if own_fetches == 1:
        observed += " (cached)"
    elif own_fetches > 1:
        observed += " (not cached: a fetch per callback)"
    return result("key-cache", "info", observed + (f"; over the run: {run_wide}" if run_wide else ""),
                  sent=own[0] if own else None, fetched=())
