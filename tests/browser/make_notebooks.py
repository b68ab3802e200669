"""Regenerate the notebooks the browser tests open: ``python tests/browser/make_notebooks.py``."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent / "notebooks"

NOTEBOOKS = {
    "builder_stepper.ipynb": [
        new_markdown_cell("# Builder and stepper (browser test)"),
        new_code_cell("%load_ext osscb_notebook\nfrom osscb_notebook.widgets import CallbackBuilder, VerificationStepper, Timeline, Exchange"),
        new_code_cell("builder = CallbackBuilder()\nbuilder"),
        new_code_cell("stepper = VerificationStepper(open('g1.http', 'rb').read())\nstepper"),
        new_code_cell("%%osscb_callback --no-snippets\ncallbackUrl: http://example.com/cb\ncallbackBody: \n"),
        new_code_cell("Timeline(Exchange(key='photo.jpg', status=203, callback_status=200, callback_ms=5600, total_ms=5650,\n"
                      "                   message='Error status : -1 reply timeout, cost:5600ms, timeout:5000ms'))"),
        new_code_cell('%%osscb_callback --snippets\ncallbackUrl: https://cb.example.com/oss\ncallbackSNI: true\n'
                      'callbackBody: {"object":${object},"size":${size},"uid":${x:uid}}\ncallbackBodyType: application/json\nx:uid: 42'),
    ],
    "receiver_upload.ipynb": [
        new_markdown_cell("# Receiver and upload panels (browser test)"),
        new_code_cell("%load_ext osscb_notebook\nfrom osscb_notebook.widgets import ReceiverPanel, UploadPanel, VerificationStepper"),
        new_code_cell("%osscb_status"),
        new_code_cell("stepper = VerificationStepper()\nreceiver_panel = ReceiverPanel(stepper=stepper)\nreceiver_panel"),
        new_code_cell("upload_panel = UploadPanel()\nupload_panel"),
        new_code_cell("stepper"),
    ],
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    main()
