"""The layers (#14): magics and widgets do not import each other, the magics' plain functions run
without ipywidgets, and each list (tunnels, operations, modes, widget names) is defined once."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import osscb_notebook

PACKAGE = Path(osscb_notebook.__file__).parent

NO_IPYWIDGETS = textwrap.dedent('''
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "ipywidgets" or name.startswith("ipywidgets."):
                raise ImportError("ipywidgets is not installed (blocked by the test)")
            return None

    sys.meta_path.insert(0, Block())
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the import hook did not block ipywidgets")

    from IPython.core.interactiveshell import InteractiveShell
    from osscb_notebook.magics import (get_session, osscb_callback, osscb_history, osscb_receiver,
                                       osscb_status, osscb_upload, osscb_verify)

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "osscb_notebook")
    assert osscb_receiver("start", mode="thread").ok
    d = osscb_callback("callbackUrl: {receiver}/plain\\ncallbackBody: o=${object}", snippets=False)
    assert d.ok and "Valid callback definition." in repr(d)
    assert osscb_upload("plain.txt", text="hi").ok
    get_session().receiver.wait_for(1)
    assert "POST /plain VERIFIED" in repr(osscb_history())
    assert osscb_verify().ok and "backend: emulator" in repr(osscb_status())
    assert ip.run_line_magic("osscb_upload", "magic.txt").ok
    ui = ip.run_line_magic("osscb_ui", "builder")
    assert not ui.ok and "ipywidgets" in repr(ui), repr(ui)
    ip.run_line_magic("unload_ext", "osscb_notebook")
    loaded = sorted(m for m in sys.modules if m.startswith(("ipywidgets", "osscb_notebook.widgets")))
    assert not loaded, loaded
    print("OK")
''')


def test_magics_import_and_run_without_ipywidgets() -> None:
    done = subprocess.run([sys.executable, "-c", NO_IPYWIDGETS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("OK"), done.stdout + done.stderr


def _imports(module_dir: Path) -> set[str]:
    """Every ``osscb_notebook`` module imported (at any level) by the files in ``module_dir``."""
    found: set[str] = set()
    for path in module_dir.glob("*.py"):
        pkg = "osscb_notebook." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                name = (base + "." + node.module if node.module else base) if node.level else (node.module or "")
                found.add(name)
                found.update(f"{name}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("osscb_notebook."):
                found.add(node.value)
    return found


def test_magics_and_widgets_do_not_import_each_other() -> None:
    magics, widgets = _imports(PACKAGE / "magics"), _imports(PACKAGE / "widgets")
    assert not [m for m in magics if m.startswith("osscb_notebook.widgets") or m.startswith("ipywidgets")], magics
    assert not [m for m in widgets if m.startswith("osscb_notebook.magics")], widgets
    for lower in ("session", "display", "params"):
        assert not [m for m in _imports(PACKAGE / lower) if m.startswith(("osscb_notebook.magics", "ipywidgets"))], lower


def test_each_list_is_defined_once() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from osscb_notebook.config import TUNNELS, Osscb
    from osscb_notebook.magics.commands import OsscbMagics
    from osscb_notebook.receiver import MODES
    from osscb_notebook.session.widgets import WIDGET_NAMES
    from osscb_notebook.tunnels import PROVIDERS, registry
    from osscb_notebook.upload import OPERATIONS
    from osscb_notebook.widgets.factories import WIDGET_FACTORIES

    assert TUNNELS == ("none", *registry.names()) == registry.choices() and tuple(PROVIDERS) == registry.names()
    assert tuple(Osscb.class_traits()["tunnel"].values) == TUNNELS
    assert tuple(Osscb.class_traits()["receiver_mode"].values) == MODES
    assert tuple(WIDGET_FACTORIES) == WIDGET_NAMES
    assert registry.provider("ssh").required == ("host",) and registry.provider("local").required == ()
    magics = OsscbMagics(shell=InteractiveShell.instance())

    def choices(magic: str, dest: str) -> tuple[str, ...]:
        parser = getattr(magics, magic).parser
        return tuple(next(a for a in parser._actions if a.dest == dest).choices)

    assert choices("osscb_receiver", "tunnel") == TUNNELS and choices("osscb_receiver", "mode") == MODES
    assert choices("osscb_upload", "operation") == OPERATIONS and choices("osscb_ui", "name") == WIDGET_NAMES
