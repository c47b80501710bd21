"""The serialization round trip: contract bodies through an SDK's own JSON parser and writer, checked against the input.

Bodies come from our strategies plus a fixed set of edge values per Graph type
(Int32 bounds, 7-digit date-times with non-UTC offsets, base64 with padding,
every enum member). Each is parsed with kiota's ``JsonParseNode`` into the SDK's
model class and written back with ``JsonSerializationWriter`` (the writer the
SDK's request builders use). The output must validate against our request
schema and equal the input property by property.

Equality is semantic where JSON allows it and strict where the contract is:
``Z`` and ``+00:00`` are the same offset, and an absent property equals an
explicit null; but a date-time must keep its offset and instant, a base64 value
its exact text, an enum its exact member name, an integer its JSON type.

Date-time precision, decided here: Graph writes up to 7 fraction digits (100 ns
ticks) and Python's ``datetime`` holds 6, so an SDK truncates the 7th digit.
That is a ``precision`` difference, reported as a warning finding and not as a
contract break: RFC 3339 and our schemas fix no precision, the value stays
within 1 µs of the input, and no SDK on CPython can do better. Any other change
of the instant, and any change or loss of the offset, is a break.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ..contracts import ContractSet, Property, TypeContract, default_contracts
from ..issues import pointer_join, quote
from ..strategies import BodyStrategies
from ..validation import Validator
from .models import SdkDistribution, model_class
from .report import CheckResult, with_problems

#: Difference kinds that break the contract. Not breaking: ``precision`` (see the module docstring), ``reoffset``
#: (the same instant written with another offset: the same value, a note at most) and
#: ``unmodelled`` (a property outside the contract, in a response, came back re-encoded: the contract is silent).
BREAKING_KINDS = frozenset({"dropped", "added", "changed", "offset"})

#: Graph type -> values at its edges, each sent on its own in a body of the type.
EDGE_VALUES: Mapping[str, tuple[Any, ...]] = {
    "Int16": (-(2**15), 2**15 - 1),
    "Int32": (-(2**31), 2**31 - 1, 0),
    "Int64": (-(2**63), 2**63 - 1),
    "DateTimeOffset": (
        "2024-02-29T23:59:59.1234567+05:30",
        "1999-12-31T23:59:59.9999999-08:00",
        "2024-01-01T00:00:00Z",
        "2024-06-01T12:00:00.5+00:00",
    ),
    "Binary": ("AA==", "/+8=", "aGVsbG8gd29ybGQ="),
    "Boolean": (True, False),
    "String": ("", 'Ünïcødé ✓ "quoted"'),
}

_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<frac>\d+))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$"
)


# --------------------------------------------------------------------------- the SDK's own JSON path


def parse_model(cls: Any, data: Any) -> Any:
    """``data`` as the SDK reads a response: kiota's JsonParseNode into ``cls``."""
    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(data).encode("utf-8"))
    return node.get_object_value(cls)


def serialize_model(model: Any) -> Any:
    """``model`` as the SDK writes a request body: kiota's JsonSerializationWriter, parsed back to JSON."""
    from kiota_serialization_json.json_serialization_writer_factory import JsonSerializationWriterFactory

    writer = JsonSerializationWriterFactory().get_serialization_writer("application/json")
    writer.write_object_value(None, model)
    return json.loads(writer.get_serialized_content())


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Difference:
    """One way the SDK's output differs from what went in, at a JSON pointer."""

    pointer: str
    kind: str
    sent: Any
    got: Any

    @property
    def breaking(self) -> bool:
        return self.kind in BREAKING_KINDS

    def __str__(self) -> str:
        where = self.pointer or "/"
        if self.kind == "dropped":
            return f"{where}: dropped (sent {json_quote(self.sent)})"
        if self.kind == "added":
            return f"{where}: added {json_quote(self.got)} that was not sent"
        return f"{where}: {self.kind}: sent {json_quote(self.sent)}, got {json_quote(self.got)}"


def json_quote(value: Any) -> str:
    """A JSON value for a message as JSON spells it (``null``, ``true``, ``{"a": null}``), strings quoted as
    elsewhere in the gate (``'text'``): Python's ``None`` for a JSON null misleads whoever reads the report."""
    if isinstance(value, str):
        return quote(value)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return quote(value)
    return text if len(text) <= 80 else text[:65] + f"... ({len(text)} chars)"


@dataclass(frozen=True)
class _Moment:
    local: str
    nanos: int
    digits: int
    offset: str | None

    @classmethod
    def parse(cls, text: Any) -> _Moment | None:
        m = _DATETIME.match(text) if isinstance(text, str) else None
        if m is None:
            return None
        frac = m["frac"] or ""
        offset = m["offset"]
        if offset is not None and offset.upper() == "Z":
            offset = "+00:00"
        local = f"{m['date']}T{m['h']}:{m['m']}:{m['s']}"
        return cls(local, int((frac + "0" * 9)[:9]), len(frac), offset)

    def _epoch(self) -> float | None:
        if self.offset is None:
            return None
        try:
            return dt.datetime.fromisoformat(self.local + self.offset).timestamp()
        except (ValueError, OverflowError):
            return None

    def same_instant(self, other: _Moment) -> bool:
        """Both carry an offset and name the same instant (the 7th fraction digit truncated counts as the same)."""
        mine, theirs = self._epoch(), other._epoch()
        if mine is None or theirs is None or mine != theirs:
            return False
        return other.nanos == self.nanos or (self.digits > 6 and other.nanos == self.nanos - self.nanos % 1000)


def _compare_datetimes(pointer: str, sent: Any, got: Any) -> list[Difference]:
    a, b = _Moment.parse(sent), _Moment.parse(got)
    if a is None or b is None:
        return [] if sent == got else [Difference(pointer, "changed", sent, got)]
    if a.offset != b.offset:
        if not a.same_instant(b):
            return [Difference(pointer, "offset", sent, got)]
        # The same instant written with another offset (+00:00 for +05:30): the same value in RFC 3339 and
        # in Graph; the contract gives the offset no meaning of its own. A note, never a break.
        return [Difference(pointer, "reoffset", sent, got)]
    if (a.local, a.nanos) == (b.local, b.nanos):
        return []
    if a.local == b.local and a.digits > 6 and b.nanos == a.nanos - a.nanos % 1000:
        return [Difference(pointer, "precision", sent, got)]
    return [Difference(pointer, "changed", sent, got)]


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and bool(a == b)


class Comparer:
    """Compares two JSON bodies of a contract type, property by property, knowing each property's Graph type."""

    def __init__(self, contracts: ContractSet, version: str) -> None:
        self.contracts = contracts
        self.version = version

    def _type(self, name: str) -> TypeContract | None:
        return self.contracts.types.get((self.version, name))

    def _properties(self, type_name: str, odata_type: Any) -> dict[str, Property]:
        props = {p.name: p for p in self.contracts.all_properties(self.version, type_name)}
        if isinstance(odata_type, str):
            actual = odata_type.lstrip("#").rsplit(".", 1)[-1]
            if actual in self.contracts.derived_types(self.version, type_name):
                props.update({p.name: p for p in self.contracts.all_properties(self.version, actual)})
        return props

    def _allowed_odata_types(self, type_name: str) -> set[str]:
        names = (type_name, *self.contracts.derived_types(self.version, type_name))
        return {f"#microsoft.graph.{n}" for n in names}

    def _tag_needed(self, declared: str, tag: Any) -> bool:
        """Whether ``@odata.type`` ``tag`` must survive where ``declared`` is expected: only when it names a type
        derived from ``declared`` (without it the reader takes the declared type); a tag naming the declared
        type itself is optional in OData JSON, and dropping it changes nothing."""
        if not isinstance(tag, str):
            return False
        named = tag.lstrip("#").rsplit(".", 1)[-1]
        return named != declared and named in self.contracts.derived_types(self.version, declared)

    def compare(
        self, type_name: str, sent: Any, got: Any, pointer: str = "", *, declared: str | None = None
    ) -> list[Difference]:
        """Every difference; an empty list means the SDK kept the body intact.

        ``declared`` is the type the receiver expects (a collection's type, where a derived type is posted to its
        base type's collection); it decides whether a dropped ``@odata.type`` is a break (see ``_tag_needed``).
        """
        if not isinstance(sent, dict) or not isinstance(got, dict):
            return [] if _json_equal(sent, got) else [Difference(pointer, "changed", sent, got)]
        out: list[Difference] = []
        props = self._properties(type_name, sent.get("@odata.type", got.get("@odata.type")))
        for key, value in sent.items():
            here = pointer_join(pointer, key)
            if key not in got:
                if key == "@odata.type" and not self._tag_needed(declared or type_name, value):
                    continue
                if value is not None:  # an explicit null and an absent property say the same
                    out.append(Difference(here, "dropped", value, None))
                continue
            prop = props.get(key)
            out += self.compare_value(prop, value, got[key], here)
        for key, value in got.items():
            if key in sent or value is None:
                continue
            if key == "@odata.type" and value in self._allowed_odata_types(type_name):
                continue  # the contract allows @odata.type naming the type on any object
            out.append(Difference(pointer_join(pointer, key), "added", None, value))
        return out

    def compare_value(self, prop: Property | None, sent: Any, got: Any, pointer: str) -> list[Difference]:
        if prop is None:  # a property the contract does not know: only a response may carry one
            return [] if _json_equal(sent, got) else [Difference(pointer, "unmodelled", sent, got)]
        if prop.collection:
            if not isinstance(sent, list) or not isinstance(got, list) or len(sent) != len(got):
                return [] if _json_equal(sent, got) else [Difference(pointer, "changed", sent, got)]
            item = Property(prop.name, prop.type, prop.source)
            out: list[Difference] = []
            for i, (a, b) in enumerate(zip(sent, got, strict=True)):
                out += self.compare_value(item, a, b, pointer_join(pointer, i))
            return out
        if prop.type == "DateTimeOffset":
            return _compare_datetimes(pointer, sent, got)
        t = self._type(prop.type)
        if t is not None and t.category in ("complex", "entity"):
            return self.compare(t.name, sent, got, pointer)
        return [] if _json_equal(sent, got) else [Difference(pointer, "changed", sent, got)]


# --------------------------------------------------------------------------- inputs


def draw_examples(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` values from a strategy, derandomized so a gate failure reproduces."""
    drawn: list[Any] = []
    if count <= 0:
        return drawn

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def edge_bodies(contracts: ContractSet, version: str, type_name: str, *, writable_only: bool = True) -> list[Any]:
    """One body per edge value of each property (nested into complex properties), in contract order."""
    out: list[Any] = []
    for p in contracts.all_properties(version, type_name):
        if writable_only and p.read_only:
            continue
        t = contracts.types.get((version, p.type))
        values: Sequence[Any]
        if t is not None and t.category == "enum":
            values = [m.name for m in t.members]
        elif t is not None:
            values = edge_bodies(contracts, version, t.name, writable_only=writable_only)
        else:
            values = EDGE_VALUES.get(p.type, ())
        out += [{p.name: [v] if p.collection else v} for v in values]
    t = contracts.types.get((version, type_name))
    if t is not None and (version, t.base_type or "") in contracts.types:
        # A derived type is recognised only by its tag, as in the strategies' bodies.
        out = [{"@odata.type": f"#{t.qualified_name}", **body} for body in out]
    return out


def combined_edges(singles: Sequence[Any]) -> list[Any]:
    """The one-value bodies of ``edge_bodies`` folded into as few bodies as the longest property's list of edge
    values: body i carries the i-th edge value of every property that has one. Each value is still sent once;
    the wire check, which pays an HTTP exchange and an SDK parse per body, sends 8 bodies instead of 77."""
    columns: dict[str, list[Any]] = {}
    tag: dict[str, Any] = {}
    for body in singles:
        for key, value in body.items():
            if key == "@odata.type":
                tag = {key: value}
            else:
                columns.setdefault(key, []).append(value)
    rows = max((len(values) for values in columns.values()), default=0)
    return [{**tag, **{k: v[i] for k, v in columns.items() if i < len(v)}} for i in range(rows)]


def reoffset_note(diff: Difference) -> str:
    """What a ``reoffset`` difference is worth: a note that the SDK rewrites offsets, never a failure."""
    return (
        f"the SDK writes the same instant with another offset ({diff.pointer or '/'}: sent {quote(diff.sent)}, "
        f"wrote {quote(diff.got)}): the same value, not a break"
    )


def _describe(diff: Difference | str, body: Any) -> str:
    return f"{diff} in body {compact_body(body)}"


def compact_body(body: Any) -> str:
    """``body`` as one line of JSON for a counterexample, each long string cut to its start and length."""

    def shorten(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shorten(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shorten(v) for v in value]
        if isinstance(value, str) and len(value) > 40:
            return value[:24] + f"...({len(value)} chars)"
        return value

    return json.dumps(shorten(body), ensure_ascii=False)


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Outcome:
    """What the checks of one input found: a parse error, schema issues, differences."""

    body: Any
    error: str | None = None
    issues: tuple[str, ...] = ()
    differences: tuple[Difference, ...] = ()


def roundtrip_body(cls: Any, comparer: Comparer, validator: Validator, type_name: str, body: Any) -> _Outcome:
    """One body through parse and serialize, checked against the schema and compared with the input."""
    try:
        got = serialize_model(parse_model(cls, body))
    except Exception as exc:  # any SDK failure is the finding
        return _Outcome(body, error=f"{type(exc).__name__}: {exc}")
    issues = tuple(str(i) for i in validator.validate(got) if i.severity == "error")
    return _Outcome(body, issues=issues, differences=tuple(comparer.compare(type_name, body, got)))


def summarize(
    outcomes: Sequence[_Outcome], base: CheckResult, *, with_precision: bool, silent_note: str = ""
) -> list[CheckResult]:
    """The per-check results (parse, schema, fidelity, date-time precision) of a batch of outcomes."""

    def result(check: str, found: Iterable[str], status_if: Any = "fail", note: str = "") -> CheckResult:
        return with_problems(base, found, status_if, check=check, note=note)

    n = len(outcomes)
    base = _replace(base, examples=n)
    parse = [_describe(o.error, o.body) for o in outcomes if o.error]
    schema = [_describe(i, o.body) for o in outcomes for i in o.issues]
    fidelity = [_describe(d, o.body) for o in outcomes for d in o.differences if d.breaking]
    reoffset = next((d for o in outcomes for d in o.differences if d.kind == "reoffset"), None)
    note = "; ".join(x for x in (silent_note, reoffset and reoffset_note(reoffset)) if x)
    out = [result("parse", parse), result("schema", schema), result("fidelity", fidelity, note=note)]
    if with_precision:
        precision = [_describe(d, o.body) for o in outcomes for d in o.differences if d.kind == "precision"]
        out.append(
            result(
                "date-time precision",
                precision,
                "warn",
                "7th fraction digit truncated (Python datetime holds microseconds); not a break, see roundtrip.py"
                if precision
                else "",
            )
        )
    return out


def _replace(base: CheckResult, **changes: Any) -> CheckResult:
    from dataclasses import replace

    return replace(base, **changes)


def _has_datetime(contracts: ContractSet, version: str, type_name: str, seen: frozenset[str] = frozenset()) -> bool:
    for p in contracts.all_properties(version, type_name):
        if p.type == "DateTimeOffset":
            return True
        t = contracts.types.get((version, p.type))
        if (
            t is not None
            and t.category != "enum"
            and t.name not in seen
            and _has_datetime(contracts, version, t.name, seen | {type_name})
        ):
            return True
    return False


def check_type(
    sdk: SdkDistribution, sdk_version: str, type_name: str, examples: int, contracts: ContractSet
) -> list[CheckResult]:
    """Every round-trip check of one entity or complex type."""
    version = sdk.version
    base = CheckResult(sdk.name, sdk_version, version, "roundtrip", type_name, "", "pass")
    cls = model_class(sdk, type_name)
    if cls is None:
        return [
            _replace(
                base,
                check="modelled",
                status="fail",
                counterexample=f"cannot run: the SDK has no model class for {type_name} "
                "(or graph_contracts.sdk.models.MODEL_CLASSES does not name it)",
            )
        ]
    out = [_modelled(cls, base, contracts, type_name)]
    validator = Validator.for_type(type_name, version=version, direction="request")
    bodies = [b for b in edge_bodies(contracts, version, type_name) if validator.is_valid(b)]
    generated = draw_examples(BodyStrategies(contracts, version).entity(type_name), examples)
    bodies += [b for b in generated if validator.is_valid(b)]
    comparer = Comparer(contracts, version)
    outcomes = [roundtrip_body(cls, comparer, validator, type_name, b) for b in bodies]
    out += summarize(outcomes, base, with_precision=_has_datetime(contracts, version, type_name))
    return out


def _modelled(cls: Any, base: CheckResult, contracts: ContractSet, type_name: str) -> CheckResult:
    fields = set(cls().get_field_deserializers())
    props = [p.name for p in contracts.all_properties(base.api_version, type_name)]
    missing = [name for name in props if name not in fields]
    extra = sorted(fields - set(props) - {"@odata.type"})
    note = f"SDK-only properties (contract silent): {', '.join(extra)}" if extra else ""
    if missing:
        return _replace(
            base,
            check="modelled",
            status="fail",
            note=note,
            counterexample=f"contract properties the SDK model lacks: {', '.join(missing)}",
        )
    return _replace(base, check="modelled", status="pass", note=note)


def check_enum(sdk: SdkDistribution, sdk_version: str, t: TypeContract) -> CheckResult:
    """Every contract member must be an SDK member with the same JSON value; SDK-only members are noted."""
    base = CheckResult(sdk.name, sdk_version, sdk.version, "roundtrip", t.name, "enum members", "pass")
    cls = model_class(sdk, t.name)
    if cls is None:
        return _replace(
            base,
            status="fail",
            counterexample=f"cannot run: the SDK has no enum class for {t.name} "
            "(or graph_contracts.sdk.models.MODEL_CLASSES does not name it)",
        )
    sdk_values = [str(m.value) for m in cls]
    contract_values = [m.name for m in t.members]
    missing = [v for v in contract_values if v not in sdk_values]
    extra = [v for v in sdk_values if v not in contract_values]
    note = f"SDK-only members (contract silent): {', '.join(extra)}" if extra else ""
    if missing:
        return _replace(
            base,
            status="fail",
            examples=len(contract_values),
            note=note,
            counterexample=f"contract members the SDK lacks (it reads them as None): {', '.join(missing)}",
        )
    return _replace(base, examples=len(contract_values), note=note)


def run_roundtrip(
    sdk: SdkDistribution, sdk_version: str, examples: int, contracts: ContractSet | None = None
) -> list[CheckResult]:
    """The round trip for every contract type of the SDK's Graph version."""
    contracts = contracts or default_contracts()
    out: list[CheckResult] = []
    for t in contracts.types_in(sdk.version):
        if t.category == "enum":
            out.append(check_enum(sdk, sdk_version, t))
        else:
            out += check_type(sdk, sdk_version, t.name, examples, contracts)
    return out
