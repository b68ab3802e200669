"""Driving a JupyterLab notebook from Playwright: open, run all cells, wait for the kernel."""

from __future__ import annotations

from typing import Any


def open_notebook(page: Any, lab: Any, name: str) -> None:
    """Open ``name`` in a fresh workspace and wait until its kernel is idle."""
    lab.start_kernel(name)
    page.goto(lab.url(f"/lab/tree/{name}") + "&reset")
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible", timeout=60_000)
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(state="attached")
    # the kernel name in the toolbar is shown once the panel is attached to the session
    page.locator(".jp-NotebookPanel .jp-KernelName", has_text="Python 3").first.wait_for(state="visible")


def wait_idle(page: Any, timeout: float = 60_000) -> None:
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached", timeout=timeout)


def run_all(page: Any) -> None:
    """Run > Run All Cells, then wait for every code cell to have an execution count."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu li[data-command='runmenu:run-all']").click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=60_000,
    )
    wait_idle(page)


def cell_output(page: Any, index: int) -> Any:
    """The output area of the ``index``-th code cell (0-based)."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").nth(index).locator(".jp-OutputArea")
