"""The validator: a payload against a compiled schema, and for uploads the Autopilot rules, as ``Issue``s.

Two profiles. ``contract`` checks what the documented contract says and
nothing more (the emulator and the contract suite use it). ``upload`` adds the
Autopilot rules, predicting what Intune will reject after the upload; it is
the CLI's default, because that is the question an admin is asking.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend

from .autopilot.catalog import AUTOPILOT_COLLECTION as AUTOPILOT_COLLECTION  # the Autopilot import's type
from .autopilot.catalog import AUTOPILOT_TYPE as AUTOPILOT_TYPE  # and body, named here before the catalog did
from .autopilot.catalog import root_causes
from .autopilot.hardware_hash import HashIdentity, fast_identity, hash_is_sound, strict_b64decode
from .autopilot.rules import BATCH_LIMIT, BatchChecker, device_issues, record_clean, record_free_of_errors
from .errors import InvalidArgumentError
from .errors import UnknownContractError as UnknownContractError  # its name here before errors held it
from .issues import Issue, Location, pointer_join, quote
from .records import LongNumber
from .resources import schemas_dir
from .schemas import BASE64_PATTERN, DATETIME_PATTERN, GUID_PATTERN, def_name

Profile = Literal["contract", "upload"]
Direction = Literal["request", "response"]
PROFILES: tuple[Profile, ...] = ("contract", "upload")
DIRECTIONS: tuple[Direction, ...] = ("request", "response")

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


def _check_choice(argument: str, value: object, choices: tuple[str, ...]) -> None:
    """Refuse a value outside ``choices``, spelled exactly (``"Response"`` is not ``"response"``): a
    misspelt direction used to select the request schema without a word."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgumentError(argument, f"{value!r} is not a {argument}", choices)


#: Integers beyond this may lose precision on the way into jsonschema-rs; such payloads take the slow path.
_SAFE_INT = 2**53


_ONLY_STR = frozenset((str,))
#: Value types that jsonschema-rs and jsonschema see alike without a closer look.
_FLAT_VALUES = frozenset((str, type(None), bool))


def _plain_json(obj: Any, depth: int = 0) -> bool:
    """True when ``obj`` is built only of the exact types ``json.loads`` returns (no subclasses,
    tuples, non-string keys, NaN or huge integers), so jsonschema-rs sees what jsonschema sees."""
    kind = type(obj)
    if kind in _FLAT_VALUES:
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
        if type(value) not in _FLAT_VALUES and not _plain_json(value, depth + 1):
            return False
    return True


#: Nesting deeper than this is an issue, not a RecursionError: no Graph payload comes close.
MAX_NESTING = 100
#: Integers longer than this (in bits, about 3,900 digits) cannot even be printed by Python by default.
_MAX_INT_BITS = 13_000


def _not_json(obj: Any) -> list[Issue]:
    """Issues for what no JSON text can hold: non-string names, non-JSON types, NaN, huge numbers, deep nesting.

    Walked with an explicit stack, so a 5000-deep value is an issue, not a ``RecursionError``;
    only called for payloads the fast path could not take, so valid payloads never pay for it.
    """
    issues: list[Issue] = []
    stack: list[tuple[Any, str, int]] = [(obj, "", 0)]
    while stack and len(issues) < 20:
        value, pointer, depth = stack.pop()
        if type(value) is LongNumber:
            issues.append(Issue(pointer, "not-json", f"a number of {len(value.lstrip('-'))} digits: no JSON reader "
                                "takes integers this long (Python's stops at 4,300 digits) and no Graph property "
                                "holds one (Int64 has 19 digits)"))
            continue
        if value is None or isinstance(value, (str, bool)):
            continue
        if isinstance(value, int):
            if value.bit_length() > _MAX_INT_BITS:
                issues.append(Issue(pointer, "not-json", f"an integer of {value.bit_length()} bits is too large for "
                                    "JSON readers (Python prints at most about 4,300 digits)"))
            continue
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                issues.append(Issue(pointer, "not-json", f"{value!r} is not a JSON number"))
            continue
        if not isinstance(value, (dict, list)):
            issues.append(Issue(pointer, "not-json", f"a Python {type(value).__name__} is not a JSON value "
                                "(JSON has objects as dict, arrays as list, strings, numbers, true, false, null)"))
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
                issues.append(Issue(pointer, "not-json", f"a property name is a Python {type(key).__name__}; "
                                    "JSON property names are strings"))
    return sorted(issues, key=lambda i: i.pointer)


def _object_schema(schema: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]] | None:
    """The schema of the payload object: the root, or the ``$defs`` entry its ``$ref`` names (with that name)."""
    if isinstance(schema.get("properties"), Mapping):
        return None, schema
    ref = schema.get("$ref")
    defs = schema.get("$defs")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and isinstance(defs, Mapping):
        name = ref[len("#/$defs/"):]
        target = defs.get(name)
        if isinstance(target, Mapping) and isinstance(target.get("properties"), Mapping):
            return name, target
    return None


def _closed_names(schema: Mapping[str, Any]) -> frozenset[str] | None:
    """The payload object's property names when no other name is allowed (``additionalProperties: false``,
    no ``patternProperties``): a name outside them is an error whatever else the object holds."""
    found = _object_schema(schema)
    if found is None:
        return None
    target = found[1]
    if target.get("additionalProperties") is not False or "patternProperties" in target:
        return None
    return frozenset(name for name in target["properties"] if isinstance(name, str))


def _base64_names(target: Mapping[str, Any]) -> tuple[str, ...]:
    """Properties of an object schema whose only string check is the base64 ``pattern`` (``hardwareIdentifier``)."""
    props = target.get("properties")
    if not isinstance(props, Mapping):
        return ()
    return tuple(
        name for name, sub in props.items() if isinstance(sub, Mapping) and sub.get("pattern") == BASE64_PATTERN)


def _base64_properties(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """The payload object's base64 properties (``_base64_names``)."""
    found = _object_schema(schema)
    return _base64_names(found[1]) if found is not None else ()


def _collection_records(schema: Mapping[str, Any]) -> str | None:
    """The ``$defs`` name of the records an import body lists (the items of ``AUTOPILOT_COLLECTION``), or None."""
    found = _object_schema(schema)
    collection = found[1]["properties"].get(AUTOPILOT_COLLECTION) if found is not None else None
    if not isinstance(collection, Mapping):
        return None
    for branch in (collection, *collection.get("anyOf", ())):
        items = branch.get("items") if isinstance(branch, Mapping) else None
        ref = items.get("$ref") if isinstance(items, Mapping) else None
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return ref[len("#/$defs/"):]
    return None


def _without_patterns(schema: Mapping[str, Any], names: tuple[str, ...], records: str | None = None,
                      record_names: tuple[str, ...] = ()) -> dict[str, Any]:
    """``schema`` with the ``pattern`` of the payload object's properties ``names`` left out, and of the
    properties ``record_names`` of the ``$defs`` entry ``records`` (an import body's records)."""
    changed = dict(schema)
    found = _object_schema(schema)
    places = [(found[0], names)] if found is not None and names else []
    if records is not None and record_names:
        places.append((records, record_names))
    for entry, props_named in places:  # entry: a $defs name, or None for the root
        target = changed if entry is None else changed["$defs"][entry]
        props = dict(target["properties"])
        for name in props_named:
            props[name] = {k: v for k, v in props[name].items() if k != "pattern"}
        if entry is None:
            changed = {**target, "properties": props}
        else:
            changed = {**changed, "$defs": {**changed["$defs"], entry: {**target, "properties": props}}}
    return changed


def _fast_validator(schema: Mapping[str, Any], without_pattern: tuple[str, ...], records: str | None = None,
                    record_names: tuple[str, ...] = ()) -> Any:
    """A jsonschema-rs validator for ``schema``, minus the ``pattern`` of ``without_pattern`` (and of an import
    body's records' ``record_names``, see ``_without_patterns``); None if unusable.

    For ``validate`` it only answers "valid" early: a payload it rejects (or
    cannot take) is checked again by jsonschema, which alone produces every
    error; ``is_valid`` also takes its "invalid" (see ``_fast_verdict``). The
    generated schemas use only ASCII patterns, types, enums and
    ``additionalProperties``, where the two agree (``$`` is read as ``\\Z`` on
    both sides, see ``_anchored``). The base64 patterns left out here are
    checked by a strict decode instead (``_b64_ok``), which accepts exactly
    what the pattern accepts, at a fraction of a regular expression's cost
    over a 4000-character hash (0.2 against 6.8 µs a record measured with the
    pattern in; the generated type schemas keep the object under ``$defs``,
    which is why ``_object_schema`` follows the root ``$ref``).
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a dependency; kept optional for odd platforms
        return None
    try:
        return jsonschema_rs.validator_for(_without_patterns(schema, without_pattern, records, record_names),
                                           validate_formats=False)
    except Exception:  # an accelerator: any failure means "not used"
        return None


def _b64_ok(value: object) -> bool:
    """What ``BASE64_PATTERN`` accepts: the alphabet in groups of four, '=' padding only at the end."""
    if type(value) is not str:
        return True  # the type is jsonschema-rs's to judge
    if len(value) % 4:
        return False
    try:
        strict_b64decode(value)
    except (ValueError, TypeError):
        return False
    return True


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
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


#: Draft 2020-12 with ``pattern`` anchored as JSON Schema means it (see ``_anchored``).
SchemaValidator: Any = extend(Draft202012Validator, {"pattern": _pattern_keyword})  # type: ignore[no-untyped-call]


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
            yield from _reported_errors(e for e in error.context or ()
                                        if e.relative_schema_path and e.relative_schema_path[0] == branch)


def _value_branch(error: ValidationError) -> int | None:
    """For an ``anyOf``/``oneOf`` error of a nullable slot holding a value other than null, the index of
    the branch that is not ``{"type": "null"}``; else None."""
    branches = error.validator_value
    if error.validator not in ("anyOf", "oneOf") or error.instance is None or not isinstance(branches, list) \
            or len(branches) != 2 or {"type": "null"} not in branches:
        return None
    return 1 - branches.index({"type": "null"})


def _error_order(error: ValidationError) -> tuple[list[tuple[int, int, str]], str]:
    """Where an error is, array indices compared as numbers (record 2 before record 10), then its keyword."""
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path], str(error.validator)


class Validator:
    """A schema compiled once, with the profile's rules; reuse it for many payloads.

    Build one with ``Validator.for_type`` or ``Validator.for_operation``; the
    compiled schema is cached, so building another for the same target is cheap.
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        profile: Profile = "contract",
        autopilot: Literal["record", "collection", None] = None,
        location: Location | None = None,
    ) -> None:
        if not isinstance(schema, Mapping):
            raise InvalidArgumentError(
                "schema", f"a JSON Schema is a mapping (such as a dict), not {type(schema).__name__}; "
                "Validator.for_type(name) and Validator.for_operation(name) load the shipped ones")
        _check_choice("profile", profile, PROFILES)
        self.schema = schema
        self.profile = profile
        self._compiled = SchemaValidator(schema)
        # Set by for_type/for_operation only: the equivalence argued in _fast_validator holds for
        # the project's generated schemas, not for any schema a caller passes in.
        self._fast: Any = None
        #: Base64 properties whose pattern the fast verdict leaves to ``_b64_ok`` (or to the hash rule).
        self._b64_props: tuple[str, ...] = ()
        #: The same for each record of an import body (``AUTOPILOT_COLLECTION``).
        self._record_b64_props: tuple[str, ...] = ()
        #: The payload object's names when it allows no others (``_closed_names``), for the fast verdict.
        self._names: frozenset[str] | None = None
        self._autopilot = autopilot if profile == "upload" else None
        self.location = location

    @classmethod
    def for_type(
        cls, name: str, *, version: str = "v1.0", direction: Direction = "request", profile: Profile = "contract"
    ) -> Validator:
        _check_choice("direction", direction, DIRECTIONS)
        _check_name(name, version)
        schema = _load_schema(version, f"types/{def_name(name, direction)}.json")
        validator = cls(schema, profile=profile, autopilot="record" if name == AUTOPILOT_TYPE else None)
        validator._accelerate()
        return validator

    @classmethod
    def for_operation(
        cls, op_id: str, *, version: str = "v1.0", direction: Direction = "request", profile: Profile = "contract"
    ) -> Validator:
        _check_choice("direction", direction, DIRECTIONS)
        _check_name(op_id, version)
        schema = _load_schema(version, f"operations/{op_id}.{direction}.json")
        autopilot: Literal["record", "collection", None] = None
        if direction == "request" and op_id == f"{AUTOPILOT_TYPE}.import":
            autopilot = "collection"
        elif direction == "request" and op_id == f"{AUTOPILOT_TYPE}.create":
            autopilot = "record"
        validator = cls(schema, profile=profile, autopilot=autopilot)
        validator._accelerate()
        return validator

    def validate(self, obj: Any, *, location: Location | None = None) -> list[Issue]:
        """Every issue in ``obj``; an empty list means the payload conforms."""
        # One record repeats nothing: only an import body needs the checks across records.
        batch = self._batch() if self._autopilot == "collection" else None
        return self._check(obj, batch, location or self.location, "")

    def is_valid(self, obj: Any) -> bool:
        """True when ``obj`` has no error (warnings do not count): ``validate`` without building issues.

        Exactly ``not any(i.severity == "error" for i in validate(obj))``, which the differential tests
        check on generated valid and broken records, in both profiles.
        """
        verdict = self._fast_verdict(obj)
        if verdict is None:  # not plain JSON, or no jsonschema-rs: the full answer
            if self._autopilot is None:
                return not _not_json(obj) and bool(self._compiled.is_valid(obj))
            return not any(i.severity == "error" for i in self.validate(obj))
        if not verdict or self._autopilot is None:
            return verdict  # a schema error is an error, whatever the rules say
        if self._autopilot == "record" and type(obj) is dict:
            # A single record the schema accepts: validate() adds only the record rules. Every hash
            # fault is an error, and hash_is_sound answers False exactly for a hash with a fault, so
            # the diagnosis that would say where and why is not needed for a yes or no.
            return hash_is_sound(obj.get("hardwareIdentifier")) and record_free_of_errors(obj)
        if self._autopilot == "collection" and type(obj) is dict:
            records = obj.get(AUTOPILOT_COLLECTION)
            if type(records) is list and (answer := _records_free_of_errors(records)) is not None:
                return answer
        return not any(i.severity == "error" for i in self.validate(obj))

    def validate_many(self, items: Iterable[Any], *, batch: BatchChecker | None = None
                      ) -> Iterator[tuple[int, list[Issue]]]:
        """Validate a stream lazily, yielding ``(index, issues)`` per item in order.

        ``batch`` must be a ``BatchChecker`` or None (``InvalidArgumentError`` at the call, not at the
        first item, otherwise).

        This is the one place where a profile, the Autopilot rules and the
        checks across records apply, whatever format the records came in.
        Items are payloads, or ``records.Record``s from the readers: then the
        record's own reader issues come first, its pointer is put before the
        issues' pointers and its location (file, row or line, CSV column) is
        set on them. In the upload profile duplicates are found across the
        whole stream; pass one ``BatchChecker`` to several calls (the CLI
        passes one per file, sharing a ``DuplicateIndex`` across the run) to
        find them across those calls too.
        """
        if batch is not None and not isinstance(batch, BatchChecker):
            raise InvalidArgumentError(
                "batch", f"expected a graph_contracts.autopilot.rules.BatchChecker or None, not "
                f"{type(batch).__name__}")
        return self._validate_many(items, self._batch() if batch is None else batch)

    def _validate_many(self, items: Iterable[Any], batch: BatchChecker | None) -> Iterator[tuple[int, list[Issue]]]:
        from .records import Record

        for index, item in enumerate(items):
            if isinstance(item, Record):
                yield index, self.check_record(item, batch)
            else:
                yield index, self._check(item, batch, self.location, "")

    def check_record(self, record: Any, batch: BatchChecker | None) -> list[Issue]:
        """``validate_many`` for one ``records.Record``: what a caller that has its own loop over a
        file's records calls (``validate_files.Run``), without a generator between each record."""
        location: Location = record.location
        issues: list[Issue] = list(record.issues)
        if batch is not None:
            batch.record = record
            if not issues and record.readable and self._autopilot == "record":
                clean = self.clean_device(record.value)
                if clean is not None:  # the happy path: nothing but the batch can find an issue
                    found = batch.check(record.value, "", location, clean)
                    return place_issues(found, record.pointer, location, record.columns) if found else found
        if record.readable:
            found = self._check(record.value, batch, location, "", hash_optional=record.hash_optional)
            seen = {(i.pointer, i.code) for i in issues}
            issues += [i for i in found if (i.pointer, i.code) not in seen]
            if issues:
                issues = root_causes(issues)  # the reader's or the schema's root cause alone
        elif batch is not None and record.is_record and self._autopilot is not None:
            issues += batch.check({}, "", location)  # it still counts towards the batch size
        return place_issues(issues, record.pointer, location, record.columns)

    @property
    def record_rules(self) -> bool:
        """True when each payload is one Autopilot device record under the upload profile's rules,
        the validators ``clean_device`` serves."""
        return self._autopilot == "record"

    # -- internals

    def clean_device(self, value: Any) -> HashIdentity | None:
        """The hash identity of a device record with no schema or record issue, else None ("check it all").

        Exact by construction: jsonschema-rs's verdict (with the base64 patterns left to the strict
        decode) on a flat record of strings, ``fast_identity`` and ``record_clean``, each True only
        where the full analysis finds nothing; the differential tests compare the two paths. Only for a
        validator whose profile runs the Autopilot record rules (``autopilot == "record"``).
        """
        if type(value) is not dict or self._fast is None:
            return None
        identity = fast_identity(value.get("hardwareIdentifier"))
        if identity is None or not record_clean(value, identity) or self._fast_verdict(value) is not True:
            return None
        return identity

    def _batch(self) -> BatchChecker | None:
        if self._autopilot is None:
            return None
        return BatchChecker()

    def _accelerate(self) -> None:
        """Set up the jsonschema-rs verdict (see ``_fast_validator``) for a generated schema."""
        without = _base64_properties(self.schema)
        records = _collection_records(self.schema)
        record_names = _base64_names(self.schema["$defs"][records]) if records is not None else ()
        self._fast = _fast_validator(self.schema, without, records, record_names)
        self._names = _closed_names(self.schema)
        # In the upload profile the hash rule decodes hardwareIdentifier strictly anyway, of the record
        # or of each record of an import body.
        covered = ("hardwareIdentifier",) if self._autopilot == "record" else ()
        self._b64_props = tuple(name for name in without if name not in covered)
        covered = ("hardwareIdentifier",) if self._autopilot == "collection" else ()
        self._record_b64_props = tuple(name for name in record_names if name not in covered)

    def _fast_valid(self, obj: Any) -> bool:
        """True when jsonschema-rs finds ``obj`` valid; False means "ask jsonschema"."""
        return self._fast_verdict(obj) is True

    def _fast_verdict(self, obj: Any) -> bool | None:
        """jsonschema-rs's verdict on the schema (base64 patterns by strict decode), or None: ask jsonschema.

        ``validate`` uses only a True (its errors come from jsonschema); ``is_valid`` also takes a
        False, as the two agree on the generated schemas for plain JSON (``_plain_json``), which the
        differential tests check body for body.
        """
        fast = self._fast
        if fast is None:
            return None
        names = self._names
        if names is not None and type(obj) is dict:
            # A flat record in two set operations (the usual upload record) instead of _plain_json's walk.
            if not names.issuperset(obj):
                return False  # a name the object does not allow: an error (unknown, or not a JSON name)
            if not _FLAT_VALUES.issuperset(map(type, obj.values())) and not _plain_json(obj):
                return None
        elif not _plain_json(obj):
            return None
        try:
            if not fast.is_valid(obj):
                return False
        except Exception:  # e.g. a value jsonschema-rs cannot convert
            return None
        for name in self._b64_props:
            if not _b64_ok(obj.get(name)):
                return False
        if self._record_b64_props:
            for record in obj.get(AUTOPILOT_COLLECTION) or ():  # dicts: the schema accepted the body
                for name in self._record_b64_props:
                    if not _b64_ok(record.get(name)):
                        return False
        return True

    def _check(self, obj: Any, batch: BatchChecker | None, location: Location | None, prefix: str, *,
               hash_optional: bool = False) -> list[Issue]:
        # Fast path: a payload jsonschema-rs finds valid has no schema errors; any other payload gets
        # jsonschema's errors (none if jsonschema finds it valid). jsonschema's own is_valid first
        # would gain nothing: on a valid payload it costs what iter_errors costs.
        fast = self._fast_valid(obj)
        if not fast and (unusable := _not_json(obj)):
            issues = unusable  # neither the schema nor the rules can judge what is not JSON
            return [_located(i, location) for i in issues] if location is not None else issues
        issues = [] if fast else schema_issues(self._compiled, obj)
        from_schema = len(issues)
        if self._autopilot is not None and isinstance(obj, dict):
            if self._autopilot == "record":
                issues += _autopilot_issues(obj, prefix, batch, location, hash_optional)
            else:
                records = obj.get(AUTOPILOT_COLLECTION)
                if isinstance(records, list):
                    for i, record in enumerate(records):
                        if isinstance(record, dict):
                            where = pointer_join(prefix, AUTOPILOT_COLLECTION, i)
                            issues += _autopilot_issues(record, where, batch, location, False)
        if location is not None:
            issues = [i if i.location else _located(i, location) for i in issues]
        return _dedupe(issues, from_schema)


def _records_free_of_errors(records: list[Any]) -> bool | None:
    """``is_valid`` for the records of an import body the schema accepts: each record's rules, then the
    checks across them (duplicates, batch size), stopping at the first error (``validate`` goes on,
    but one error is the answer already). None where ``validate`` must say: a record that is not a
    dict, more records than one upload takes, or a duplicate key (which kind, and so whether it is an
    error, is ``BatchChecker``'s to tell). The keys are ``BatchChecker.keys``, kept in a set: a body
    needs no digest table, no positions and no issue for the usual answer, no repeat."""
    if len(records) > BATCH_LIMIT:
        return None
    seen: set[int] = set()
    for record in records:
        if type(record) is not dict:
            return None
        identity = fast_identity(record.get("hardwareIdentifier"))
        if identity is None or not record_free_of_errors(record):
            return False
        for _code, key in BatchChecker.keys(record, identity):
            if key in seen:
                return None
            seen.add(key)
    return True


def _autopilot_issues(
    record: dict[str, Any], pointer: str, batch: BatchChecker | None, location: Location | None, hash_optional: bool
) -> list[Issue]:
    decoded, issues = device_issues(record, pointer, require_hash=not hash_optional)
    if batch is not None:
        issues += batch.check(record, pointer, location, decoded)
    return issues


def place_issues(issues: list[Issue], prefix: str, location: Location, columns: Mapping[str, str] | None
                 ) -> list[Issue]:
    """The issues of a record read from a file, placed in it: ``prefix`` (the record's pointer) before
    their pointers, their location the record's, with the CSV column (``columns``) of their property."""
    if not prefix and columns is None:
        return issues
    return [_place(i, prefix, location, columns) for i in issues]


def _place(issue: Issue, prefix: str, location: Location, columns: Mapping[str, str] | None) -> Issue:
    """An issue of a record read from a file: its pointer within the file, its row and CSV column."""
    if columns is not None:
        from .autopilot.csv_reader import column_of

        column = column_of(issue.pointer, columns)
        base = issue.location or location
        location = replace(base, column=column) if column != base.column else base
    elif issue.location is not None:
        location = issue.location
    return replace(issue, pointer=prefix + issue.pointer, location=location)


def _located(issue: Issue, location: Location) -> Issue:
    return replace(issue, location=location)


def _dedupe(issues: list[Issue], schema_count: int = 0) -> list[Issue]:
    """One issue per value and code. The schema (``issues[:schema_count]``) and the Autopilot rules may
    both flag one value (bad base64): report it once, in the schema's place with the rule's words (they
    come later and say where and what: "'!' at position 100"), so a value gets the same message whether
    or not something else in the payload is wrong. Of several rule findings with one code (a foreign
    character, then the length it throws off) the first, the root cause, is kept."""
    at: dict[tuple[str, str], int] = {}
    schema_slots: set[tuple[str, str]] = set()
    out: list[Issue] = []
    for index, i in enumerate(issues):
        key = (i.pointer, i.code)
        if key not in at:
            at[key] = len(out)
            out.append(i)
            if index < schema_count:
                schema_slots.add(key)
        elif key in schema_slots and index >= schema_count:
            out[at[key]] = i
            schema_slots.discard(key)
    return out


#: What a type or operation name may look like; anything else cannot name a schema file.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,199}")


def _check_name(name: str, version: str) -> None:
    """Refuse a name that cannot be a schema's before it reaches the file system (NUL, 5000 characters)."""
    if not isinstance(name, str) or _NAME.fullmatch(name) is None or not isinstance(version, str) \
            or _NAME.fullmatch(version) is None:
        raise UnknownContractError(
            f"no contract for {quote(name)} in {quote(version)}: a type or operation name is letters, digits and dots")


@lru_cache(maxsize=256)
def _load_schema_text(version: str, rel: str) -> str:
    path = schemas_dir() / version / rel
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnknownContractError(f"no schema {version}/{rel}: unknown type, operation or version") from None


def _load_schema(version: str, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_load_schema_text(version, rel))
    return data


@lru_cache(maxsize=256)
def _cached_validator(target: str, name: str, version: str, direction: Direction, profile: Profile) -> Validator:
    if target == "type":
        return Validator.for_type(name, version=version, direction=direction, profile=profile)
    return Validator.for_operation(name, version=version, direction=direction, profile=profile)


def odata_type_validator(
    payload: Any, version: str, direction: Direction = "request", profile: Profile = "contract"
) -> Validator | Issue | None:
    """The validator of the type a payload's ``@odata.type`` names (``#microsoft.graph.X`` names ``X``).

    None when the payload names no type; an ``odata-type`` issue at
    ``/@odata.type`` when the name has no contract in ``version``. ``validate``
    and the file validator both infer a payload's type here.
    """
    odata = payload.get("@odata.type") if isinstance(payload, dict) else None
    if not isinstance(odata, str) or not odata:
        return None
    try:
        return _cached_validator("type", odata.lstrip("#").rsplit(".", 1)[-1], version, direction, profile)
    except UnknownContractError:
        return Issue("/@odata.type", "odata-type", f"{quote(odata)} names no type with a contract in {version}")


def validate(
    payload: Any,
    *,
    type: str | None = None,
    operation: str | None = None,
    version: str = "v1.0",
    direction: Direction = "request",
    profile: Profile = "contract",
) -> list[Issue]:
    """Validate one payload, compiling (once, then cached) the schema it needs.

    Name a ``type`` or an ``operation`` (``importedWindowsAutopilotDeviceIdentity.import``);
    with neither, the type is read from the payload's ``@odata.type`` (one naming no known type is
    an ``odata-type`` issue). A ``type`` or ``operation`` with no contract raises
    ``UnknownContractError``; a ``direction`` or ``profile`` other than the ones listed (spelled
    exactly: ``"request"``/``"response"``, ``"contract"``/``"upload"``) raises
    ``InvalidArgumentError`` (a ``ValueError``) naming the choices. Bad payloads give issues.
    """
    _check_choice("direction", direction, DIRECTIONS)
    _check_choice("profile", profile, PROFILES)
    if operation is not None:
        return _cached_validator("operation", operation, version, direction, profile).validate(payload)
    if type is None:
        found = odata_type_validator(payload, version, direction, profile)
        if found is None:
            return [Issue("", "odata-type", "name a type or an operation, or give the payload an @odata.type")]
        return [found] if isinstance(found, Issue) else found.validate(payload)
    return _cached_validator("type", type, version, direction, profile).validate(payload)
