"""Every public name works, and every exception a user can meet is exported and drawn in the errors tree.

7 of 16 error classes were not exported (ConfigurationError among them, which
endpoints and cleanup raise), and four lived beside the code that raised them.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import graph_contracts
from graph_contracts import errors


def _all_modules() -> list[str]:
    """Every module of the package, but the suite's test modules and conftest (pytest collects those)."""
    found = pkgutil.walk_packages(graph_contracts.__path__, prefix="graph_contracts.")
    return [m.name for m in found if not m.name.rsplit(".", 1)[-1].startswith(("test_", "conftest"))]


def _subclasses(cls: type) -> set[type]:
    out = set(cls.__subclasses__())
    for sub in list(out):
        out |= _subclasses(sub)
    return out


@pytest.mark.parametrize("name", graph_contracts.__all__)
def test_every_public_name_imports(name: str) -> None:
    assert getattr(graph_contracts, name) is not None
    namespace: dict[str, object] = {}
    exec(f"from graph_contracts import {name}", namespace)
    assert namespace[name] is getattr(graph_contracts, name)


def test_every_error_class_of_the_package_is_exported_and_drawn() -> None:
    for module in _all_modules():
        importlib.import_module(module)
    classes = {c for c in _subclasses(errors.GraphContractsError) if c.__module__.startswith("graph_contracts")}
    classes.add(errors.GraphContractsError)
    names = {c.__name__ for c in classes if not c.__name__.startswith("_")}
    assert len(names) >= 17
    assert sorted(names - set(graph_contracts.__all__)) == []
    assert all(getattr(graph_contracts, n) is getattr(errors, n) for n in names)
    tree = errors.__doc__ or ""
    assert sorted(n for n in names if f"── {n} " not in tree and f"    {n}\n" not in tree) == []


def test_old_homes_name_the_same_classes() -> None:
    from graph_contracts.sdk.compare import CompareError
    from graph_contracts.sdk.matrix import MatrixError
    from graph_contracts.traffic.reader import TrafficFileError
    from graph_contracts.traffic.scan import SecretLeakError
    from graph_contracts.validation import UnknownContractError

    assert (CompareError, MatrixError, TrafficFileError, SecretLeakError, UnknownContractError) == (
        errors.CompareError,
        errors.MatrixError,
        errors.TrafficFileError,
        errors.SecretLeakError,
        errors.UnknownContractError,
    )


def test_bad_settings_raise_our_errors_which_are_the_builtins_callers_expect() -> None:
    from graph_contracts import ConfigurationError, InvalidArgumentError, Validator
    from graph_contracts.graph.emulator import Fault

    with pytest.raises(InvalidArgumentError) as profile:  # a Python API argument, not a setting of a command
        Validator.for_type("importedWindowsAutopilotDeviceIdentity", profile="strictest")  # type: ignore[arg-type]
    assert profile.value.argument == "profile" and profile.value.choices == ("contract", "upload")
    assert isinstance(profile.value, ValueError)
    for text, says in (("latency=forever", "cannot read fault item 'latency=forever'"), (";", "empty fault")):
        with pytest.raises(ConfigurationError) as fault:
            Fault.parse(text)
        assert fault.value.setting == "fault" and fault.value.detail.startswith(says)
        assert isinstance(fault.value, ValueError)
