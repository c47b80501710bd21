"""The command line is one door: no module outside ``graph_contracts.cli`` names a flag of its parser.

Library code names *settings* (``jobs``, ``type``, ``write_baseline``); ``cli/flags.py`` turns them
into the flags the user typed. A ``--flag`` of graph-contracts' own parser written into a string
outside ``cli/`` is a message or a command line that goes stale when the flag is renamed, and that
a Python caller (who never typed a flag) cannot act on. Docstrings and comments may explain the
CLI's behaviour; string constants may not name its flags.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import graph_contracts
from graph_contracts.cli.parser import build_parser

SOURCE = Path(graph_contracts.__file__).parent
#: What may use flags: the CLI itself, and the pytest plugin (its options are pytest's command line).
OUTSIDE = ("cli/", "pytest_plugin.py")
#: (module, flag) -> why that string is not graph-contracts' flag but another command line's.
ALLOWED = {
    ("mainjob.py", "--graph-endpoint"): "the pytest command line of the suite: the plugin's option",
    ("mainjob.py", "--graph-version"): "the pytest command line of the suite: the plugin's option",
    ("mainjob.py", "--junitxml"): "the pytest command line of the suite: pytest's own JUnit writer",
    ("sdk/compare.py", "--quiet"): "uv's and pip's own option, in the command that installs a release",
    ("suite/durations.py", "--durations"): "a pytest plugin's summary heading (as pytest_plugin.py's output)",
}
#: A flag-looking word in a string: ``--type`` or ``--write-baseline=...``, not ``a--b`` nor ``---``.
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
#: Calls that register options of another command line (pytest's ``addoption``, a script's own argparse).
REGISTERING = frozenset({"add_argument", "addoption"})


def parser_flags(parser: argparse.ArgumentParser) -> set[str]:
    """Every ``--long`` option string of ``parser`` and of its subcommands, all the way down."""
    flags: set[str] = set()
    for action in parser._actions:
        flags.update(s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags |= parser_flags(sub)
    return flags


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring constants of a module, its classes and its functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _registered(tree: ast.AST) -> set[int]:
    """The ids of the option names given to ``add_argument``/``addoption``: another program's own flags."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in REGISTERING:
            found.update(id(arg) for arg in node.args if isinstance(arg, ast.Constant))
    return found


def flag_strings(source: str, flags: set[str]) -> list[tuple[int, str]]:
    """(line, flag) for each of ``flags`` named in a string constant of ``source`` (f-string parts too).

    Comments are not in the tree; docstrings and option registrations are left out.
    """
    tree = ast.parse(source)
    skip = _docstrings(tree) | _registered(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            hits += [(node.lineno, word) for word in FLAG.findall(node.value) if word in flags]
    return sorted(hits)


def library_modules() -> list[tuple[str, Path]]:
    modules = [(p.relative_to(SOURCE).as_posix(), p) for p in sorted(SOURCE.rglob("*.py"))]
    return [(name, path) for name, path in modules if not name.startswith(OUTSIDE)]


def test_the_parser_has_the_flags_this_test_looks_for() -> None:
    flags = parser_flags(build_parser())
    # sub-subcommands included (csv to-payload's --batch-size), so the walk reaches the whole tree
    assert {"--jobs", "--type", "--write-baseline", "--emulator-admin", "--batch-size"} <= flags


def test_the_scan_finds_a_flag_in_a_message_and_ignores_docstrings_and_comments() -> None:
    source = (
        '"""Run with ``--jobs N``."""\n'
        "def f(n):\n"
        '    """``--type`` explained."""\n'
        "    # --tag in a comment\n"
        '    parser.add_argument("--tag")\n'
        '    raise ValueError(f"{n}: try again without --jobs")\n'
    )
    assert flag_strings(source, {"--jobs", "--type", "--tag"}) == [(6, "--jobs")]


def test_no_library_module_names_a_flag_of_the_command_line() -> None:
    flags = parser_flags(build_parser())
    found = [
        f"{name}:{line}: {flag}"
        for name, path in library_modules()
        for line, flag in flag_strings(path.read_text(encoding="utf-8"), flags)
        if (name, flag) not in ALLOWED
    ]
    assert not found, (
        "library code names command-line flags; name the setting (ConfigurationError.setting, errors.Setting) "
        "and add it to cli/flags.py's FLAGS:\n" + "\n".join(found)
    )


def test_every_allowed_exception_is_still_needed() -> None:
    flags = parser_flags(build_parser())
    used = {
        (name, flag) for name, path in library_modules() for _, flag in flag_strings(path.read_text("utf-8"), flags)
    }
    assert set(ALLOWED) <= used, f"no longer needed, remove from ALLOWED: {sorted(set(ALLOWED) - used)}"


#: Library modules that may parse arguments and print: a maintainer's script of its own (``python -m``).
OWN_SCRIPTS = {"permissions/build.py": "python -m graph_contracts.permissions.build, run by maintainers"}


def command_line_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of argparse, print, exit or sys.stdout/stderr in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(alias.name == "argparse" for alias in node.names):
            found.append((node.lineno, "import argparse"))
        elif isinstance(node, ast.ImportFrom) and node.module == "argparse":
            found.append((node.lineno, "from argparse import"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"print", "exit"}:
            found.append((node.lineno, f"{node.func.id}()"))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
            and node.attr in {"exit", "stdout", "stderr", "argv"}
        ):
            found.append((node.lineno, f"sys.{node.attr}"))
    return sorted(found)


def test_the_scan_finds_printing_and_parsing() -> None:
    source = 'import argparse\nimport sys\nprint("x")\nsys.stderr.write("y")\ncode = "sys.exit(1)"\n'
    assert command_line_uses(source) == [(1, "import argparse"), (3, "print()"), (4, "sys.stderr")]


def test_no_library_module_parses_arguments_prints_or_exits() -> None:
    found = [
        f"{name}:{line}: {what}"
        for name, path in library_modules()
        if name not in OWN_SCRIPTS
        for line, what in command_line_uses(path.read_text(encoding="utf-8"))
    ]
    assert not found, "only graph_contracts.cli parses arguments, prints or exits:\n" + "\n".join(found)
    assert all(command_line_uses((SOURCE / name).read_text(encoding="utf-8")) for name in OWN_SCRIPTS)
