"""``osscb probe``: play OSS against a callback URL, good callbacks and hostile ones, and report,
check by check, what the server got right and wrong (issue #18).

>>> from osscb_notebook.probe import run_probe
>>> report = run_probe("http://127.0.0.1:8080/callback")        # doctest: +SKIP
>>> report.exit_code, report.summary()                           # doctest: +SKIP
(0, {'pass': 7, 'fail': 0, 'warn': 0, 'skip': 24, 'info': 0})

A row's ``request`` is the exact request sent; the key server stops when ``run_probe`` returns, so
replay or verify it with the report's key: ``verify_request(parse_raw_request(row.request.to_raw()),
KeyResolver(public_key=report.key_pem))``. ``report.check(id)`` finds a row, ``report.failures()``
lists the fails most severe first.

Modules: ``catalogue`` (the check ids, what passing means, the fixes), ``cases`` (the requests,
signed as OSS signs them), ``keyserver`` (the trusted and forged keys, every fetch recorded),
``judge`` (verdicts), ``runner`` (``run_probe``), ``report`` (``ProbeReport``, ``CheckResult``),
``cli`` (``osscb probe``). Rendering is in :mod:`osscb_notebook.display.probe`.
"""

from .catalogue import CHECK_IDS, CHECKS, DEFAULT_KEY_PORT, TRUST_ENV, Check
from .report import CheckResult, ProbeReport
from .runner import run_probe

__all__ = ["CHECKS", "CHECK_IDS", "DEFAULT_KEY_PORT", "TRUST_ENV", "Check", "CheckResult", "ProbeReport", "run_probe"]
