"""The ``graph_contracts.validation`` package: its public face, and the one module that drives the batch checks.

The package was split out of four modules (``validation``, ``validate_files``,
``parallel``, ``results``); these tests keep the names users import working and
the checks across records (``BatchChecker``: batch size, duplicates) in the one
place ``Validator.check_stream`` documents, so a second driver cannot creep back in.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import graph_contracts
import graph_contracts.validation

SRC = Path(graph_contracts.__file__).parent


@pytest.mark.parametrize("name", graph_contracts.__all__)
def test_every_public_name_of_the_package_resolves(name: str) -> None:
    assert getattr(graph_contracts, name) is not None


@pytest.mark.parametrize("name", graph_contracts.validation.__all__)
def test_every_name_of_the_validation_face_resolves(name: str) -> None:
    value = getattr(graph_contracts.validation, name)
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and module.startswith("graph_contracts.validation."):
        # What the face gives is the very object of the module that defines it.
        assert getattr(importlib.import_module(module), name) is value


def test_the_validator_names_users_import_are_the_ones_the_package_exports() -> None:
    from graph_contracts import PROFILES, UnknownContractError, Validator, check_autopilot_csv, validate
    from graph_contracts.validation import files, validator

    assert Validator is validator.Validator and validate is validator.validate
    assert check_autopilot_csv is files.check_autopilot_csv
    assert PROFILES == ("contract", "upload")
    assert issubclass(UnknownContractError, LookupError)


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    used |= {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    return used


def test_only_the_validator_module_drives_the_batch_checks() -> None:
    # Defined in autopilot.batch and re-exported by autopilot/__init__; used (built, subclassed,
    # called) by validation/validator.py alone.
    users = sorted(str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if "BatchChecker" in _names_used(path))
    assert users == ["autopilot/__init__.py", "autopilot/batch.py", "validation/validator.py"]


def test_no_module_of_the_package_imports_a_private_name_of_another() -> None:
    crossing = []
    for path in sorted((SRC / "validation").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                crossing += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert crossing == []


def test_no_module_of_the_package_or_its_readers_is_over_600_lines() -> None:
    paths = [*(SRC / "validation").glob("*.py"), SRC / "records.py", SRC / "json_text.py"]
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in paths}
    assert max(sizes.values()) <= 600, sizes
