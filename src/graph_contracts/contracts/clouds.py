"""Which contract types a national cloud lacks, so that a live run there skips what cannot exist.

The facts live in ``contracts/clouds.yaml`` (reviewed, each with its source);
``contracts check-metadata`` compares them with a cloud's ``$metadata``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ContractError
from .io import load_yaml
from .model import Operation

#: --graph-cloud -> the metadata cloud it is served from (file names: v1.0-Fairfax.csdl ...).
GRAPH_CLOUDS: Mapping[str, str] = {"global": "Prod", "usgov": "Fairfax", "usgov-dod": "Fairfax", "china": "Mooncake"}


@dataclass(frozen=True)
class CloudGap:
    cloud: str
    version: str
    lacks: tuple[str, ...]
    source: str


def load_cloud_gaps(root: Path) -> dict[tuple[str, str], CloudGap]:
    """(cloud, version) -> what that cloud lacks; empty when the file is absent."""
    path = root / "clouds.yaml"
    if not path.is_file():
        return {}
    data = load_yaml(path)
    clouds = data.get("clouds") if isinstance(data, Mapping) else None
    if not isinstance(clouds, Mapping):
        raise ContractError(str(path), "expected a 'clouds' mapping", "/clouds")
    out = {}
    for cloud, versions in clouds.items():
        for version, entry in (versions or {}).items():
            where = f"/clouds/{cloud}/{version}"
            if not isinstance(entry, Mapping) or not entry.get("source"):
                raise ContractError(str(path), "each entry needs 'lacks' and 'source'", where)
            out[(str(cloud), str(version))] = CloudGap(
                str(cloud), str(version), tuple(str(t) for t in entry.get("lacks") or ()), str(entry["source"])
            )
    return out


def skip_reason(op: Operation, graph_cloud: str, gaps: Mapping[tuple[str, str], CloudGap]) -> str | None:
    """Why ``op`` cannot be tested in ``graph_cloud`` (a type it uses is not in that cloud), or None."""
    gap = gaps.get((GRAPH_CLOUDS.get(graph_cloud, graph_cloud), op.version))
    if gap is None:
        return None
    used = {op.type, op.body_type, op.response_type, *(p.type for p in op.parameters)}
    missing = sorted(t for t in gap.lacks if t in used)
    if not missing:
        return None
    return f"the {gap.cloud} cloud's {op.version} metadata lacks {', '.join(missing)} ({gap.source})"
