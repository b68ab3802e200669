"""The nine teaching notebooks, run as a learner runs them: JupyterLab in Debian's Chromium, Run All
Cells (07's credential prompt answered with Enter), no error output, the kit's widgets rendered; on 01
the stepper clicked through to RSA verify, on 03 the receiver panel's reply broken to get a 203, on 09 the
probe panel's Step through buttons.
Screenshots of every widget go to test-artifacts/screenshots/ in the light and the dark theme."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, screenshot
from .helpers import wait_idle

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# the kit's widgets mark their root box with these classes
WIDGETS = {
    "01-quickstart.ipynb": ("osscb-builder", "osscb-timeline", "osscb-stepper"),
    "02-callback-parameters.ipynb": ("osscb-builder",),
    "03-receiver-and-tunnels.ipynb": ("osscb-receiver-panel", "osscb-upload-panel"),
    "04-uploads.ipynb": ("osscb-upload-panel",),
    "05-verify-signature.ipynb": ("osscb-stepper",),
    "06-troubleshooting-lab.ipynb": ("osscb-receiver-panel", "osscb-timeline", "osscb-stepper"),
    "09-check-your-server.ipynb": ("osscb-probe",),
}
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ALL_RAN = f"""() => {{
    const prompts = [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}}"""


def open_teaching_notebook(page: Any, lab: Any, path: str) -> None:
    """helpers.open_notebook with room for a slow kernel start: on a loaded 2-core machine a kernel
    can take longer than Playwright's 30 s default to report idle."""
    lab.start_kernel(path)
    page.goto(lab.url(f"/lab/tree/{path}") + "&reset")
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible", timeout=120_000)
    page.locator(".jp-NotebookPanel .jp-KernelName", has_text="Python 3").first.wait_for(state="visible", timeout=120_000)
    wait_idle(page, timeout=120_000)


def run_all_answering_prompts(page: Any, timeout_s: float = 120) -> None:
    """Run > Run All Cells; an input() or getpass() prompt gets an empty answer (Enter)."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu li[data-command='runmenu:run-all']").click()
    for _ in range(int(timeout_s * 4)):
        stdin = page.locator(f"{PANEL} input.jp-Stdin-input")
        if stdin.count():
            stdin.first.press("Enter")
        if page.evaluate(ALL_RAN):
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError(f"not every cell ran within {timeout_s} s")
    wait_idle(page, timeout=120_000)


def set_theme(page: Any, name: str) -> None:
    page.get_by_role("menuitem", name="Settings", exact=True).click()
    page.locator(".lm-Menu li", has_text="Theme").first.hover()
    page.get_by_role("menuitem", name=name, exact=True).click()
    light = "true" if "Light" in name else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
    # JupyterLab shows its splash while the new theme loads: a page screenshot would show only that
    page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=30_000)


def shut_down_kernels(lab: Any) -> None:
    sessions = lab.api("/api/sessions")
    for session in sessions:  # type: ignore[union-attr]
        req = urllib.request.Request(f"{lab.base}/api/sessions/{session['id']}", method="DELETE",
                                     headers={"Authorization": f"token {lab.token}"})
        urllib.request.urlopen(req, timeout=30).close()


def _quickstart_stepper_to_rsa_verify(page: Any) -> None:
    stepper = page.locator(".osscb-stepper")
    stepper.scroll_into_view_if_needed()
    stepper.get_by_text("Step 1 of 7").wait_for(state="visible")
    for n in range(2, 8):
        stepper.get_by_role("button", name="Next").click()
        stepper.get_by_text(f"Step {n} of 7").wait_for(state="visible")
    card = stepper.get_by_text("7. RSA verify (PKCS#1 v1.5, MD5)", exact=True)
    card.wait_for(state="visible")
    assert stepper.get_by_text("PASS", exact=True).first.is_visible()
    stepper.get_by_text("Signature verified: this callback was signed by the holder of the key.").wait_for(state="visible")


def _receiver_panel_reply_500_gives_203(page: Any) -> None:
    receiver = page.locator(".osscb-receiver-panel")
    uploader = page.locator(".osscb-upload-panel")
    rows = receiver.locator("table.osscb-history tr.osscb-row")
    before = rows.count()
    # the notebook left the reply on auto: an upload is delivered
    uploader.scroll_into_view_if_needed()
    uploader.get_by_role("button", name="Upload").click()
    uploader.get_by_text("Stored, callback delivered.", exact=True).wait_for(state="visible")
    rows.nth(before).wait_for(state="visible")
    # break the reply in the panel, upload again: stored, but 203 CallbackFailed
    receiver.locator("select").filter(has_text="auto (200 if verified").select_option(label="500 Server Error")
    receiver.get_by_role("button", name="Apply reply").click()
    uploader.get_by_role("button", name="Upload").click()
    uploader.get_by_text("The object IS stored, but the callback FAILED.", exact=True).wait_for(state="visible")
    assert "Error status : 500." in uploader.inner_text()
    rows.nth(before + 1).wait_for(state="visible")
    assert "500" in rows.nth(before + 1).inner_text()


def _probe_step_through(page: Any) -> None:
    """The naive server's findings: Step through on reply-bom shows a request that verifies and the BOM it
    got back; on forged-key-url the stepper stops at the allowlist (the state the screenshots show)."""
    panel = page.locator(".osscb-probe")
    panel.scroll_into_view_if_needed()
    panel.get_by_text("Findings, most severe first").wait_for(state="visible")

    def step_through(check_id: str) -> None:
        panel.locator(f"button[title='open the {check_id} request in the verification stepper']").click()

    step_through("reply-bom")
    panel.get_by_text("\\xef\\xbb\\xbf", exact=False).first.wait_for(state="visible")
    panel.locator(".osscb-stepper").get_by_text("Step 1 of 7").wait_for(state="visible")
    step_through("forged-key-url")
    stepper = panel.locator(".osscb-stepper")
    stepper.get_by_text("Step 2 of 7").wait_for(state="visible")
    stepper.get_by_text("untrusted: not fetched").first.wait_for(state="visible")


@pytest.mark.parametrize("name", NOTEBOOKS, ids=[n[:2] for n in NOTEBOOKS])
def test_teaching_notebook_runs_in_jupyterlab(lab, page, name: str) -> None:  # type: ignore[no-untyped-def]
    try:
        open_teaching_notebook(page, lab, f"teaching/{name}")
        run_all_answering_prompts(page)

        errors = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"{name}: error output: {errors.first.inner_text()[:2000]}"
        for cls in WIDGETS.get(name, ()):
            page.locator(f"{PANEL} .{cls}").first.wait_for(state="visible")

        if name.startswith("01"):
            _quickstart_stepper_to_rsa_verify(page)
        if name.startswith("03"):
            _receiver_panel_reply_500_gives_203(page)
        if name.startswith("09"):
            _probe_step_through(page)

        stem = Path(name).stem
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            if theme != "JupyterLab Light":
                set_theme(page, theme)
            suffix = "light" if "Light" in theme else "dark"
            for cls in WIDGETS.get(name, ()):
                widget = page.locator(f"{PANEL} .{cls}").first
                widget.scroll_into_view_if_needed()
                screenshot(widget, f"notebook-{stem}-{cls.removeprefix('osscb-')}-{suffix}")
            if not WIDGETS.get(name):
                screenshot(page, f"notebook-{stem}-{suffix}")
    finally:
        if page.locator("body[data-jp-theme-light='false']").count():
            set_theme(page, "JupyterLab Light")  # the theme is a user setting: leave it as the other tests expect
        shut_down_kernels(lab)


def test_every_teaching_notebook_is_listed() -> None:
    assert len(NOTEBOOKS) == 9, NOTEBOOKS
    assert set(WIDGETS) <= set(NOTEBOOKS)
    assert json.loads((REPO / "notebooks" / NOTEBOOKS[0]).read_text())["metadata"].get("widgets"), "01 has no saved widget state"
