"""Microsoft's permissions data, cut to the contracts' paths: its model, its index form, and matching a path to it.

Microsoft publishes which permission each Graph path and method needs in
``permissions.json`` (schema microsoftgraph/kibali ``specs/permissions-schema.json``)
and each permission's GUID and clouds in ``provisioningInfo.json``; Graph
Explorer and Kibali read them. Those files are 3.8 MB and cover all of Graph,
so the package ships a compact index of the part the contracts use
(``contracts/permissions/graph-permissions.json``), written by
:func:`.build.build_index` and read by :func:`.load.load_permission_data`.

The data names no API version (one table serves v1.0 and beta); its paths are
lower-cased with ``{id}`` for every key segment. :func:`normalize_path` brings
a request path or contract template to that form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from ..errors import PermissionsFileError as PermissionsFileError
from ..resources import contracts_dir

#: The permission kinds the package reads, as Microsoft's data names them (``schemeKeys``).
Kind = Literal["DelegatedWork", "Application"]
KINDS: tuple[Kind, ...] = ("DelegatedWork", "Application")

#: Each kind's row name in a doc page's permission table (the contracts keep the page's names).
PAGE_KINDS: Mapping[Kind, str] = {
    "DelegatedWork": "Delegated (work or school account)",
    "Application": "Application",
}


def kind_of(page_row: str) -> Kind:
    """The kind a doc page's permission-table row (``Delegated (work or school account)``) names."""
    return next((k for k, row in PAGE_KINDS.items() if row == page_row), "Application")


#: The compact index's format marker: a file without it (or with another) is not ours.
FORMAT = "graph-contracts/permissions@1"

#: Path segments that address a part of the resource the path before them names, not another resource.
_TRAILING = frozenset({"$value", "$count"})
_KEY_SEGMENT = re.compile(r"([^()]*)\((.*)\)\Z")
_VERSION_SEGMENTS = frozenset({"v1.0", "beta"})
ID = "{id}"


@dataclass(frozen=True)
class DataSource:
    """Where the data came from: repository, commit and its title, as recorded when the index was built."""

    repository: str
    commit: str
    title: str = ""
    licence: str = "MIT"

    def __str__(self) -> str:
        commit = self.commit[:12] if re.fullmatch(r"[0-9a-f]{40}", self.commit) else self.commit
        return f"{self.repository}@{commit}" + (f" ({self.title})" if self.title else "")


@dataclass(frozen=True)
class PermissionInfo:
    """One permission of one kind: its privilege level (1 low .. 5 high), consent, GUID and clouds.

    ``id`` is the app role (Application) or scope (DelegatedWork) GUID an app
    registration names; ``clouds`` the environments ``provisioningInfo.json``
    says it is deployed in (``public``, ``FairFax`` ...), empty when it says none.
    """

    name: str
    kind: Kind
    privilege_level: int | None
    admin_consent: bool | None
    id: str | None
    clouds: tuple[str, ...] = ()
    display_name: str = ""
    #: The API the permission belongs to when it is not Graph (``provisioningInfo.json``'s ``resourceAppId``).
    resource: str | None = None


@dataclass(frozen=True)
class RouteRule:
    """What the data says about one path and method: per kind, the least and the other allowed permissions.

    A rule with no permission at all (``listed`` False) marks a contract route
    the data does not list, so the index covers every contract route.
    """

    path: str
    method: str
    least: tuple[tuple[Kind, tuple[str, ...]], ...] = ()
    others: tuple[tuple[Kind, tuple[str, ...]], ...] = ()

    @property
    def listed(self) -> bool:
        return any(names for _, names in self.least) or any(names for _, names in self.others)

    def least_for(self, kind: Kind) -> tuple[str, ...]:
        """The least-privileged permissions of ``kind`` (usually one), as the data marks them."""
        return dict(self.least).get(kind, ())

    def least_one(self, kind: Kind) -> str | None:
        """The one least permission of ``kind``: the first of :meth:`least_for` (see the build's ordering)."""
        names = self.least_for(kind)
        return names[0] if names else None

    def allowed(self, kind: Kind) -> tuple[str, ...]:
        """Every permission of ``kind`` the data says is enough, least first."""
        return self.least_for(kind) + dict(self.others).get(kind, ())


@dataclass(frozen=True)
class Match:
    """A request path and method matched to the data: the template and its rule, or why none fits.

    ``status`` is ``known`` (a rule lists permissions), ``method`` (the path
    is known but the data lists no permission for this method) or ``path``
    (no path of the data fits). Unknown requests are reported, never guessed.
    """

    path: str
    method: str
    status: Literal["known", "method", "path"]
    template: str | None = None
    rule: RouteRule | None = None


@dataclass(frozen=True)
class OperationRef:
    """A contract operation as the index records it: version, id, method and normalised paths."""

    version: str
    id: str
    method: str
    paths: tuple[str, ...]
    writes: bool

    @property
    def verb(self) -> str:
        return self.id.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class PermissionData:
    """The permissions data for the contracts' routes, with the permissions they name and their source."""

    source: DataSource
    rules: Mapping[tuple[str, str], RouteRule]
    permissions: Mapping[tuple[str, Kind], PermissionInfo]
    operations: tuple[OperationRef, ...] = ()
    file: str = field(default="", compare=False)
    _trie: _Node = field(default_factory=lambda: _Node(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # A trie of the templates by segment, so matching a request walks its segments once. Only paths
        # the data lists a permission on can match: an empty entry (a contract route the data does not
        # list) must read as unknown, not as known with no permission.
        root = _Node()
        for path in sorted({p for (p, _), r in self.rules.items() if r.listed}):
            node = root
            for segment in path.strip("/").split("/"):
                node = node.children.setdefault(segment, _Node())
            node.template = path
        object.__setattr__(self, "_trie", root)

    def info(self, name: str, kind: Kind) -> PermissionInfo | None:
        return self.permissions.get((name, kind))

    def rule(self, template: str, method: str) -> RouteRule | None:
        """The rule for a contract template (any spelling :func:`normalize_path` reads)."""
        found = self.rules.get((normalize_path(template), method.upper()))
        return found if found is not None and found.listed else None

    def match(self, path: str, method: str) -> Match:
        """Match a request (URL or path, any casing, key segments, ``$value``, query) to the data's template.

        Literal segments beat ``{id}``, so ``POST .../import`` is the import
        action and ``GET .../import`` reads the entity whose id is ``import``.
        """
        method = method.upper()
        wanted = normalize_path(path)
        fitting: list[str] = []
        _walk(self._trie, wanted.split("/")[1:] if wanted != "/" else [], 0, fitting)
        best: str | None = None
        for template in fitting:  # literal segments first (the walk's order), so the first with the method wins
            rule = self.rules.get((template, method))
            if rule is not None and rule.listed:
                return Match(wanted, method, "known", template, rule)
            best = best or template
        if best is not None:
            return Match(wanted, method, "method", best)
        return Match(wanted, method, "path")

    def operation(self, version: str, op_id: str) -> OperationRef | None:
        """A contract operation as the index recorded it."""
        return next((o for o in self.operations if (o.version, o.id) == (version, op_id)), None)

    def least(self, version: str, op_id: str, kind: Kind) -> str | None:
        """The data's least permission of ``kind`` for a contract operation (None: the data lists none)."""
        ref = self.operation(version, op_id)
        rule = self.rule(ref.paths[0], ref.method) if ref is not None else None
        return rule.least_one(kind) if rule is not None else None

    def methods_on(self, template: str) -> tuple[str, ...]:
        """The methods the data lists permissions for on one template."""
        path = normalize_path(template)
        return tuple(sorted(m for (p, m), r in self.rules.items() if p == path and r.listed))


class _Node:
    """A trie node: children by segment (``{id}`` for a key), and the template that ends here."""

    __slots__ = ("children", "template")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.template: str | None = None


def _walk(node: _Node, segments: list[str], index: int, out: list[str]) -> None:
    """Every template fitting ``segments``, literal segments tried before ``{id}`` at each level."""
    if index == len(segments):
        if node.template is not None:
            out.append(node.template)
        return
    segment = segments[index]
    child = node.children.get(segment)
    if child is not None:
        _walk(child, segments, index + 1, out)
    if segment != ID:
        wild = node.children.get(ID)
        if wild is not None:
            _walk(wild, segments, index + 1, out)


def normalize_path(raw: str) -> str:
    """A URL, request path or contract template in the data's form: ``/devicemanagement/things/{id}``.

    Drops scheme, host, query and fragment, the API version, empty segments
    (a trailing or doubled ``/``) and a trailing ``$value`` or ``$count``;
    lower-cases; turns ``things('x')`` into ``things/{id}`` and any
    ``{placeholder}`` (or a Dev Proxy ``*``) into ``{id}``. Percent-escapes are
    decoded first. Written without ``urlsplit`` and regular expressions on the
    common path: it runs once per request of a traffic file.
    """
    text = raw
    scheme = text.find("://")
    if scheme != -1:
        slash = text.find("/", scheme + 3)
        text = text[slash:] if slash != -1 else "/"
    for mark in ("?", "#"):
        cut = text.find(mark)
        if cut != -1:
            text = text[:cut]
    if "%" in text:
        text = unquote(text)
    out: list[str] = []
    for segment in text.split("/"):
        if not segment:
            continue
        if segment[-1] == ")" and "(" in segment:
            key = _KEY_SEGMENT.match(segment)
            if key is not None:
                if key.group(1):
                    out.append(key.group(1).lower())
                out.append(ID)
                continue
        if (segment[0] == "{" and segment[-1] == "}") or segment == "*":
            out.append(ID)
        else:
            out.append(segment.lower())
    if out and out[0] in _VERSION_SEGMENTS:
        del out[0]
    while out and out[-1] in _TRAILING:
        out.pop()
    return "/" + "/".join(out)


# -- the shipped index


def shipped_index_file(root: Path | None = None) -> Path:
    """Where the index lives beside the contracts (``<contracts>/permissions/graph-permissions.json``)."""
    return (root or contracts_dir()) / "permissions" / "graph-permissions.json"


def read_json(file: str) -> Any:
    """A permissions file's JSON (Microsoft's or the index), or ``PermissionsFileError`` naming the file and line."""
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PermissionsFileError(file, exc.strerror or "cannot be read") from None
    except UnicodeDecodeError as exc:
        raise PermissionsFileError(file, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        rest = text.rstrip()
        early = not rest.endswith(("}", "]")) or exc.pos >= len(rest) - 1
        ending = " (the file ends early: truncated?)" if early else ""
        raise PermissionsFileError(file, f"not valid JSON{ending}: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise PermissionsFileError(file, "nested too deeply to be a permissions file") from None


def readme_source(folder: Path) -> DataSource | None:
    """Repository, commit and title as a README.md in ``folder`` states them (the shared copy's does), or None.

    Reads the first ``microsoftgraph/<name>``, the first 40-digit hex commit and
    the quoted title after it (``<commit> ("Weekly Permissions sync ...")``).
    """
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8", errors="replace") if readme.is_file() else ""
    repo = re.search(r"\bmicrosoftgraph/[A-Za-z0-9_.-]*[A-Za-z0-9_-]", text)
    commit = re.search(r"\b([0-9a-f]{40})\b(?:\s*\(\"([^\"]+)\"\))?", text)
    if repo is None and commit is None:
        return None
    return DataSource(
        repo.group(0) if repo else "(repository unknown)",
        commit.group(1) if commit else "(commit unknown)",
        commit.group(2) or "" if commit else "",
    )


def _strings(value: Any, file: str, pointer: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PermissionsFileError(file, "expected a list of strings", pointer)
    return tuple(value)


def _mapping(value: Any, file: str, pointer: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PermissionsFileError(file, f"expected an object, found {type(value).__name__}", pointer)
    return value


def index_from_dict(data: Mapping[str, Any], file: str = "<index>") -> PermissionData:
    """A :class:`PermissionData` from the index's JSON form, checked field by field (pointer on error)."""
    src = _mapping(data.get("source"), file, "/source")
    source = DataSource(
        str(src.get("repository", "")),
        str(src.get("commit", "")),
        str(src.get("title", "")),
        str(src.get("licence", "")),
    )
    permissions: dict[tuple[str, Kind], PermissionInfo] = {}
    for name, kinds in _mapping(data.get("permissions"), file, "/permissions").items():
        for kind, raw in _mapping(kinds, file, f"/permissions/{name}").items():
            where = f"/permissions/{name}/{kind}"
            if kind not in KINDS:
                raise PermissionsFileError(file, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", where)
            info = _mapping(raw, file, where)
            level = info.get("level")
            permissions[(name, kind)] = PermissionInfo(
                name,
                kind,
                level if isinstance(level, int) else None,
                info.get("adminConsent") if isinstance(info.get("adminConsent"), bool) else None,
                str(info["id"]) if info.get("id") else None,
                _strings(info.get("clouds", []), file, where + "/clouds"),
                str(info.get("display", "")),
                str(info["resource"]) if info.get("resource") else None,
            )
    rules: dict[tuple[str, str], RouteRule] = {}
    for path, methods in _mapping(data.get("routes"), file, "/routes").items():
        for method, kinds in _mapping(methods, file, f"/routes/{path}").items():
            where = f"/routes/{path}/{method}"
            least: list[tuple[Kind, tuple[str, ...]]] = []
            others: list[tuple[Kind, tuple[str, ...]]] = []
            for kind, raw in _mapping(kinds, file, where).items():
                if kind not in KINDS:
                    raise PermissionsFileError(file, f"unknown kind {kind!r}", f"{where}/{kind}")
                entry = _mapping(raw, file, f"{where}/{kind}")
                least.append((kind, _strings(entry.get("least", []), file, f"{where}/{kind}/least")))
                others.append((kind, _strings(entry.get("others", []), file, f"{where}/{kind}/others")))
            rules[(path, method.upper())] = RouteRule(path, method.upper(), tuple(least), tuple(others))
    operations: list[OperationRef] = []
    for version, ops in _mapping(data.get("operations", {}), file, "/operations").items():
        for op_id, raw in _mapping(ops, file, f"/operations/{version}").items():
            where = f"/operations/{version}/{op_id}"
            entry = _mapping(raw, file, where)
            operations.append(
                OperationRef(
                    version,
                    op_id,
                    str(entry.get("method", "")).upper(),
                    _strings(entry.get("paths"), file, where + "/paths"),
                    bool(entry.get("writes")),
                )
            )
    return PermissionData(source, rules, permissions, tuple(operations), file)


def kinds_in(values: Iterable[str]) -> tuple[Kind, ...]:
    """The known kinds among ``values``, in the package's order (DelegatedWork, Application)."""
    wanted = set(values)
    return tuple(k for k in KINDS if k in wanted)
