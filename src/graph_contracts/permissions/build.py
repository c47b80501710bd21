"""Cut Microsoft's permissions data to the contracts' routes: the index the package ships, and its refresh command.

Refresh (see the README, "Which permissions does my app need?")::

    git clone https://github.com/microsoftgraph/microsoft-graph-devx-content
    python -m graph_contracts.permissions.build microsoft-graph-devx-content/permissions/new \\
        --commit "$(git -C microsoft-graph-devx-content rev-parse HEAD)"

or, from the copy in ``../shared/reference/permissions``, whose README names
repository, commit and title (read when ``--commit`` is not given)::

    python -m graph_contracts.permissions.build ../shared/reference/permissions

reads ``permissions.json`` and ``provisioningInfo.json`` from the folder and
rewrites ``contracts/permissions/graph-permissions.json``; the repository's
LICENSE (MIT; beside the files or up to two folders above) is copied beside
it. The index keeps every contract route (a route the data does not list is
kept with no permission, so drift shows) and every method the data lists on
those paths, and only the permissions they name.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data import (
    FORMAT,
    KINDS,
    DataSource,
    OperationRef,
    PermissionsFileError,
    normalize_path,
    read_json,
    readme_source,
    shipped_index_file,
)

if TYPE_CHECKING:
    from ..contracts import ContractSet

#: Microsoft's repository of the data, and the folder the two files live in there.
REPOSITORY = "microsoftgraph/microsoft-graph-devx-content"


def contract_routes(contracts: ContractSet | None) -> tuple[OperationRef, ...]:
    """Every operation of the contracts (default: the shipped ones) with its method and normalised paths."""
    from ..contracts import default_contracts

    cs = contracts if contracts is not None else default_contracts()
    return tuple(
        OperationRef(
            version, op.id, op.method.upper(), tuple(dict.fromkeys(normalize_path(p) for p in op.paths)), op.writes
        )
        for version in cs.versions()
        for op in cs.operations_in(version)
    )


def _obj(value: Any, file: str, pointer: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PermissionsFileError(file, f"expected an object, found {type(value).__name__}", pointer)
    return value


def _str_list(value: Any, file: str, pointer: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PermissionsFileError(file, "expected a list of strings", pointer)
    return value


def _least_kinds(marker: str, file: str, pointer: str) -> set[str]:
    """The kinds a path marker (``least=DelegatedWork,Application;AlsoRequires=...``) calls least."""
    kinds: set[str] = set()
    for part in filter(None, marker.split(";")):
        key, _, value = part.partition("=")
        if key == "least":
            kinds |= set(filter(None, value.split(",")))
        elif key == "AlsoRequires":
            # A second permission needed together with this one: the index has no field for it yet,
            # and a route that needs two permissions must not be shown as needing one.
            raise PermissionsFileError(
                file,
                f"{marker!r}: a contract route needs a second permission (AlsoRequires); "
                "the index cannot record that yet",
                pointer,
            )
        else:
            raise PermissionsFileError(file, f"unknown path marker {part!r}", pointer)
    return kinds


def build_index(
    permissions: Any,
    provisioning: Any,
    operations: Iterable[OperationRef],
    source: DataSource,
    *,
    permissions_file: str = "permissions.json",
    provisioning_file: str = "provisioningInfo.json",
) -> dict[str, Any]:
    """The index (JSON-ready) of ``permissions.json`` for the routes of ``operations``.

    Raises :class:`PermissionsFileError` naming the file and JSON pointer when
    either file is not of Microsoft's schema.
    """
    ops = tuple(operations)
    wanted = {p for op in ops for p in op.paths}
    top = _obj(permissions, permissions_file, "")
    entries = _obj(top.get("permissions"), permissions_file, "/permissions")
    # routes[path][method][kind] = (least, others)
    # A marker applies to every method of its path set, so ReadWrite.All's [GET, POST] set marks the
    # collection least for GET too, beside Read.All's [GET] set. Several least candidates are ordered by
    # privilege level, then by how many methods the marking set covers (the narrower set is the one written
    # for this method), then by name: the first is the least; the order is kept in the index, never dropped.
    Ranked = list[tuple[int, int, str]]
    routes: dict[str, dict[str, dict[str, tuple[Ranked, Ranked]]]] = {p: {} for p in wanted}
    schemes: dict[str, Mapping[str, Any]] = {}
    for name, raw in entries.items():
        where = f"/permissions/{name}"
        entry = _obj(raw, permissions_file, where)
        path_sets = entry.get("pathSets", [])
        if not isinstance(path_sets, list):
            raise PermissionsFileError(permissions_file, "expected a list of path sets", where + "/pathSets")
        for i, raw_set in enumerate(path_sets):
            at = f"{where}/pathSets/{i}"
            path_set = _obj(raw_set, permissions_file, at)
            kinds = _str_list(path_set.get("schemeKeys"), permissions_file, at + "/schemeKeys")
            methods = _str_list(path_set.get("methods"), permissions_file, at + "/methods")
            paths = _obj(path_set.get("paths"), permissions_file, at + "/paths")
            for path, marker in paths.items():
                if path not in wanted:
                    continue
                if not isinstance(marker, str):
                    raise PermissionsFileError(permissions_file, "expected a marker string", f"{at}/paths/{path}")
                least = _least_kinds(marker, permissions_file, f"{at}/paths/{path}")
                schemes[name] = _obj(entry.get("schemes"), permissions_file, where + "/schemes")
                for method in methods:
                    for kind in kinds:
                        if kind not in KINDS:
                            continue
                        pair = routes[path].setdefault(method.upper(), {}).setdefault(kind, ([], []))
                        target = pair[0] if kind in least else pair[1]
                        rank = (_level(schemes[name], kind), len(methods), name)
                        if all(r[2] != name for r in target):
                            target.append(rank)
    for op in ops:
        for path in op.paths:
            routes[path].setdefault(op.method, {})
    deployments = _deployments(provisioning, provisioning_file) if provisioning is not None else {}
    named = sorted(
        {
            r[2]
            for methods in routes.values()
            for kinds in methods.values()
            for least, others in kinds.values()
            for r in (*least, *others)
        }
    )
    return {
        "format": FORMAT,
        "source": {
            "repository": source.repository,
            "commit": source.commit,
            "title": source.title,
            "licence": source.licence,
            "files": ["permissions.json", "provisioningInfo.json"],
        },
        "permissions": {
            name: _permission(name, schemes[name], deployments.get(name, {}), permissions_file) for name in named
        },
        "routes": {
            path: {
                method: {
                    kind: {"least": [r[2] for r in sorted(least)], "others": [r[2] for r in sorted(others)]}
                    for kind, (least, others) in sorted(kinds.items())
                }
                for method, kinds in sorted(methods.items())
            }
            for path, methods in sorted(routes.items())
        },
        "operations": {
            version: {
                op.id: {"method": op.method, "paths": list(op.paths), "writes": op.writes}
                for op in ops
                if op.version == version
            }
            for version in dict.fromkeys(op.version for op in ops)
        },
    }


def _level(schemes: Mapping[str, Any], kind: str) -> int:
    scheme = schemes.get(kind)
    level = scheme.get("privilegeLevel") if isinstance(scheme, Mapping) else None
    return level if isinstance(level, int) else 99


def _permission(name: str, schemes: Mapping[str, Any], deployed: Mapping[str, Any], file: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in KINDS:
        scheme = schemes.get(kind)
        if not isinstance(scheme, Mapping):
            continue
        level = scheme.get("privilegeLevel")
        place = deployed.get(kind, {})
        out[kind] = {
            "level": level if isinstance(level, int) else None,
            "adminConsent": scheme.get("requiresAdminConsent"),
            "display": str(scheme.get("adminDisplayName", "")),
            "id": place.get("id"),
            "clouds": place.get("clouds", []),
            "resource": place.get("resource"),
        }
    return out


def _deployments(provisioning: Any, file: str) -> dict[str, dict[str, dict[str, Any]]]:
    """provisioningInfo.json as name -> kind -> {id, clouds}."""
    top = _obj(provisioning, file, "")
    entries = _obj(top.get("permissionDeployments"), file, "/permissionDeployments")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name, raw in entries.items():
        if not isinstance(raw, list):
            raise PermissionsFileError(file, "expected a list of deployments", f"/permissionDeployments/{name}")
        for i, item in enumerate(raw):
            where = f"/permissionDeployments/{name}/{i}"
            dep = _obj(item, file, where)
            kind, guid = dep.get("scheme"), dep.get("id")
            if not isinstance(kind, str) or not isinstance(guid, (str, type(None))):
                raise PermissionsFileError(file, "a deployment needs a 'scheme' string (and an 'id' string)", where)
            clouds = [c for c in str(dep.get("environment", "")).split(";") if c]
            # resourceAppId names another API than Graph when set: an app registration must name that API.
            out.setdefault(name, {})[kind] = {
                "id": guid,
                "clouds": clouds,
                "resource": str(dep.get("resourceAppId") or "") or None,
                "enabled": dep.get("isEnabled", True) is not False,
            }
    return out


def _load(path: Path) -> Any:
    return read_json(str(path))


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the shipped index from a folder holding Microsoft's two files (and its LICENSE)."""
    from ..contracts import load_contracts
    from ..errors import GraphContractsError
    from ..resources import contracts_dir

    parser = argparse.ArgumentParser(
        prog="python -m graph_contracts.permissions.build",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("folder", help="folder with permissions.json and provisioningInfo.json")
    parser.add_argument("--repository", help=f"default: as the folder's README.md states, else {REPOSITORY}")
    parser.add_argument(
        "--commit",
        help="the repository's commit the files come from (default: as the folder's README.md states, else unknown)",
    )
    parser.add_argument("--title", help="the commit's title, for the record (default: as the README states)")
    parser.add_argument("--contracts", help="contracts folder (default: the project's)")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    root = Path(args.contracts) if args.contracts else contracts_dir()
    stated = readme_source(folder) or DataSource(REPOSITORY, "unknown")
    try:
        index = build_index(
            _load(folder / "permissions.json"),
            _load(folder / "provisioningInfo.json"),
            contract_routes(load_contracts(root)),
            DataSource(
                args.repository or stated.repository,
                args.commit or stated.commit,
                stated.title if args.title is None else args.title,
            ),
            permissions_file=str(folder / "permissions.json"),
            provisioning_file=str(folder / "provisioningInfo.json"),
        )
    except GraphContractsError as exc:
        print(f"python -m graph_contracts.permissions.build: {exc}", file=sys.stderr)
        return 2
    out = shipped_index_file(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(index, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    # The LICENSE sits beside the files in ../shared, at the repository's root in a clone.
    licence = next((d / "LICENSE" for d in (folder, *folder.resolve().parents[:2]) if (d / "LICENSE").is_file()), None)
    if licence is not None:
        shutil.copyfile(licence, out.parent / "LICENSE")
    else:
        print(f"no LICENSE found beside {folder} or above it: keep the shipped one", file=sys.stderr)
    print(f"wrote {out} ({len(index['routes'])} paths, {len(index['permissions'])} permissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
