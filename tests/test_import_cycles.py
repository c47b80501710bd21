"""The emulator's handlers do not import its app, not even for a type under ``TYPE_CHECKING``.

The two imported each other (issue 20): the app for the handler tables, the
handlers for the ``Emulator`` type. The handlers name what they use in a
Protocol instead, so the app is the upper layer only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import graph_contracts

PACKAGE = Path(graph_contracts.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["graph_contracts", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules ``path`` imports, by its ``import`` and ``from`` statements anywhere in it."""
    name = _module_name(path)
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


def test_the_emulator_handlers_do_not_import_the_app() -> None:
    handlers = PACKAGE / "graph" / "emulator" / "handlers.py"
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    assert "graph_contracts.graph.emulator.app" not in _imports(handlers, modules)
