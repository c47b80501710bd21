"""The contract a file is checked against: the type and operation names a user gives, resolved.

``resolve_target`` takes a type and an operation as typed (an operation may be
short, ``import``, when one type has it) and returns the full names, or raises
``ConfigurationError`` naming the setting (``type``, ``operation``) and listing
the valid names, the closest first, or the version that has the name.
"""

from __future__ import annotations

import difflib

from ..errors import ConfigurationError, Setting, Words
from ..resources import VERSIONS, schemas_dir

_KINDS = {"types": "a type", "operations": "an operation"}


def request_names(version: str, kind: str) -> list[str]:
    """The type or operation names that have a request schema in ``version`` (``kind``: types, operations)."""
    folder = schemas_dir() / version / kind
    suffix = ".request.json"
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix))


def _unknown(setting: str, name: str, version: str, kind: str, names: list[str]) -> ConfigurationError:
    """An error naming the valid choices, the closest one first, and another version that has ``name``."""
    elsewhere = [v for v in VERSIONS if v != version and name in request_names(v, kind)]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint: Words
    if elsewhere:
        hint = (f"it exists in {elsewhere[0]} (add ", Setting("version"), f" {elsewhere[0]}); ")
    else:
        hint = (f"did you mean {close[0]!r}? ",) if close else ()
    listed = ", ".join(names) or "none"
    return ConfigurationError(
        setting, (f"{name!r} is not {_KINDS[kind]} in {version}; ", *hint, f"the {kind} are: {listed}")
    )


def resolve_target(type_name: str | None, operation: str | None, version: str) -> tuple[str | None, str | None]:
    """The full type and operation names a user meant, or ``ConfigurationError`` listing the valid ones.

    An operation may be given short (``import``, ``create``) when only one
    type has it, or with ``type_name`` naming the type.
    """
    if type_name:
        types = request_names(version, "types")
        if type_name not in types:
            raise _unknown("type", type_name, version, "types", types)
    if not operation:
        return type_name, None
    operations = request_names(version, "operations")
    if operation in operations:
        if type_name and not operation.startswith(f"{type_name}."):
            raise ConfigurationError(
                "operation", (f"{operation!r} is not an operation of ", Setting("type"), f" {type_name!r}")
            )
        return None, operation
    if "." not in operation:
        candidates = [
            o for o in operations if o.endswith(f".{operation}") and (not type_name or o == f"{type_name}.{operation}")
        ]
        if len(candidates) == 1:
            return None, candidates[0]
        if len(candidates) > 1:
            raise ConfigurationError(
                "operation",
                (
                    f"{operation!r} is ambiguous in {version}: {', '.join(candidates)}; give the full name, or ",
                    Setting("type"),
                ),
            )
    raise _unknown("operation", operation, version, "operations", operations)
