"""The exchange timeline from real upload outcomes and receiver records."""

from __future__ import annotations

import time

from osscb_notebook.receiver.record import CallbackRecord
from osscb_notebook.upload import UploadOutcome
from osscb_notebook.widgets import Exchange, Timeline
from osscb_notebook.widgets.timeline import exchange_from, render_svg

FAILED_203 = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>CallbackFailed</Code>'
              b"<Message>Error status : 500.</Message><RequestId>X</RequestId><EC>0007-00000203</EC></Error>")


def _record(status: int, ms: float) -> CallbackRecord:
    return CallbackRecord("POST", "/cb?x=1", [("Host", "h")], b"a=1", time.time(), reply_status=status,
                          reply_body=b'{"oops":1}', duration_ms=ms)


def test_a_203_is_drawn_red_with_oss_message() -> None:
    outcome = UploadOutcome("PutObject", "k.txt", 203, FAILED_203, {}, True, 0.02)
    ex = exchange_from(outcome, _record(500, 12.0), key="k.txt", total_ms=20.0)
    assert (ex.status, ex.callback_status, ex.callback_path, ex.reply) == (203, 500, "/cb", '{"oops":1}')
    assert ex.message == "Error status : 500." and ex.callback_failed
    t = Timeline()
    assert repr(t) == "Timeline(no exchange)"
    t.show(ex)
    assert "203 CallbackFailed" in t.view.value and "#cf222e" in t.view.value and "Error status : 500." in t.view.value
    text = repr(t)
    assert "4. OSS -> client: 203 CallbackFailed after 20 ms" in text and "app server -> OSS: 500 after 12 ms" in text


def test_a_slow_reply_overruns_the_budget_bar() -> None:
    svg = render_svg(Exchange(key="k", status=203, callback_status=200, callback_ms=6000, total_ms=6010))
    assert "6000 ms of 5000 ms" in svg and 'width="500.0"' in svg  # the bar is full and red


def test_a_200_relays_the_reply_and_no_callback_skips_the_server() -> None:
    ok = UploadOutcome("PutObject", "k", 200, b'{"Status":"OK"}', {}, True, 0.01)
    ex = exchange_from(ok, None, key="k")
    assert ex.reply == '{"Status":"OK"}' and not ex.callback_failed
    plain = exchange_from(UploadOutcome("PutObject", "k", 200, b"", {}, False, 0.01), None, key="k")
    assert plain.callback_sent is False  # no callback was requested
    no_cb = render_svg(Exchange(key="k", status=200, callback_sent=False))
    assert "POST /callback" not in no_cb and "App server" in no_cb
