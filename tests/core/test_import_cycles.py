"""No import cycle inside ``osscb_notebook`` (issue #20 item 5): every ``import`` and ``from ...
import`` in every module, at module level or inside a function (a lazy import still closes a
cycle), is an edge; only ``if TYPE_CHECKING:`` blocks are left out, since they never run."""

from __future__ import annotations

import ast
from pathlib import Path

import osscb_notebook

ROOT = Path(osscb_notebook.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["osscb_notebook", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, source: str, *, is_package: bool, modules: frozenset[str] | dict[str, Path] = MODULES
               ) -> set[str]:
    """The ``modules`` that ``source`` imports (the most specific module each import names)."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit_node(other)
            else:
                visit_node(child)

    def visit_node(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in modules:
                    found.add(f"{module}.{alias.name}")
                elif module in modules:
                    found.add(module)
        visit(node)

    visit(ast.parse(source))
    found.discard(name)
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_package_has_no_import_cycle() -> None:
    graph = {name: imports_of(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
             for name, path in MODULES.items()}
    assert find_cycles(graph) == []


def test_the_walker_sees_a_lazy_import_cycle() -> None:
    # the shape of the cycle issue #20 item 5 removed: a function-level import back into a caller
    modules = frozenset({"p._a", "p.emulator", "p.emulator._b"})
    graph = {"p._a": imports_of("p._a", "def f():\n    from .emulator._b import g\n", is_package=False,
                                modules=modules),
             "p.emulator._b": imports_of("p.emulator._b", "from .._a import f\n", is_package=False, modules=modules)}
    assert graph == {"p._a": {"p.emulator._b"}, "p.emulator._b": {"p._a"}}
    assert find_cycles(graph) == [["p._a", "p.emulator._b"]]
    assert find_cycles({"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}) == [["x", "y", "z"]]


def test_type_checking_imports_are_not_edges() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._app import App\n"
    assert imports_of("osscb_notebook.emulator._ops", source, is_package=False) == set()
