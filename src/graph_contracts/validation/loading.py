"""Schemas loaded from the shipped folder by type or operation name, each file read once."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from ..errors import UnknownContractError as UnknownContractError  # its name here before errors held it
from ..issues import quote
from ..resources import schemas_dir

#: What a type or operation name may look like; anything else cannot name a schema file.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,199}")


def check_name(name: str, version: str) -> None:
    """Refuse a name that cannot be a schema's before it reaches the file system (NUL, 5000 characters)."""
    if (
        not isinstance(name, str)
        or _NAME.fullmatch(name) is None
        or not isinstance(version, str)
        or _NAME.fullmatch(version) is None
    ):
        raise UnknownContractError(
            f"no contract for {quote(name)} in {quote(version)}: a type or operation name is letters, digits and dots"
        )


@lru_cache(maxsize=256)
def _load_schema_text(version: str, rel: str) -> str:
    path = schemas_dir() / version / rel
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnknownContractError(f"no schema {version}/{rel}: unknown type, operation or version") from None


def load_schema(version: str, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_load_schema_text(version, rel))
    return data
