"""Receiver and upload panels in a real JupyterLab + Chromium: upload to the emulator, see the
callback row appear, break the reply to get a loud 203, step through the received callback."""

from __future__ import annotations

import pytest

from .conftest import screenshot
from .helpers import open_notebook, run_all

pytestmark = pytest.mark.browser


def test_upload_to_emulator_shows_callback_row(lab, page) -> None:  # type: ignore[no-untyped-def]
    open_notebook(page, lab, "receiver_upload.ipynb")
    run_all(page)

    receiver = page.locator(".osscb-receiver-panel")
    uploader = page.locator(".osscb-upload-panel")
    receiver.get_by_text("STOPPED").wait_for(state="visible")
    assert "No receiver is running" in uploader.inner_text()
    receiver.get_by_role("button", name="Start").click()
    receiver.get_by_text("RUNNING").wait_for(state="visible")
    assert receiver.get_by_text("No callbacks yet.").is_visible()
    # the upload panel follows: its callback now goes to the receiver
    uploader.get_by_text("to http://127.0.0.1:").wait_for(state="visible")

    # --- upload: the callback row appears, verified, and the client got 200 with the reply -----
    uploader.scroll_into_view_if_needed()
    uploader.get_by_role("button", name="Upload").click()
    uploader.get_by_text("Stored, callback delivered.", exact=True).wait_for(state="visible")
    assert '{"Status":"OK"}' in uploader.inner_text()
    row = receiver.locator("table.osscb-history tr.osscb-row")
    row.first.wait_for(state="visible")
    assert row.count() == 1
    assert "VERIFIED" in row.first.inner_text()
    assert "POST /callback" in row.first.inner_text()
    receiver.scroll_into_view_if_needed()
    screenshot(receiver, "receiver-one-callback")
    screenshot(uploader, "upload-200")

    # --- break the reply (status 500): the client gets a loud 203 CallbackFailed ---------------
    receiver.locator("select").filter(has_text="auto (200 if verified").select_option(label="500 Server Error")
    receiver.get_by_role("button", name="Apply reply").click()
    receiver.get_by_text("Reply settings applied").wait_for(state="visible")
    uploader.get_by_role("button", name="Upload").click()
    uploader.get_by_text("The object IS stored, but the callback FAILED.", exact=True).wait_for(state="visible")
    assert "Error status : 500." in uploader.inner_text()
    assert row.count() == 2
    uploader.scroll_into_view_if_needed()
    screenshot(uploader, "upload-203")

    # --- the detail view and the stepper on the received callback -------------------------------
    receiver.get_by_role("tab", name="Pretty").click()
    assert receiver.get_by_text("photos/cat.jpg").first.is_visible()
    receiver.get_by_role("button", name="Step through").click()
    stepper = page.locator(".osscb-stepper")
    stepper.get_by_text("Step 1 of 7").wait_for(state="visible")
    for n in range(2, 8):
        stepper.get_by_role("button", name="Next").click()
        stepper.get_by_text(f"Step {n} of 7").wait_for(state="visible")
    stepper.get_by_text("Signature verified").wait_for(state="visible")
    stepper.scroll_into_view_if_needed()
    screenshot(stepper, "stepper-emulator-callback")

    # --- a file chosen with FileUpload, uploaded with the reply back to auto ---------------------
    receiver.locator("select").filter(has_text="500 Server Error").select_option(label="auto (200 if verified, else 400)")
    receiver.get_by_role("button", name="Apply reply").click()
    uploader.get_by_role("button", name="file (choose below)").click()
    with page.expect_file_chooser() as chooser:
        uploader.get_by_role("button", name="Choose file").click()
    chooser.value.set_files(files=[{"name": "report.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}])
    uploader.get_by_role("button", name="Choose file (1)").wait_for(state="visible")
    uploader.get_by_role("button", name="Upload").click()
    uploader.get_by_text("Stored, callback delivered.", exact=True).wait_for(state="visible")
    row.nth(2).wait_for(state="visible")  # the third callback
    assert "VERIFIED" in row.nth(2).inner_text() and "200" in row.nth(2).inner_text()
    receiver.get_by_role("tab", name="Raw body").click()
    raw = receiver.inner_text()  # the newest callback is selected: report.csv's
    assert "object=uploads%2Freport.csv" in raw and "size=8&" in raw and "mimeType=text%2Fcsv" in raw
    receiver.scroll_into_view_if_needed()
    screenshot(receiver, "receiver-three-callbacks")
