"""Static views (GitHub, nbviewer, JupyterLab before a kernel runs, Binder while it starts) show the
kit's widgets from the ipywidgets state saved in each notebook. nbconvert renders a saved notebook to
HTML the way those viewers do; every widget view in that HTML must resolve to saved state, and the
state must hold what the widget showed (the builder's verdict, the stepper's steps, the timeline)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
SCRIPT = re.compile(r'<script type="(?P<mime>application/vnd\.jupyter\.widget-(?:state|view)\+json)">\s*(?P<json>.*?)\s*</script>',
                    re.DOTALL)
# The kit's widgets mark their root box with one of these DOM classes.
EXPECTED = {
    "01-quickstart.ipynb": {"osscb-builder", "osscb-timeline", "osscb-stepper"},
    "02-callback-parameters.ipynb": {"osscb-builder"},
    "03-receiver-and-tunnels.ipynb": {"osscb-receiver-panel", "osscb-upload-panel"},
    "04-uploads.ipynb": {"osscb-upload-panel"},
    "05-verify-signature.ipynb": {"osscb-stepper"},
    "06-troubleshooting-lab.ipynb": {"osscb-receiver-panel", "osscb-timeline", "osscb-stepper"},
    "09-check-your-server.ipynb": {"osscb-probe"},
}


def _render(name: str) -> tuple[dict[str, Any], list[str]]:
    """The widget state and the widget views' model ids found in the notebook's HTML rendering."""
    html, _ = HTMLExporter().from_notebook_node(nbformat.read(NOTEBOOKS / name, as_version=4))
    state: dict[str, Any] = {}
    views: list[str] = []
    for match in SCRIPT.finditer(html):
        doc = json.loads(match.group("json"))
        if match.group("mime") == STATE_MIME:
            state.update(doc["state"])
        else:
            views.append(doc["model_id"])
    return state, views


def _descendants(state: dict[str, Any], model_id: str) -> list[dict[str, Any]]:
    """The model and every model it references (children, tabs, layouts), depth first."""
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    stack = [model_id]
    while stack:
        mid = stack.pop()
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        model = state[mid]
        found.append(model)
        refs = json.dumps(model["state"])
        stack.extend(re.findall(r'"IPY_MODEL_([0-9a-f]+)"', refs))
    return found


def _text_of(state: dict[str, Any], model_id: str) -> str:
    return "\n".join(str(m["state"].get("value", "")) for m in _descendants(state, model_id))


def _roots(state: dict[str, Any], views: list[str], dom_class: str) -> list[str]:
    return [v for v in views if dom_class in state.get(v, {}).get("state", {}).get("_dom_classes", [])]


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_every_widget_view_resolves_to_saved_state(name: str) -> None:
    state, views = _render(name)
    assert state, f"{name}: no saved widget state in its HTML rendering (run notebooks/build.py)"
    assert views, f"{name}: no widget view in its HTML rendering"
    missing = [v for v in views if v not in state]
    assert not missing, f"{name}: widget views without saved state: {missing}"
    for dom_class in EXPECTED[name]:
        assert _roots(state, views, dom_class), f"{name}: no {dom_class} widget among the rendered views"


def test_quickstart_static_view_shows_builder_timeline_and_stepper() -> None:
    state, views = _render("01-quickstart.ipynb")
    (builder,) = _roots(state, views, "osscb-builder")
    text = _text_of(state, builder)
    assert "VALID" in text and "OSS would accept this callback." in text
    assert "eyJjYWxsYmFja1VybCI6" in text  # the live Base64 of the callback
    (timeline,) = _roots(state, views, "osscb-timeline")
    assert "<svg" in _text_of(state, timeline) and "photos/hello.txt" in _text_of(state, timeline)
    (stepper,) = _roots(state, views, "osscb-stepper")
    text = _text_of(state, stepper)
    assert "Step 1 of 7" in text and "7. RSA verify" in text


def test_tampered_g1_static_view_stops_at_the_failing_step() -> None:
    state, views = _render("05-verify-signature.ipynb")
    steppers = [_text_of(state, v) for v in _roots(state, views, "osscb-stepper")]
    assert any("Step 7 of 7" in t and "FAIL" in t and "Likely cause" in t for t in steppers), steppers


def test_probe_static_view_shows_the_findings_and_the_stepper_on_the_forged_request() -> None:
    state, views = _render("09-check-your-server.ipynb")
    (panel,) = _roots(state, views, "osscb-probe")
    text = _text_of(state, panel)
    assert "Findings, most severe first" in text and "forged-key-url" in text and "reply-bom" in text
    assert "Check the key URL against the allowlist" in text and "untrusted: not fetched" in text
