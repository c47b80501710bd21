"""No module of ``graph_contracts`` imports, through any chain, a module that imports it back.

A cycle counts however it is written: at the top of a module, inside a
function, or under ``TYPE_CHECKING`` (a type-only cycle still ties the two
modules into one, for a reader and for the next change). Issue 20 removed the
last ones: the emulator's app and its handlers, and later ``graph.client`` and
``graph.paging``, the emulator's app and ``users``, ``permissions.build`` and
``permissions.data``, ``sdk.behaviour`` and ``sdk.wire``. Each now depends on
a Protocol or a lower module instead.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import graph_contracts

PACKAGE = Path(graph_contracts.__file__).parent
#: The compiled extensions (each named by its .pyi stub).
EXTENSIONS = frozenset(p.stem for p in PACKAGE.rglob("_*.pyi"))


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str], root: Path = PACKAGE) -> set[str]:
    """The package's modules ``path`` imports, by its ``import`` and ``from`` statements anywhere in it."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module or "").split(".")]).strip(".") if node.level else node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    out.add(f"{target}.{alias.name}")
                elif target in modules:
                    out.add(target)
    return out - {name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of the package under ``root`` and the package's modules it imports."""
    paths = sorted(root.rglob("*.py"))
    # A compiled extension (autopilot/_hashwalk) is a module too: its stub names it, and it imports nothing.
    modules = {_module_name(p, root) for p in paths} | {_module_name(p, root) for p in root.rglob("*.pyi")}
    return {_module_name(p, root): _imports(p, modules, root) for p in paths}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle, as a path that returns to its start, for each strongly connected group of modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_in(group, graph) for group in groups]


def _path_in(group: set[str], graph: Mapping[str, set[str]]) -> list[str]:
    """A shortest way from the group's first module back to itself, inside the group."""
    start = min(group)
    came: dict[str, str] = {}
    frontier = [start]
    while frontier:
        ahead = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if nxt not in came:
                    came[nxt] = node
                    ahead.append(nxt)
        frontier = ahead
    raise AssertionError(f"no way back to {start} in {sorted(group)}")


def test_the_package_has_no_import_cycle() -> None:
    found = [" -> ".join(cycle) for cycle in cycles(import_graph())]
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_the_cycle_finder_names_a_cycle_of_two_and_of_three() -> None:
    graph = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(cycles(graph)) == [["a", "b", "a"], ["c", "d", "e", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_function_level_and_type_checking_imports_count(tmp_path: Path) -> None:
    package = tmp_path / "graph_contracts"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from .high import g\n    return g\n")
    (package / "high.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from graph_contracts.low import f\n"
    )
    graph = import_graph(package)
    assert graph["graph_contracts.low"] == {"graph_contracts.high"}
    assert graph["graph_contracts.high"] == {"graph_contracts.low"}
    assert cycles(graph) == [["graph_contracts.high", "graph_contracts.low", "graph_contracts.high"]]


def test_the_emulator_handlers_do_not_import_the_app() -> None:
    handlers = PACKAGE / "graph" / "emulator" / "handlers.py"
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    assert "graph_contracts.graph.emulator.app" not in _imports(handlers, modules)


def test_no_private_name_crosses_modules() -> None:
    # A leading underscore says "this module's own"; a name another module needs is public, with a docstring.
    # The one exception is a compiled extension, private by its name, which its Python wrapper imports.
    crossing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("graph_contracts")):
                crossing += [
                    f"{_module_name(path)}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name[0] == "_" and not a.name.startswith("__") and a.name not in EXTENSIONS
                ]
    assert crossing == []
