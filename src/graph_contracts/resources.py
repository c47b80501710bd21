"""Where the shipped contracts, schemas and cassettes live, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

#: The Graph API versions the project ships contracts and schemas for (a folder each). Here, not in
#: ``contracts``, so that the CLI can name them without importing the contract model and YAML.
VERSIONS: tuple[str, ...] = ("v1.0", "beta")

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def _data_dir(name: str) -> Path:
    """A checkout's top-level folder wins, so an editable install sees edits at once."""
    top = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and top.is_dir():
        return top
    return _PACKAGE / "_data" / name


def contracts_dir() -> Path:
    return _data_dir("contracts")


def schemas_dir() -> Path:
    return _data_dir("schemas")


def cassettes_dir() -> Path:
    return _data_dir("cassettes")


def user_cache_dir() -> Path:
    """The per-user cache folder of graph-contracts (nothing in it is needed: deleting it only costs time).

    ``%LOCALAPPDATA%`` on Windows, ``~/Library/Caches`` on macOS, else ``$XDG_CACHE_HOME`` or ``~/.cache``.
    """
    import os
    import sys

    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "graph-contracts"
