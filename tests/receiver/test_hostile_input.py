"""Issue #12: hostile input to the receiver and the verifier gets a clear answer, never a 500,
a hang or a traceback."""

from __future__ import annotations

import math

import pytest
from receiver_helpers import send

from osscb_notebook.errors import ReplySettingsError
from osscb_notebook.receiver import ReplySettings


@pytest.mark.parametrize("delay", [math.inf, math.nan, 1e12, 61, "5"])
def test_a_non_finite_or_huge_delay_is_refused(delay: object) -> None:
    with pytest.raises(ReplySettingsError, match="delay"):
        ReplySettings(delay=delay)  # type: ignore[arg-type]


def test_set_reply_refuses_an_infinite_delay_and_keeps_answering(make_receiver, signer) -> None:  # noqa: ANN001
    r = make_receiver()
    with pytest.raises(ReplySettingsError):
        r.set_reply(delay=math.inf)
    with pytest.raises(ReplySettingsError):
        r.set_reply(ReplySettings(delay=1), path="/cb", delay=math.nan)
    assert send(signer.request(r.url + "cb")).status_code == 200
    assert r.wait_for(1)[0].verified
