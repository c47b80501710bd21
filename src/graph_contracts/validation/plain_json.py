"""What JSON can hold: the quick test of a payload built of plain JSON types, and the issues of one that is not."""

from __future__ import annotations

from typing import Any

from ..issues import Issue, pointer_join
from ..json_text import LongNumber

#: Integers beyond this may lose precision on the way into jsonschema-rs; such payloads take the slow path.
_SAFE_INT = 2**53


_ONLY_STR = frozenset((str,))
#: Value types that jsonschema-rs and jsonschema see alike without a closer look.
FLAT_VALUES = frozenset((str, type(None), bool))


def plain_json(obj: Any, depth: int = 0) -> bool:
    """True when ``obj`` is built only of the exact types ``json.loads`` returns (no subclasses,
    tuples, non-string keys, NaN or huge integers), so jsonschema-rs sees what jsonschema sees."""
    kind = type(obj)
    if kind in FLAT_VALUES:
        return True
    if kind is int:
        return bool(-_SAFE_INT < obj < _SAFE_INT)
    if kind is float:
        return bool(obj == obj and obj not in (float("inf"), float("-inf")))
    if depth > 64:
        return False
    if kind is dict:
        if not _ONLY_STR.issuperset(map(type, obj)):
            return False
        items = obj.values()
    elif kind is list:
        items = obj
    else:
        return False
    for value in items:  # noqa: SIM110 - a loop, not all(): strings, booleans and nulls without a call each
        if type(value) not in FLAT_VALUES and not plain_json(value, depth + 1):
            return False
    return True


#: Nesting deeper than this is an issue, not a RecursionError: no Graph payload comes close.
MAX_NESTING = 100
#: Integers longer than this (in bits, about 3,900 digits) cannot even be printed by Python by default.
_MAX_INT_BITS = 13_000


def not_json(obj: Any) -> list[Issue]:
    """Issues for what no JSON text can hold: non-string names, non-JSON types, NaN, huge numbers, deep nesting.

    Walked with an explicit stack, so a 5000-deep value is an issue, not a ``RecursionError``;
    only called for payloads the fast path could not take, so valid payloads never pay for it.
    """
    issues: list[Issue] = []
    stack: list[tuple[Any, str, int]] = [(obj, "", 0)]
    while stack and len(issues) < 20:
        value, pointer, depth = stack.pop()
        if type(value) is LongNumber:
            issues.append(
                Issue(
                    pointer,
                    "not-json",
                    f"a number of {len(value.lstrip('-'))} digits: no JSON reader "
                    "takes integers this long (Python's stops at 4,300 digits) and no Graph property "
                    "holds one (Int64 has 19 digits)",
                )
            )
            continue
        if value is None or isinstance(value, (str, bool)):
            continue
        if isinstance(value, int):
            if value.bit_length() > _MAX_INT_BITS:
                issues.append(
                    Issue(
                        pointer,
                        "not-json",
                        f"an integer of {value.bit_length()} bits is too large for "
                        "JSON readers (Python prints at most about 4,300 digits)",
                    )
                )
            continue
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                issues.append(Issue(pointer, "not-json", f"{value!r} is not a JSON number"))
            continue
        if not isinstance(value, (dict, list)):
            issues.append(
                Issue(
                    pointer,
                    "not-json",
                    f"a Python {type(value).__name__} is not a JSON value "
                    "(JSON has objects as dict, arrays as list, strings, numbers, true, false, null)",
                )
            )
            continue
        if depth >= MAX_NESTING:
            issues.append(Issue(pointer, "not-json", f"nested more than {MAX_NESTING} levels deep"))
            continue
        if isinstance(value, list):
            stack.extend((item, f"{pointer}/{index}", depth + 1) for index, item in enumerate(value))
            continue
        for key, item in value.items():
            if isinstance(key, str):
                stack.append((item, pointer_join(pointer, key), depth + 1))
            else:
                issues.append(
                    Issue(
                        pointer,
                        "not-json",
                        f"a property name is a Python {type(key).__name__}; JSON property names are strings",
                    )
                )
    return sorted(issues, key=lambda i: i.pointer)
