"""``%osscb_probe``: the probe in a real IPython shell returns its report card (text/plain rows, HTML),
bad input is one red box, ``--json`` the CLI's shape."""

from __future__ import annotations

import json

from IPython.core.interactiveshell import InteractiveShell

from osscb_notebook.probe import CHECK_IDS, ProbeReport
from tests.probe import servers as s
from tests.support import free_port


def test_osscb_probe_returns_the_report_card(ip: InteractiveShell) -> None:
    key_port = free_port()
    with s.TrustsAnyKeyURL() as server:
        report = ip.run_line_magic("osscb_probe", f"{server.url} --key-port {key_port} --timeout 5")
        as_json = ip.run_line_magic("osscb_probe", f"{server.url} --key-port {key_port} --json")
    assert isinstance(report, ProbeReport) and report.mode == "default"
    text = repr(report)
    for check_id in CHECK_IDS:
        assert f" {check_id} " in text
    assert "FAIL critical forged-key-url" in text
    html = report._repr_html_()
    assert "forged-key-url" in html and html.index("forged-key-url") < html.index("missing-headers")  # critical first
    doc = json.loads(as_json.text)
    assert [c["id"] for c in doc["checks"]] == list(CHECK_IDS) and doc["summary"]["fail"] == 3


def test_osscb_probe_bad_input_is_one_red_box(ip: InteractiveShell) -> None:
    bad = ip.run_line_magic("osscb_probe", "notaurl")
    assert not bad.ok and "not an http(s) URL" in bad.text
    assert "usage:" in repr(ip.run_line_magic("osscb_probe", "--help"))
