"""Where the shipped contracts, schemas and cassettes live, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

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
