"""The validator: payloads and streams of records judged against a compiled schema, with the profile's rules.

``Validator`` is the one door: ``validate`` and ``is_valid`` for one payload,
``validate_many`` for a stream of payloads, and ``check_stream`` for the
records the readers (``records``) make of a file, where it alone runs the
checks across records (``BatchChecker``: the batch size and duplicates) and
places each issue in the file. What the profiles mean is in ``profiles``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property, lru_cache
from typing import Any, Literal, Protocol, cast

from ..autopilot.batch import BatchChecker, PlainRows
from ..autopilot.catalog import root_causes
from ..autopilot.csv_reader import PlainRow
from ..autopilot.duplicates import DuplicateIndex
from ..autopilot.hash_fast import HashIdentity, fast_identity, hash_is_sound
from ..autopilot.rules import (
    BATCH_LIMIT,
    DuplicateKeys,
    device_issues,
    record_clean,
    record_free_of_errors,
)
from ..errors import InvalidArgumentError
from ..issues import Issue, Location, pointer_join, quote
from ..patterns import def_name
from ..records import Record, csv_record
from .fast_schema import b64_ok, base64_names, base64_properties, closed_names, collection_records, fast_validator
from .loading import UnknownContractError, check_name, load_schema
from .placing import located, place_issues
from .plain_json import FLAT_VALUES, not_json, plain_json
from .profiles import AUTOPILOT_COLLECTION, AUTOPILOT_TYPE, DIRECTIONS, PROFILES, Direction, Profile, check_choice
from .results import RecordResult
from .schema_errors import schema_issues, schema_validator_class

__all__ = ["DEFERRED", "LANE_ROWS", "DeferredBatch", "Merge", "Targets", "Validator", "validate", "validator_for"]


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
                "schema",
                f"a JSON Schema is a mapping (such as a dict), not {type(schema).__name__}; "
                "Validator.for_type(name) and Validator.for_operation(name) load the shipped ones",
            )
        check_choice("profile", profile, PROFILES)
        self.schema = schema
        self.profile = profile
        # Set by for_type/for_operation only: the equivalence argued in fast_validator holds for
        # the project's generated schemas, not for any schema a caller passes in.
        self._fast: Any = None
        #: Base64 properties whose pattern the fast verdict leaves to ``b64_ok`` (or to the hash rule).
        self._b64_props: tuple[str, ...] = ()
        #: The same for each record of an import body (``AUTOPILOT_COLLECTION``).
        self._record_b64_props: tuple[str, ...] = ()
        #: The payload object's names when it allows no others (``closed_names``), for the fast verdict.
        self._names: frozenset[str] | None = None
        self._autopilot = autopilot if profile == "upload" else None
        self.location = location

    @cached_property
    def _compiled(self) -> Any:
        """The schema compiled for jsonschema's errors, on first use: a stream of valid records never
        asks (the fast verdict answers for them), so validating it does not import jsonschema."""
        return schema_validator_class()(self.schema)

    @classmethod
    def for_type(
        cls, name: str, *, version: str = "v1.0", direction: Direction = "request", profile: Profile = "contract"
    ) -> Validator:
        check_choice("direction", direction, DIRECTIONS)
        check_name(name, version)
        schema = load_schema(version, f"types/{def_name(name, direction)}.json")
        validator = cls(schema, profile=profile, autopilot="record" if name == AUTOPILOT_TYPE else None)
        validator._accelerate()
        return validator

    @classmethod
    def for_operation(
        cls, op_id: str, *, version: str = "v1.0", direction: Direction = "request", profile: Profile = "contract"
    ) -> Validator:
        check_choice("direction", direction, DIRECTIONS)
        check_name(op_id, version)
        schema = load_schema(version, f"operations/{op_id}.{direction}.json")
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
                return not not_json(obj) and bool(self._compiled.is_valid(obj))
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

    def validate_many(
        self, items: Iterable[Any], *, batch: BatchChecker | None = None
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
                "batch", f"expected a graph_contracts.autopilot.batch.BatchChecker or None, not {type(batch).__name__}"
            )
        return self._validate_many(items, self._batch() if batch is None else batch)

    def _validate_many(self, items: Iterable[Any], batch: BatchChecker | None) -> Iterator[tuple[int, list[Issue]]]:
        for index, item in enumerate(items):
            if isinstance(item, Record):
                yield index, self.check_record(item, batch)
            else:
                yield index, self._check(item, batch, self.location, "")

    def check_record(self, record: Any, batch: BatchChecker | None) -> list[Issue]:
        """``validate_many`` for one ``records.Record``, without a generator between each record."""
        location: Location = record.location
        issues: list[Issue] = list(record.issues)
        if batch is not None:
            batch.record = record
            if not issues and record.readable and self._autopilot == "record":
                keys = self._clean_keys(record.value)
                if keys is not None:  # the happy path: nothing but the batch can find an issue
                    found = batch.check_keys(keys, record.value.get("serialNumber"), "", location)
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

    def check_stream(
        self,
        records: Iterable[Record | PlainRow],
        *,
        duplicates: DuplicateIndex | None = None,
        batch: BatchChecker | None = None,
        counted: bool = False,
        pick: Targets | None = None,
    ) -> Iterator[RecordResult | int]:
        """A ``RecordResult`` per record of one file's stream, in order, with one batch for the file.

        ``records`` are what a reader yields (``records.open_records``): ``Record``s, and with
        ``plain=True`` the CSV reader's ``PlainRow`` tuples. This validator judges the device records
        (the CSV rows); ``pick`` chooses the validator of any other record (a JSON file's, by its
        target), and without it an unreadable record has its reader issues alone. Duplicates are
        looked up in ``duplicates`` (a run shares one across its files), or by ``batch`` when given
        (``--jobs`` workers pass a ``DeferredBatch``). With ``counted``, records without issues come
        as counts: a number ``n`` stands for the next ``n`` such records.

        The clean-row lane. The CSV reader hands over a row it can prove free of reader issues as a
        plain tuple (``PlainRow``). The lane judges it with this validator's happy path
        (``clean_device``: the jsonschema-rs verdict, the hash and the record rules, each True only
        where the full analysis finds nothing) and holds its duplicate keys in ``PlainRows``
        (``add_clean``: the keys ``BatchChecker.keys`` gives such a row, without its tuples); the
        batch checks of up to ``LANE_ROWS`` held rows then run in one call
        (``BatchChecker.check_rows``), always before the next record's, so they see the rows in
        input order. Only a row with a batch issue becomes a ``RecordResult``; the others are counts
        (``counted``) or results without issues. A row the happy path does not pass becomes the
        ``Record`` the reader would have made and goes the general way (``check_record``), which
        explains what is wrong, so the results are exactly those of one ``Record`` and
        ``check_record`` per row. ``--jobs`` workers run this same method; their ``DeferredBatch``
        hands the held rows and the general path's lookups to the parent, which ``Merge`` checks in
        input order with the run's one ``DuplicateIndex``.
        """
        if batch is None:
            batch = BatchChecker(duplicates=duplicates)
        clean = self.clean_device if self.record_rules else None
        pending: PlainRows | None = None  # rows found clean, before their batch checks
        try:
            for record in records:
                if type(record) is tuple:
                    number, value, file, columns = record
                    identity = clean(value) if clean is not None else None
                    if identity is not None:
                        if pending is None:
                            pending = PlainRows(file, columns)
                        pending.add_clean(number, value, identity)  # BatchChecker.keys, for a clean row
                        if len(pending) >= LANE_ROWS:
                            held, pending = pending, None
                            yield from _lane_results(batch, held, counted)
                        continue
                    record = csv_record(file, number, value, columns)
                assert isinstance(record, Record)
                if pending is not None:  # the batch checks stay in input order
                    held, pending = pending, None
                    yield from _lane_results(batch, held, counted)
                if pick is None:
                    validator, problems = (self if record.readable else None), []
                else:
                    validator = pick(record)
                    problems = pick.problems(record) if validator is None else []
                issues = list(record.issues) + problems if validator is None else validator.check_record(record, batch)
                yield 1 if counted and not issues and record.is_record else _result(record, issues)
        except Exception:
            # The file failed part-way (a read error, bad UTF-16): the rows read before it still count.
            if pending is not None:
                yield from _lane_results(batch, pending, counted)
            raise
        if pending is not None:
            yield from _lane_results(batch, pending, counted)

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

    def _clean_keys(self, value: Any) -> DuplicateKeys | None:
        """The happy path: the duplicate keys of a device record in which nothing but the batch checks
        can find an issue (``clean_device``), else None."""
        identity = self.clean_device(value)
        return None if identity is None else BatchChecker.keys(value, identity)

    def _batch(self) -> BatchChecker | None:
        if self._autopilot is None:
            return None
        return BatchChecker()

    def _accelerate(self) -> None:
        """Set up the jsonschema-rs verdict (see ``fast_validator``) for a generated schema."""
        without = base64_properties(self.schema)
        records = collection_records(self.schema)
        record_names = base64_names(self.schema["$defs"][records]) if records is not None else ()
        self._fast = fast_validator(self.schema, without, records, record_names)
        self._names = closed_names(self.schema)
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
        False, as the two agree on the generated schemas for plain JSON (``plain_json``), which the
        differential tests check body for body.
        """
        fast = self._fast
        if fast is None:
            return None
        names = self._names
        if names is not None and type(obj) is dict:
            # A flat record in two set operations (the usual upload record) instead of plain_json's walk.
            if not names.issuperset(obj):
                return False  # a name the object does not allow: an error (unknown, or not a JSON name)
            if not FLAT_VALUES.issuperset(map(type, obj.values())) and not plain_json(obj):
                return None
        elif not plain_json(obj):
            return None
        try:
            if not fast.is_valid(obj):
                return False
        except Exception:  # e.g. a value jsonschema-rs cannot convert
            return None
        for name in self._b64_props:
            if not b64_ok(obj.get(name)):
                return False
        if self._record_b64_props:
            for record in obj.get(AUTOPILOT_COLLECTION) or ():  # dicts: the schema accepted the body
                for name in self._record_b64_props:
                    if not b64_ok(record.get(name)):
                        return False
        return True

    def _check(
        self,
        obj: Any,
        batch: BatchChecker | None,
        location: Location | None,
        prefix: str,
        *,
        hash_optional: bool = False,
    ) -> list[Issue]:
        # Fast path: a payload jsonschema-rs finds valid has no schema errors; any other payload gets
        # jsonschema's errors (none if jsonschema finds it valid). jsonschema's own is_valid first
        # would gain nothing: on a valid payload it costs what iter_errors costs.
        fast = self._fast_valid(obj)
        if not fast and (unusable := not_json(obj)):
            issues = unusable  # neither the schema nor the rules can judge what is not JSON
            return [located(i, location) for i in issues] if location is not None else issues
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
            issues = [i if i.location else located(i, location) for i in issues]
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


#: Clean rows the lane holds before their batch checks run, in one call (``BatchChecker.check_rows``).
LANE_ROWS = 256


class Targets(Protocol):
    """How a stream's records pick their validator (``files.Run`` picks by the record's target)."""

    def __call__(self, record: Record) -> Validator | None: ...

    def problems(self, record: Record) -> list[Issue]:
        """The issues of a record no validator takes (an ``@odata.type`` naming no type)."""
        ...


def _result(record: Record, issues: list[Issue]) -> RecordResult:
    return RecordResult(record.location.file, record.label, issues, record.line, record.is_record)


def _lane_results(batch: BatchChecker, plain: PlainRows, counted: bool) -> Iterator[RecordResult | int]:
    """The results of the lane's rows (see ``Validator.check_stream``), once ``batch`` has checked them:
    a ``RecordResult`` for each row with a batch issue, the others as counts (``counted``) or
    results without issues."""
    found = batch.check_rows(plain)
    rows, file = plain.rows, plain.file
    done = 0
    for index, issues in [*found, (len(rows), [])]:
        if counted:
            if index > done:
                yield index - done
        else:
            yield from (RecordResult(file, f"row {row}", [], row) for row in rows[done:index])
        if index < len(rows):
            row = rows[index]
            yield RecordResult(
                file, f"row {row}", place_issues(issues, "", Location(file, row=row), plain.columns), row
            )
        done = index + 1


#: The code of the placeholder a ``--jobs`` worker leaves where the batch issues of a record go.
DEFERRED = "batch-deferred"

#: A deferred lookup: (keys, serialNumber, pointer, location, record pointer, record columns, record location).
DeferredCall = tuple[DuplicateKeys, object, str, Location | None, str, Mapping[str, str] | None, Location]


class DeferredBatch(BatchChecker):
    """The batch of a ``--jobs`` worker: it computes each record's duplicate keys (the costly part) and
    leaves the lookups, which depend on every row before, to the parent (``Merge``).

    A record of the general path gets a placeholder issue (code ``DEFERRED``, its message the index
    of its call in ``calls``); the lane's rows come in ``PlainRows`` (``check_rows``), kept in
    ``plain`` as they are for the parent.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[DeferredCall] = []
        #: Lane rows handed over since the last look (the worker moves them to its outcome).
        self.plain: list[PlainRows] = []

    def check_keys(
        self, keys: DuplicateKeys, serial: object, pointer: str = "", location: Location | None = None
    ) -> list[Issue]:
        current: Any = self.record
        self.calls.append((keys, serial, pointer, location, current.pointer, current.columns, current.location))
        return [Issue(pointer, DEFERRED, str(len(self.calls) - 1), location=location)]

    def check_rows(self, plain: PlainRows) -> list[tuple[int, list[Issue]]]:
        self.plain.append(plain)
        return []


class Merge:
    """The parent's side of ``--jobs``: the batch checks the workers deferred, run in input order with
    the run's ``DuplicateIndex``, so the batch count and the duplicates are one process's."""

    def __init__(self, duplicates: DuplicateIndex) -> None:
        self._batch = BatchChecker(duplicates=duplicates)

    def rows(self, plain: PlainRows, counted: bool) -> Iterator[RecordResult | int]:
        """The results of a worker's lane rows (``check_stream`` explains the lane)."""
        return _lane_results(self._batch, plain, counted)

    def deferred(self, call: DeferredCall, move: Callable[[Location | None], Location | None]) -> list[Issue]:
        """The batch issues of one placeholder, placed in the file; ``move`` puts a part's rows where they are."""
        keys, serial, pointer, location, prefix, columns, where = call
        found = self._batch.check_keys(keys, serial, pointer, move(location))
        return place_issues(found, prefix, cast("Location", move(where)), columns) if found else found


@lru_cache(maxsize=256)
def validator_for(target: str, name: str, version: str, direction: Direction, profile: Profile) -> Validator:
    """The validator of a ``"type"`` or an ``"operation"`` (``target``), compiled once per process."""
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
        return validator_for("type", odata.lstrip("#").rsplit(".", 1)[-1], version, direction, profile)
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
    check_choice("direction", direction, DIRECTIONS)
    check_choice("profile", profile, PROFILES)
    if operation is not None:
        return validator_for("operation", operation, version, direction, profile).validate(payload)
    if type is None:
        found = odata_type_validator(payload, version, direction, profile)
        if found is None:
            return [Issue("", "odata-type", "name a type or an operation, or give the payload an @odata.type")]
        return [found] if isinstance(found, Issue) else found.validate(payload)
    return validator_for("type", type, version, direction, profile).validate(payload)
