"""Builder, stepper, cell magic and timeline in a real JupyterLab + Chromium."""

from __future__ import annotations

import pytest

from .conftest import screenshot
from .helpers import cell_output, open_notebook, run_all

pytestmark = pytest.mark.browser


def test_builder_stepper_magic_timeline(lab, page) -> None:  # type: ignore[no-untyped-def]
    open_notebook(page, lab, "builder_stepper.ipynb")
    run_all(page)

    # --- builder: valid by default, then OSS's own message when the body is emptied -------------
    builder = page.locator(".osscb-builder")
    builder.wait_for(state="visible")
    assert builder.get_by_text("OSS would accept this callback.").is_visible()
    screenshot(builder, "builder-valid")
    body = builder.locator("textarea").first
    body.fill("")
    builder.get_by_text("The callback body is empty.").wait_for(state="visible")
    assert builder.get_by_text("0007-00000011").first.is_visible()
    # the palette puts a variable back, and the definition becomes valid again
    builder.get_by_role("button", name="${object}", exact=True).click()
    builder.get_by_text("OSS would accept this callback.").wait_for(state="visible")
    assert body.input_value() == "object=${object}"
    builder.get_by_role("tab", name="Preview").click()
    builder.get_by_text("object=uploads%2Fphoto%201.jpg").first.wait_for(state="visible")
    screenshot(builder, "builder-preview")

    # --- stepper: Next through every step to a green RSA verify --------------------------------
    stepper = page.locator(".osscb-stepper")
    stepper.scroll_into_view_if_needed()
    next_button = stepper.get_by_role("button", name="Next")
    stepper.get_by_text("Step 1 of 7").wait_for(state="visible")
    for n in range(2, 8):
        next_button.click()
        stepper.get_by_text(f"Step {n} of 7").wait_for(state="visible")
        if n == 5:
            # the string to sign shows its single LF
            assert stepper.get_by_text("/index.php?id=1&index=2").first.is_visible()
            screenshot(stepper, "stepper-string-to-sign")
    assert next_button.is_disabled()
    card = stepper.locator(".osscb-ok").first
    assert "RSA verify" in card.inner_text()
    assert "PASS" in card.inner_text()
    stepper.get_by_text("Signature verified").wait_for(state="visible")
    screenshot(stepper, "stepper-rsa-verified")

    # --- cell magic: an invalid definition shows OSS's message and EC, no traceback -------------
    magic_out = cell_output(page, 3)
    magic_out.get_by_text("The callback body is empty.").wait_for(state="visible")
    assert "Traceback" not in magic_out.inner_text()
    # ${...} in the hint is shown as written, not typeset as LaTeX by JupyterLab's MathJax
    assert "bucket=${bucket}&object=${object}" in magic_out.inner_text()
    assert magic_out.locator("mjx-container").count() == 0
    screenshot(magic_out, "magic-invalid")

    # --- timeline: a 203 after a slow callback is drawn red with the budget overrun -------------
    timeline = page.locator(".osscb-timeline")
    timeline.scroll_into_view_if_needed()
    assert "203 CallbackFailed" in timeline.inner_text()
    assert "5600 ms of 5000 ms" in timeline.inner_text()
    screenshot(timeline, "timeline-203")

    # --- cell magic, valid: Base64, the three transports, the JSON body OSS would send ----------
    valid_out = cell_output(page, 5)
    valid_out.scroll_into_view_if_needed()
    text = valid_out.inner_text()
    assert "OSS would accept this callback." in text and "x-oss-callback-var" in text
    assert '{"object":"uploads/photo 1.jpg","size":26,"uid":"42"}' in text
    screenshot(valid_out, "magic-valid")
