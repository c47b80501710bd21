"""jsonschema's errors as ``Issue``s: a stable code and a message naming the value, in the payload's order."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a payload needs jsonschema's errors: a file of valid records never does
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

from ..issues import Issue, pointer_join, quote
from ..patterns import BASE64_PATTERN, DATETIME_PATTERN, GUID_PATTERN

PATTERN_CODES: Mapping[str, str] = {
    BASE64_PATTERN: "base64",
    DATETIME_PATTERN: "date-time",
    GUID_PATTERN: "guid",
}

JSON_TYPE_NAMES: Mapping[type, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    list: "array",
    dict: "object",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _pointer(path: Iterable[Any]) -> str:
    return pointer_join("", *path)


def _issue_from_error(error: ValidationError) -> Issue:
    """One jsonschema error as an ``Issue`` with a stable code and a message naming the value."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match

        # A nullable slot fails both branches; the non-null branch explains it better.
        deepest = best_match(e for e in error.context if e.validator != "type" or e.validator_value != "null")
        if deepest is not None:
            return _issue_from_error(deepest)
    kw = str(error.validator)
    value = error.instance
    ptr = _pointer(error.absolute_path)
    if kw == "type":
        expected = error.validator_value
        expected_s = " or ".join(expected) if isinstance(expected, list) else str(expected)
        if value is None:
            return Issue(ptr, "type", f"null is not allowed here; expected {expected_s}")
        return Issue(ptr, "type", f"{quote(value)} is {_a(_json_type(value))}; expected {expected_s}")
    if kw == "enum":
        allowed: list[Any] = list(error.validator_value) if isinstance(error.validator_value, list) else []
        if ptr.endswith("/@odata.type"):
            return Issue(
                ptr,
                "odata-type",
                f"{quote(value)} does not name this type or a type derived from it; "
                f"expected one of {', '.join(str(a) for a in allowed if str(a).startswith('#'))}",
            )
        return Issue(ptr, "enum", f"{quote(value)} is not a member; allowed: {', '.join(map(str, allowed))}")
    if kw == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return Issue(pointer_join(ptr, missing), "required", f"required property {missing!r} is missing")
    if kw == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        declared = schema.get("properties", {})
        names = sorted(k for k in declared if not k.startswith("@"))
        extras = sorted(set(value) - set(declared)) if isinstance(value, dict) else []
        name = extras[0] if extras else "?"
        hint = difflib.get_close_matches(name, names, n=1, cutoff=0.85)
        hint_s = f" (did you mean {hint[0]!r}?)" if hint else ""
        return Issue(
            pointer_join(ptr, name),
            "unknown-property",
            f"unknown property {name!r}{hint_s}; properties of this type: {', '.join(names)}",
        )
    if kw == "pattern":
        code = PATTERN_CODES.get(str(error.validator_value), "pattern")
        what = {
            "base64": "standard base64 with padding (A-Z a-z 0-9 + /, length a multiple of 4)",
            "date-time": "an RFC 3339 date-time with an offset, e.g. 2024-05-01T10:00:00Z",
            "guid": "a GUID such as 00000000-0000-0000-0000-000000000000",
        }.get(code, f"a string matching {error.validator_value}")
        return Issue(ptr, code, f"{quote(value)} is not {what}")
    if kw in ("minimum", "maximum"):
        return Issue(ptr, "range", f"{quote(value)} is out of range ({kw} {error.validator_value})")
    return Issue(ptr, kw, error.message if len(error.message) < 200 else error.message[:197] + "...")


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


@lru_cache(maxsize=64)
def _anchored(pattern: str) -> re.Pattern[str]:
    """The schema's regular expression with a final ``$`` read as JSON Schema (ECMA 262) means it.

    In Python ``$`` also matches before a final newline, so ``"QUFB\\n"`` would
    pass as base64 and ``"2024-01-01T00:00:00Z\\n"`` as a date-time; ``\\Z`` does not.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and _anchored(pattern).search(instance) is None:
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@lru_cache(maxsize=1)
def schema_validator_class() -> Any:
    """``SchemaValidator``: Draft 2020-12 with ``pattern`` anchored as JSON Schema means it (see ``_anchored``).

    Built, and jsonschema imported, on first use: importing jsonschema is about a quarter of the
    start of ``graph-contracts validate``, and a file of valid records never needs its errors
    (``Validator`` compiles its schema with this class only when a payload fails the fast verdict).
    """
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    return extend(Draft202012Validator, {"pattern": _pattern_keyword})  # type: ignore[no-untyped-call]


def __getattr__(name: str) -> Any:
    """``SchemaValidator``, the class ``schema_validator_class`` builds on first use."""
    if name == "SchemaValidator":
        return schema_validator_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def schema_issues(validator: Draft202012Validator, obj: Any) -> list[Issue]:
    """Every error of ``validator`` in ``obj`` as an ``Issue``, in the payload's order (array items by index).

    A value in a nullable slot (``anyOf`` of a schema and ``null``, how the generated schemas write
    an optional value) that is not null is reported with every error the schema finds in it: an
    import body's list of records is such a slot, and one best match for the whole list reported one
    error of a body with six, one per record.
    """
    return [_issue_from_error(e) for e in sorted(_reported_errors(validator.iter_errors(obj)), key=_error_order)]


def _reported_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        branch = _value_branch(error)
        if branch is None:
            yield error
        else:
            yield from _reported_errors(
                e for e in error.context or () if e.relative_schema_path and e.relative_schema_path[0] == branch
            )


def _value_branch(error: ValidationError) -> int | None:
    """For an ``anyOf``/``oneOf`` error of a nullable slot holding a value other than null, the index of
    the branch that is not ``{"type": "null"}``; else None."""
    branches = error.validator_value
    if (
        error.validator not in ("anyOf", "oneOf")
        or error.instance is None
        or not isinstance(branches, list)
        or len(branches) != 2
        or {"type": "null"} not in branches
    ):
        return None
    return 1 - branches.index({"type": "null"})


def _error_order(error: ValidationError) -> tuple[list[tuple[int, int, str]], str]:
    """Where an error is, array indices compared as numbers (record 2 before record 10), then its keyword."""
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path], str(error.validator)
