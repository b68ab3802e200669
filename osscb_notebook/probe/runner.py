"""``run_probe``: play OSS against a callback URL, check by check, and return the report card.

Every request goes through the emulator's ``send`` (one timeout each, no redirects, the reply
judged exactly as OSS judges it); every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cached_property

from .._cliargs import check_http_url, check_port, check_positive_seconds
from ..callback import CallbackRequest, generate_private_key, public_key_pem
from ..callback.oss_vectors import OSS_VECTORS
from ..emulator import send_callback
from ..errors import CallbackParamError, ProbeError
from ..params import CallbackTarget
from ..params.urls import parse_callback_url
from ..verification import OFFICIAL_KEY_URLS
from . import cases as c
from . import diagnose as d
from . import judge as j
from . import target as t
from .catalogue import BY_ID, CHECK_IDS, DEFAULT_KEY_PORT, OSS_TIMEOUT, trust_hint
from .keyserver import GARBAGE_KINDS, KeyServer
from .report import CheckResult, ProbeReport

Progress = Callable[[int, int, str], None]

#: 20 sequential and 20 concurrent callbacks (issue #18); the sequence also stops after this long.
LATENCY_COUNT = 20
LATENCY_BUDGET = 60.0
BURST_COUNT = 20
#: Keep this much of a refusal's body to show it (OSS ignores it); a valid callback's refusal is shown whole.
KEEP_REFUSAL = 2048
#: Bound on resolving OSS's key host (never connected to).
RESOLVE_TIMEOUT = 2.0
OSS_KEY_HOST = "gosspublic.alicdn.com"
#: key-cache: callbacks sent with one key URL; key-timeout: how long to wait for the stalled fetch to start.
KEY_CACHE_COUNT = 3
STALL_WAIT = 2.0
KEY_BITS = 1024  # test keys only: fast to make per run


def parse_probe_url(url: str) -> CallbackTarget:
    """The URL to probe as OSS would parse it; ``ValueError`` with a clear message otherwise."""
    check_http_url(url)
    try:
        return parse_callback_url(url)
    except CallbackParamError as exc:
        raise ValueError(f"{url!r} is not a callback URL OSS accepts ({exc.message})") from None


def normalize_key_url_base(base: str) -> str:
    """``--key-url-base`` checked (:func:`.target.check_key_url_base`: a path the probe owns, ending in '/')."""
    return t.check_key_url_base(base)


def key_host_reachable(host: str = OSS_KEY_HOST, timeout: float = RESOLVE_TIMEOUT) -> bool:
    """Whether ``host`` resolves within ``timeout`` (resolution only: nothing is sent to it)."""
    found: list[bool] = []

    def resolve() -> None:
        try:
            found.append(bool(socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)))
        except OSError:
            found.append(False)

    t = threading.Thread(target=resolve, daemon=True, name="osscb-probe-resolve")
    t.start()
    t.join(timeout)
    return bool(found and found[0])


class _Run:
    """One probe run: the keys, the key server, the requests sent, and a lazily built result per check."""

    def __init__(self, base: CallbackTarget, keys: KeyServer, trusted: bool, timeout: float,
                 trusted_signer: c.Signer, forged_signer: c.Signer, *, started: float | None = None,
                 deadline: float = math.inf, reach: d.Reach | None = None) -> None:
        self.base, self.keys, self.trusted, self.timeout = base, keys, trusted, timeout
        self.good, self.forged = trusted_signer, forged_signer
        self.valid_cases = c.valid_cases(base)
        #: the label of the request after which the server stopped answering (it tried OSS's key)
        self.stopped_after: str | None = None
        #: valid callbacks sent per trusted key URL (key-cache)
        self.sent_per_url: Counter[str] = Counter()
        #: the run's start (``time.monotonic()``), its overall deadline in seconds, what it knows about key reach
        self.started = time.monotonic() if started is None else started
        self.deadline, self.reach = deadline, reach or d.Reach(keys.prefix)
        self.ends = self.started + deadline
        self.deadline_passed = False

    def request_timeout(self) -> float:
        """The next request's timeout: ``--timeout``, or less when the run's deadline is nearer
        (:class:`DeadlinePassed` once it has passed)."""
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise DeadlinePassed
        return min(self.timeout, remaining)

    def run_within_deadline(self, check_id: str) -> CheckResult:
        """:meth:`run`, cut off by the run's deadline (a ``warn``), a key-URL pass that the server could
        not have earned turned into an inconclusive ``warn``."""
        try:
            row = self.run(check_id)
        except DeadlinePassed:
            self.deadline_passed = True
            return d.not_finished(check_id, self.deadline, time.monotonic() - self.started)
        problem = self.reach.problem
        if problem and d.needs_reachable_keys(check_id):
            row = d.inconclusive(row, problem)
        return row

    # ---- sending --------------------------------------------------------------------------------
    def send(self, label: str, request: CallbackRequest, tag: str | None = None,
             target: CallbackTarget | None = None) -> j.Sent:
        timeout = self.request_timeout()
        attempt = send_callback(request, target or self.base, timeout, keep_refusal=KEEP_REFUSAL)
        if attempt.outcome == "timeout" and timeout < self.timeout:
            raise DeadlinePassed  # cut by the run's deadline, not judged against --timeout
        fetches = self.keys.fetches(tag) if tag else []
        return j.Sent(label, request, attempt, [f.url for f in fetches], [f.url for f in fetches if not f.trusted])

    def signed(self, check_id: str, case: c.Case) -> CallbackRequest:
        url = self.keys.trusted_url(check_id)
        self.sent_per_url[url] += 1
        return self.good.sign(case, url)

    def send_valid(self, check_id: str, case: c.Case, label: str | None = None) -> j.Sent:
        return self.send(label or check_id, self.signed(check_id, case), check_id, case.target)

    @cached_property
    def valid(self) -> dict[str, j.Sent]:
        return {cid: self.send_valid(cid, case) for cid, case in self.valid_cases.items()}

    def header_base(self, check_id: str) -> CallbackRequest:
        """A valid form callback to break headers of, with the probe's own key URL: the server trusts it
        (trusted mode) or rejects it (default mode), and reaches it either way, so the answer never
        depends on reaching OSS."""
        return self.good.sign(self.valid_cases["valid-form"], self.keys.trusted_url(check_id))

    def oss_base(self) -> CallbackRequest:
        """The same callback with OSS's official key URL: a pinned server reaches its header checks."""
        return self.good.sign(self.valid_cases["valid-form"], OFFICIAL_KEY_URLS[0])

    def alive(self) -> bool:
        try:
            socket.create_connection((self.base.host, self.base.port), min(self.timeout, OSS_TIMEOUT)).close()
        except OSError:
            return False
        return True

    @cached_property
    def oss_key_unusable(self) -> bool:
        """The server cannot use OSS's key: it refuses OSS's own signed request (G1) and OSS's key host
        does not resolve from here (so it does not pin the key, and its fetch fails)."""
        vector = OSS_VECTORS[0]
        request = vector.request(self.base.url)
        # spelled as OSS sends it now, so a server that reads only 'Authorization' is not mistaken for one
        # that cannot fetch the key (the signature covers no header)
        headers = [("Authorization" if k.lower() == "authorization" else k, v) for k, v in request.headers]
        request = dataclasses.replace(request, headers=[("Host", self.base.netloc), *headers])
        if self.send(f"{vector.name} (OSS's own signature)", request, None, self.base).accepted:
            return False
        return not key_host_reachable()

    # ---- checks ---------------------------------------------------------------------------------
    @cached_property
    def forged_sent(self) -> j.Sent:
        case = self.valid_cases["valid-form"]
        tag = "forged-key-url"
        return self.send("forged key URL", self.forged.sign(case, self.keys.forged_url(tag)), tag)

    def forged_key_url(self) -> CheckResult:
        s = self.forged_sent
        return j.must_reject("forged-key-url", s, what=f"key URL {self.keys.forged_url('forged-key-url')}")

    def untrusted_key_fetched(self) -> CheckResult:
        s = self.forged_sent
        # a fetch may land just after the reply: look once more before judging
        return j.never_fetched("untrusted-key-fetched", s, [f.url for f in self.keys.fetches("forged-key-url")])

    def prefix_bypass(self) -> CheckResult:
        case = self.valid_cases["valid-form"]
        urls = [("userinfo", self.keys.userinfo_url("prefix-bypass/userinfo"), "prefix-bypass/userinfo"),
                ("last '/' replaced", self.keys.slash_url("prefix-bypass/slash"), "prefix-bypass/slash")]
        dots = self.keys.dot_urls("prefix-bypass")
        for (label, url), sub in zip(dots.items(), ("dot-query", "encoded-dot-query", "encoded-slash"), strict=True):
            urls.append((label, url, f"prefix-bypass/{sub}"))
        sent = [self.send(f"{label} {url}", self.forged.sign(case, url), tag) for label, url, tag in urls]
        return j.prefix_bypass(sent)

    def _malformed(self, check_id: str, make: Callable[[CallbackRequest], dict[str, CallbackRequest]]) -> CheckResult:
        """The broken headers with the probe's key URL first, then (those that still carry a key URL)
        with OSS's: only the second kind can fail because the server cannot fetch OSS's key."""
        sent = [self.send(label, req, check_id) for label, req in make(self.header_base(check_id)).items()]
        oss = self.oss_base()
        oss_sent: list[j.Sent] = []
        for label, req in make(oss).items():
            if req.header("x-oss-pub-key-url") != oss.header("x-oss-pub-key-url"):
                continue  # the key URL itself is what is broken: sent once, above
            s = self.send(f"{label} (OSS's key URL)", req, check_id)
            oss_sent.append(s)
            if s.status is None and not self.alive():
                self.stopped_after = f"'{s.label}' ({check_id})"
                break
        return j.malformed(check_id, sent, oss_sent, lambda: self.oss_key_unusable)

    def missing_headers(self) -> CheckResult:
        return self._malformed("missing-headers", c.missing_header_cases)

    def malformed_signature(self) -> CheckResult:
        return self._malformed("malformed-signature", c.malformed_signature_cases)

    def malformed_key_url(self) -> CheckResult:
        return self._malformed("malformed-key-url", c.malformed_key_url_cases)

    def valid_check(self, check_id: str) -> CheckResult:
        s = self.valid[check_id]
        others = all(v.accepted for k, v in self.valid.items() if k not in (check_id, "valid-header-case"))
        legacy = self.valid.get("valid-header-case")
        header_case_ok = legacy is not None and legacy.accepted
        if s.accepted:
            return j.valid(check_id, s, others_ok=others, header_case_ok=header_case_ok)
        note, fix = d.refused_valid(s, self.keys.trusted_url(check_id), self.key_hits(), self.reach)
        return j.valid(check_id, s, others_ok=others, header_case_ok=header_case_ok, note=note, fix=fix)

    def key_hits(self) -> int:
        """Requests the key server got this run from anyone, the probe's own self-check excluded."""
        return len(self.keys.fetches()) - len(self.keys.fetches(SELF_CHECK_TAG))

    def tampered(self, check_id: str) -> CheckResult:
        base_id = "valid-query" if check_id == "tampered-query" else "valid-form"
        case = self.valid_cases[base_id]
        baseline = self.valid[base_id]
        key_url = self.keys.trusted_url(check_id)
        if check_id == "tampered-body":
            request = c.tampered_body(self.good.sign(case, key_url))
        elif check_id == "tampered-signature":
            request = c.tampered_signature(self.good.sign(case, key_url))
        elif check_id == "tampered-path":
            request = c.tampered_path(self.good, case, key_url)
        else:
            request = c.tampered_query(self.good, case, key_url)
        s = self.send(check_id, request, check_id, case.target)
        return j.must_reject(check_id, s, baseline=baseline)

    def fresh(self, check_id: str, n: int) -> c.Case:
        case = self.valid_cases["valid-form"]
        return c.Case(case.target, c.form_body(extra=f"probe_seq={n}"), case.content_type)

    def reply_latency(self) -> CheckResult:
        sent: list[j.Sent] = []
        start = time.monotonic()
        for n in range(LATENCY_COUNT):
            sent.append(self.send_valid("reply-latency", self.fresh("reply-latency", n), f"#{n + 1}"))
            # two replies at 5 s or more fix the p95 of 20 at 5 s or more: the verdict is decided
            if sum(s.slow or s.status is None for s in sent) >= 2 or time.monotonic() - start > LATENCY_BUDGET:
                break
        return j.latency(sent, LATENCY_COUNT)

    def burst(self) -> CheckResult:
        requests = [self.signed("burst", self.fresh("burst", n)) for n in range(BURST_COUNT)]
        target = self.valid_cases["valid-form"].target
        results: list[j.Sent | None] = [None] * BURST_COUNT
        gate = threading.Barrier(BURST_COUNT)
        cut: list[int] = []
        wait = self.request_timeout()

        def one(i: int) -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(wait)
            try:
                results[i] = self.send(f"#{i + 1}", requests[i], None, target)
            except DeadlinePassed:
                cut.append(i)

        threads = [threading.Thread(target=one, args=(i,), daemon=True, name="osscb-probe-burst")
                   for i in range(BURST_COUNT)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(self.timeout * 2 + 1)
        if cut:
            raise DeadlinePassed
        done = [s for s in results if s is not None]
        return j.burst(done, BURST_COUNT)

    def replay(self) -> CheckResult:
        request = self.signed("replay", self.fresh("replay", 0))
        target = self.valid_cases["valid-form"].target
        first = self.send("first", request, "replay", target)
        second = self.send("replay", request, "replay", target)
        return j.replay(first, second)

    # ---- the key fetch ---------------------------------------------------------------------------
    def key_redirect(self) -> CheckResult:
        url = self.keys.redirect_url("key-redirect")
        request = self.forged.sign(self.fresh("key-redirect", 0), url)
        s = self.send(f"key URL answering 302 to the forger's key {url}", request, "key-redirect")
        return j.key_redirect(s, self.valid["valid-form"])

    def key_timeout(self) -> CheckResult:
        target = self.valid_cases["valid-form"].target
        warm = self.send("warm-up", self.signed("key-timeout/cached", self.fresh("key-timeout", 0)),
                         "key-timeout/cached", target)
        if not warm.accepted:
            return j.key_timeout(None, None, warm)
        stall_url = self.keys.stall_url("key-timeout/stall")
        stalled_request = self.good.sign(self.fresh("key-timeout", 1), stall_url)
        box: list[j.Sent] = []
        # the stalled callback may take up to OSS's 5 s (and a little more, to see it fail): never past
        # --timeout, nor past the run's deadline
        budget = min(self.request_timeout(), OSS_TIMEOUT + 1.0)

        def stalled() -> None:
            box.append(j.Sent("stalled", stalled_request,
                              send_callback(stalled_request, target, budget, keep_refusal=KEEP_REFUSAL)))

        t = threading.Thread(target=stalled, daemon=True, name="osscb-probe-stall")
        t.start()
        until = time.monotonic() + STALL_WAIT
        while not self.keys.fetches("key-timeout/stall") and time.monotonic() < until and t.is_alive():
            time.sleep(0.02)
        cached = self.send("cached", self.signed("key-timeout/cached", self.fresh("key-timeout", 2)),
                           "key-timeout/cached", target)
        t.join(budget + 1.0)
        return j.key_timeout(box[0] if box else None, cached, warm, budget)

    def key_garbage(self) -> CheckResult:
        sent = []
        for n, kind in enumerate(GARBAGE_KINDS):
            url = self.keys.garbage_url("key-garbage", kind)
            label = {"not-pem": "non-PEM", "empty": "empty body", "2mb": "2 MB body", "ec": "EC key"}[kind]
            sent.append(self.send(label, self.good.sign(self.fresh("key-garbage", n), url), f"key-garbage/{kind}"))
        after = self.send_valid("key-garbage/after", self.fresh("key-garbage", len(GARBAGE_KINDS)), "after")
        return j.key_garbage(sent, after, self.valid["valid-form"])

    def key_cache(self) -> CheckResult:
        own_url = self.keys.trusted_url("key-cache")
        own = [self.send_valid("key-cache", self.fresh("key-cache", n), f"#{n + 1}") for n in range(KEY_CACHE_COUNT)]
        time.sleep(0.05)  # a fetch may land just after the reply
        others = [(n, u) for u, n in self.sent_per_url.items() if u != own_url and n > 1]
        run_wide = ""
        if others:
            count, url = max(others)
            fetched = self.keys.fetch_count(url)
            run_wide = (f"the key URL used most ({count} callbacks, {url.rsplit('/', 2)[-2]}) was fetched "
                        f"{fetched} time{'s' if fetched != 1 else ''}")
        return j.key_cache(own, own_url, self.keys.fetch_count(own_url), run_wide)

    def real_oss_vectors(self) -> CheckResult:
        sent = []
        for v in OSS_VECTORS:
            request = v.request(self.base.url)
            # OSS sends Host; without it an HTTP/1.1 server (Go's, nginx) answers 400 before verifying
            request = dataclasses.replace(request, headers=[("Host", self.base.netloc), *request.headers])
            sent.append(self.send(v.name, request, None, self.base))
        if all(s.accepted for s in sent):
            return j.oss_vectors(sent, True)
        return j.oss_vectors(sent, key_host_reachable())

    def run(self, check_id: str) -> CheckResult:
        if BY_ID[check_id].trusted and not self.trusted:
            return j.skip(check_id, trust_hint(self.keys.prefix))
        if self.stopped_after is not None and not self.alive():
            return j.stopped(check_id, self.stopped_after)
        if check_id.startswith("valid-"):
            return self.valid_check(check_id)
        if check_id.startswith("tampered-"):
            return self.tampered(check_id)
        if check_id in ("reply-status", "reply-format", "reply-bom", "reply-length", "reply-size"):
            return self.reply_rows[check_id]
        method = getattr(self, check_id.replace("-", "_"))
        row: CheckResult = method()
        return row

    @cached_property
    def reply_rows(self) -> dict[str, CheckResult]:
        return {r.id: r for r in j.reply_checks(list(self.valid.values()))}


class DeadlinePassed(Exception):
    """The run's overall deadline passed before a check finished."""


SELF_CHECK_TAG = "self-check"


def _reachable(target: CallbackTarget, timeout: float) -> tuple[str, str]:
    """(our address, the server's) of one connection to ``target``; ``ProbeError`` when nothing answers."""
    try:
        with socket.create_connection((target.host, target.port), timeout) as sock:
            return str(sock.getsockname()[0]), str(sock.getpeername()[0])
    except OSError as exc:
        raise ProbeError(f"Nothing answers at {target.url} ({exc.strerror or exc}).", url=target.url,
                         hint="Start your callback server first, and give its full callback URL.") from None


def _selection(checks: Iterable[str] | None) -> list[str]:
    if checks is None:
        return list(CHECK_IDS)
    wanted = set(checks)
    unknown = wanted - set(CHECK_IDS)
    if unknown:
        raise ValueError(f"unknown check id(s) {', '.join(sorted(unknown))}: use ids from CHECK_IDS")
    return [i for i in CHECK_IDS if i in wanted]


def run_probe(url: str, *, trusted: bool = False, key_port: int = DEFAULT_KEY_PORT, key_url_base: str | None = None,
              timeout: float = 10.0, progress: Progress | None = None,
              checks: Iterable[str] | None = None, deadline: float = t.DEFAULT_DEADLINE,
              notice: Callable[[str], None] | None = None) -> ProbeReport:
    """Play OSS against the callback server at ``url`` and return its report card.

    ``trusted``: the server was started trusting :attr:`ProbeReport.trusted_prefix` (valid, tampered
    and reply checks run too). The key server listens on 127.0.0.1:``key_port`` for the run, or on
    0.0.0.0 when ``key_url_base`` is given: a URL of this machine that the server can reach (directly or
    through a tunnel to ``key_port``, paths unchanged), naming a path the probe owns such as
    ``http://HOST:9870/osscb-probe/`` (:func:`.target.check_key_url_base`); it is then the prefix to trust.
    A server not on this machine cannot reach 127.0.0.1 here: without a base, its key-URL checks are
    ``warn`` (inconclusive), never ``pass``. ``timeout`` bounds each request and ``deadline`` the whole
    run (checks it cuts off are ``warn``); ``progress(done, total, check_id)`` is called on this thread as
    checks complete; ``notice(line)`` once the run starts (the prefix to trust, and whether the server can
    reach it); ``checks`` runs a subset (ids from ``CHECK_IDS``). Raises ``ValueError`` for a bad
    argument and :class:`~osscb_notebook.errors.ProbeError` when the key port is busy or nothing answers
    at ``url``.
    """
    base = parse_probe_url(url)
    check_port(key_port)
    base_url = normalize_key_url_base(key_url_base) if key_url_base else None
    timeout = check_positive_seconds(timeout)
    deadline = check_deadline(deadline)
    selected = _selection(checks)
    started = time.monotonic()
    local, peer = _reachable(base, min(timeout, OSS_TIMEOUT, deadline))
    here = t.on_this_machine(local, peer)
    good_key, forged_key = generate_private_key(KEY_BITS), generate_private_key(KEY_BITS)
    rows: list[CheckResult] = []
    with KeyServer(public_key_pem(good_key), public_key_pem(forged_key), port=key_port, base=base_url) as keys:
        problem = _self_check(keys, started + deadline) if base_url else ""
        reach = d.Reach(keys.prefix, base_url, here, problem)
        if notice is not None:
            for line in d.start_lines(url, trusted, timeout, deadline, reach):
                notice(line)
        run = _Run(base, keys, trusted, timeout, c.Signer(good_key), c.Signer(forged_key), started=started,
                   deadline=deadline, reach=reach)
        for check_id in selected:
            rows.append(run.run_within_deadline(check_id))
            if progress is not None:
                progress(len(rows), len(selected), check_id)
        prefix = keys.prefix
    return ProbeReport(url=url, mode="trusted" if trusted else "default", trusted_prefix=prefix,
                       key_pem=public_key_pem(good_key), checks=rows, elapsed=time.monotonic() - started,
                       key_url_base=base_url, on_this_machine=here, key_self_check=problem,
                       deadline_passed=run.deadline_passed)


def check_deadline(value: str | float) -> float:
    """``--deadline``: positive seconds (``ValueError`` otherwise)."""
    return check_positive_seconds(value, "the deadline")


def _self_check(keys: KeyServer, ends: float) -> str:
    """'' when the probe fetches its own key through the base and its key server sees it, else why not."""
    url = keys.trusted_url(SELF_CHECK_TAG)
    problem = t.self_check(url, max(min(t.SELF_CHECK_TIMEOUT, ends - time.monotonic()), 0.1))
    if problem:
        return problem
    if not keys.fetches(SELF_CHECK_TAG):
        return f"{url} answered, but not from this run's key server on port {keys.port}"
    return ""
