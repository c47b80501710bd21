"""Which permissions data a run reads: the shipped index, or Microsoft's own ``permissions.json`` cut on the spot.

The one loader above both :mod:`.data` (the model and the index form) and
:mod:`.build` (the cut to the contracts' routes): a Microsoft file given to
``check-permissions`` is cut here with the same code that writes the shipped
index, so the two never disagree. Each file is read once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .data import (
    FORMAT,
    DataSource,
    PermissionData,
    PermissionsFileError,
    index_from_dict,
    read_json,
    readme_source,
    shipped_index_file,
)

__all__ = ["load_permission_data"]


def load_permission_data(path: str | Path | None = None, *, contracts_root: Path | None = None) -> PermissionData:
    """The index at ``path`` (default: the one shipped with the contracts), read once per process.

    Microsoft's own ``permissions.json`` is accepted too (with
    ``provisioningInfo.json`` read from beside it when present) and cut to the
    routes of the contracts under ``contracts_root`` (default: the shipped
    ones), so ``check-permissions`` can compare a newer copy.
    """
    target = Path(path) if path is not None else shipped_index_file()
    return _load_cached(str(target.resolve()), str(contracts_root) if contracts_root is not None else None)


@lru_cache(maxsize=4)
def _load_cached(path: str, contracts_root: str | None) -> PermissionData:
    return _read_index(path, contracts_root)


def _read_index(file: str, contracts_root: str | None = None) -> PermissionData:
    data = read_json(file)
    if isinstance(data, Mapping) and "format" not in data and "permissions" in data:
        return _from_microsoft(data, file, contracts_root)
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        raise PermissionsFileError(
            file,
            f'not a permissions file: expected Microsoft\'s permissions.json ({{"permissions": ...}}) '
            f"or a graph-contracts index (format {FORMAT!r}); found {found!r}",
        )
    return index_from_dict(data, file)


def _from_microsoft(data: Mapping[str, Any], file: str, contracts_root: str | None) -> PermissionData:
    """Microsoft's full ``permissions.json`` cut to the contracts' routes (provisioning read beside it)."""
    # Imported here: the package imports this module, and ``python -m graph_contracts.permissions.build``
    # must find its module not yet imported.
    from ..contracts import load_contracts
    from .build import build_index, contract_routes

    beside = Path(file).with_name("provisioningInfo.json")
    provisioning = read_json(str(beside)) if beside.is_file() else None
    source = _source_beside(Path(file))
    routes = contract_routes(load_contracts(contracts_root) if contracts_root is not None else None)
    built = build_index(data, provisioning, routes, source, permissions_file=file, provisioning_file=str(beside))
    return index_from_dict(built, file)


def _source_beside(file: Path) -> DataSource:
    """The source of a Microsoft file being checked: as its README states, naming the file, else unknown."""
    found = readme_source(file.parent)
    if found is None:
        return DataSource("(repository unknown)", "(commit unknown)", str(file))
    return DataSource(found.repository, found.commit, f"{file}, as its README.md states")
