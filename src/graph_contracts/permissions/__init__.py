"""Least privilege, offline: which permission each request needs, from Microsoft's permissions data.

The data (``contracts/permissions/graph-permissions.json``, cut from
microsoftgraph/microsoft-graph-devx-content by :mod:`.build`) is a third
source beside the doc pages' permission tables and the metadata. This package
reads it (:mod:`.data`, :mod:`.load`), compares it with the contracts (:mod:`.check`),
decodes tokens locally (:mod:`.token`) and answers what operations, traffic
or a token need (:mod:`.needs`). Everything returns frozen dataclasses.
"""

from __future__ import annotations

from .data import (
    KINDS,
    DataSource,
    Kind,
    Match,
    OperationRef,
    PermissionData,
    PermissionInfo,
    PermissionsFileError,
    RouteRule,
    normalize_path,
)
from .load import load_permission_data

__all__ = [
    "KINDS",
    "DataSource",
    "Kind",
    "Match",
    "OperationRef",
    "PermissionData",
    "PermissionInfo",
    "PermissionsFileError",
    "RouteRule",
    "load_permission_data",
    "normalize_path",
]
