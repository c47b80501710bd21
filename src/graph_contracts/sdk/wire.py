"""The wire check: an SDK's real GraphServiceClient performs every contract operation against the local emulator.


The client is the SDK's own ``GraphServiceClient`` with its default middleware;
only its request adapter's ``base_url`` points at the emulator's loopback URL,
and a static credential hands it an emulator token, so no call leaves the
machine. What arrived is read from the emulator's request log and checked
against the contract (path, method, headers, body against our request schema,
body equal to what the caller set); what the SDK made of each answer is
written back with its own serializer and compared with the bytes the emulator
sent.

Responses the emulator would never send on its own (generated entities with
every property, unknown enum members, extra properties, a derived type without
``@odata.type``, the documented examples) are served through a small ASGI
middleware added to the emulator's Starlette app before its first request: the
emulator still authenticates, validates and records the request, and the
middleware swaps the body of its 2xx answer. The emulator has no response hook
of its own; this is the stand-in until it does.

This module is the run (:func:`run_wire`); the table of SDK request builders
is in :mod:`.wire_calls`, the client, response tap and one call's session in
:mod:`.wire_session`, and the request and response checks in
:mod:`.wire_checks`. Names other code imports are importable from here too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Collection, Sequence
from typing import Any

from ..contracts import ContractSet, Operation, default_contracts
from ..schemas import base_types, tag_required
from ..schemas.jsonschema import odata_type_names
from ..validation import Validator
from .models import SdkDistribution, action_body_class, model_class
from .report import CheckResult
from .roundtrip import (
    compact_body,
    parse_model,
    reoffset_note,
    serialize_model,
)
from .traffic import type_tag_problem
from .wire_calls import (
    EXTRA_PROPERTIES,
    OPERATION_CALLS,
    UNKNOWN_MEMBER,
    SdkCall,
    builder_path,
    missing_builder,
    wire_examples,
)
from .wire_checks import (
    body_differences,
    entity_body,
    enum_paths,
    request_problems,
    response_differences,
    set_pointer,
    split_by_side,
)
from .wire_session import Answered as Answered
from .wire_session import Exchange, ResponseOverlay, ResponseTap, WireResults, WireSession
from .wire_session import make_client as make_client

# --------------------------------------------------------------------------- the run


def _first(problems: Sequence[str | None]) -> str | None:
    return next((p for p in problems if p), None)


def _graph_message(answer: tuple[str, str, int, bytes] | None) -> str:
    """``<status> <error.message>`` of an answer, for a counterexample."""
    if answer is None:
        return "no answer"
    try:
        error = json.loads(answer[3]).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    message = error.get("message") if isinstance(error, dict) else None
    return f"{answer[2]}" + (f" {message}" if message else "")


def caller_model(cls: Any, parsed: Any) -> Any:
    """``parsed`` rebuilt as a caller builds it: ``cls(**properties)``, leaving ``odata_type`` to the SDK's default."""
    values = {
        f.name: getattr(parsed, f.name)
        for f in dataclasses.fields(parsed)
        if f.init and f.name not in ("odata_type", "additional_data") and getattr(parsed, f.name) is not None
    }
    return cls(**values)


async def _check_type_tag(session: WireSession, op: Operation, call: SdkCall, results: WireResults) -> None:
    """A derived model posted to its base type's collection must serialize its ``@odata.type``.

    The model is built as a caller builds it (the constructor, then the
    properties), so the tag is whatever the SDK's generator defaults it to; the
    gate's other checks parse bodies that already carry the tag.
    """
    derived = op.body_type or op.type
    cls = model_class(session.sdk, derived)
    bodies = session.valid_bodies(op, 3)
    if cls is None or not bodies:
        why = f"the SDK has no model class for {derived}" if cls is None else "no valid body to build it from"
        results.add(op, "type-tag", "fail", 0, f"cannot run: {why}")
        return
    body = max(bodies, key=len)  # the most properties, the derived type's own among them
    model = caller_model(cls, parse_model(cls, body))
    tag = f"#microsoft.graph.{derived}"
    written = serialize_model(model).get("@odata.type")
    derived_type = session.contracts.type(session.version, derived)
    if written in odata_type_names(session.contracts, session.version, derived_type):
        results.add(op, "type-tag", "pass", 1, note=f"{cls.__name__} serializes @odata.type {written!r}")
        return
    base = base_types(session.contracts, session.version, derived)[0]
    ex = await session.exchange(op, call, body, model=model)
    shown = "without `@odata.type`" if written is None else f"with `@odata.type` {written!r}"
    results.add(
        op,
        "type-tag",
        "fail",
        1,
        f"{type_tag_problem(derived, base)} in body {compact_body(body)}: `{cls.__name__}` serializes {shown} "
        f"(the emulator answered {_graph_message(ex.answer)})",
        f"{session.sdk.distribution} {session.sdk_version}, model {cls.__module__}.{cls.__name__}: "
        f"fix: set odata_type = {tag!r} before posting, or the SDK generator should default it",
        code="missing-type-tag",
    )


async def _check_operation(
    session: WireSession, op: Operation, call: SdkCall, examples: int, results: WireResults
) -> None:
    version = session.version
    bodies: list[Any] = [None]
    if op.has_request_body:
        bodies = session.valid_bodies(op, wire_examples(examples), edges=True)
    exchanges: list[Exchange] = []
    for body in bodies:
        entity_id = session.seed(op) if call.item is not None else None
        if op.verb == "list":
            session.seed(op)
        exchanges.append(await session.exchange(op, call, body, entity_id))
    n = len(exchanges)
    per_check: dict[str, list[str]] = {}
    precision: list[str] = []
    notes: list[str] = []
    for ex in exchanges:
        problems = request_problems(op, version, ex, session.credentials_for(op)[0])
        arrived = problems.pop("_arrived", None)
        if arrived:
            diffs = body_differences(session.comparer, op, ex.sent_body, json.loads(arrived[0]))
            for d in (d for d in diffs if d.breaking):
                per_check.setdefault("body fidelity", []).append(f"{d} in body {compact_body(ex.sent_body)}")
            notes += [reoffset_note(d) for d in diffs if d.kind == "reoffset"][:1]
            precision += [f"{d} in body {compact_body(ex.sent_body)}" for d in diffs if d.kind == "precision"]
        status = ex.answer[2] if ex.answer else None
        if ex.error or status != op.success_status:
            # The cause is part of the problem (a baseline names it): the service's error message, or the SDK's.
            cause = _graph_message(ex.answer).partition(" ")[2] if ex.answer and status != op.success_status else ""
            problems["accepted"] = [
                f"status {status}, contract says {op.success_status}: {cause or ex.error or 'no answer'}"
                + (f"; body {compact_body(ex.sent_body)}" if ex.sent_body is not None else "")
            ]
        else:
            problems["accepted"] = []
            diffs = []
            if op.response_kind != "none":
                diffs = response_differences(session.comparer, op, ex.answer_json(), ex.result)
            read, written = split_by_side(op, ex.result, [d for d in diffs if d.breaking])
            for side, side_diffs in (("response read", read), ("response write-back", written)):
                per_check.setdefault(side, []).extend(
                    f"{d} in answer {compact_body(ex.answer_json())}" for d in side_diffs
                )
            if op.response_kind == "none":
                per_check.pop("response read", None)
                per_check.pop("response write-back", None)
        for check, found in problems.items():
            per_check.setdefault(check, []).extend(found)
    # A get or list reads more answers below: its write-back findings are reported there, in one row.
    write_back = per_check.pop("response write-back", []) if op.verb in ("get", "list") else []
    for check, problems_list in per_check.items():
        results.add_all(op, check, problems_list, n, note=notes[0] if notes and check == "body fidelity" else "")
    if precision:
        results.add_all(
            op,
            "date-time precision",
            precision,
            n,
            "warn",
            "7th fraction digit truncated on the way out; not a break (see roundtrip.py)",
        )
    if tag_required(session.contracts, version, op):
        await _check_type_tag(session, op, call, results)
    if op.verb in ("get", "list"):
        await _check_responses(session, op, call, examples, results, write_back)


async def _serve(session: WireSession, op: Operation, call: SdkCall, entity: Any) -> tuple[Exchange, Any]:
    fixture = session.fixture(op)
    entity_id = fixture if call.item is not None else None
    answer = entity_body(entity, op)
    session.tap.serve_next(answer)
    ex = await session.exchange(op, call, None, entity_id)
    return ex, answer


async def _check_responses(
    session: WireSession,
    op: Operation,
    call: SdkCall,
    examples: int,
    results: WireResults,
    write_back: list[str] | None = None,
) -> None:
    """The SDK reading answers the contract allows: generated, documented, and the contract's silent corners.

    A difference only the SDK's writer made (the model holds the value) goes to ``response write-back``.
    """
    write_back = list(write_back or [])
    comparer = session.comparer
    type_name = op.response_type or op.type
    generated = session.response_entities(type_name, wire_examples(examples))
    breaks: list[str] = []
    precision: list[str] = []
    for entity in generated:
        ex, answer = await _serve(session, op, call, entity)
        if ex.error:
            breaks.append(f"{ex.error} reading {compact_body(answer)}")
            continue
        diffs = response_differences(comparer, op, answer, ex.result)
        read, written = split_by_side(op, ex.result, [d for d in diffs if d.breaking])
        breaks += [f"{d} in answer {compact_body(answer)}" for d in read]
        write_back += [f"{d} in answer {compact_body(answer)}" for d in written]
        precision += [f"{d} in answer {compact_body(answer)}" for d in diffs if d.kind == "precision"]
    results.add_all(op, "generated responses", breaks, len(generated))
    if precision:
        results.add_all(
            op,
            "response date-time precision",
            precision,
            len(generated),
            "warn",
            "the 7th fraction digit Graph sends is truncated on reading; not a break (see roundtrip.py)",
        )

    validator = Validator.for_operation(op.id, version=session.version, direction="response")
    documented = [e.response_body for e in op.examples if e.response_body is not None]
    valid = [d for d in documented if validator.is_valid(d)]
    if not valid:
        if documented:  # documented, but none the contract allows: the check cannot run, and someone must look
            results.add(
                op,
                "documented examples",
                "fail",
                0,
                f"cannot run: none of the {len(documented)} documented response examples is valid against the contract",
            )
    else:
        problems: list[str] = []
        for doc in valid:
            entity = doc["value"][0] if op.response_kind == "collection" and doc.get("value") else doc
            if op.response_kind == "collection" and not doc.get("value"):
                continue
            ex, answer = await _serve(session, op, call, entity)
            read, written = split_by_side(
                op, ex.result, [d for d in response_differences(comparer, op, answer, ex.result) if d.breaking]
            )
            problems += [f"{x} reading {compact_body(answer)}" for x in ([ex.error] if ex.error else read)]
            write_back += [f"{d} in answer {compact_body(answer)}" for d in written]
        results.add_all(op, "documented examples", problems, len(valid))
    results.add_all(op, "response write-back", write_back, len(generated) + len(valid))

    base_entity = generated[0] if generated else {"id": "00000000-0000-0000-0000-000000000001"}
    await _check_unknown_enum(session, op, call, base_entity, results)
    await _check_extra_properties(session, op, call, base_entity, results)
    await _check_derived(session, op, call, results)


async def _check_unknown_enum(
    session: WireSession, op: Operation, call: SdkCall, entity: Any, results: WireResults
) -> None:
    paths = enum_paths(session.contracts, session.version, op.response_type or op.type)
    if not paths:
        return
    errors: list[str] = []
    lost: list[str] = []
    for path in paths:
        body = set_pointer(entity, path, UNKNOWN_MEMBER)
        ex, answer = await _serve(session, op, call, body)
        if ex.error:
            errors.append(f"{ex.error} reading {compact_body(answer)}")
            continue
        for d in response_differences(session.comparer, op, answer, ex.result):
            if d.sent == UNKNOWN_MEMBER:
                lost.append(f"{d.pointer}: {UNKNOWN_MEMBER!r} read as None and dropped")
    if errors:
        results.add_all(op, "unknown enum member", errors, len(paths))
    elif lost:
        results.add_all(
            op,
            "unknown enum member",
            lost,
            len(paths),
            "warn",
            "contract silent: an unknown member is read as None, not kept (not even in additional_data), "
            "and a PATCH of the model would not send it back",
        )
    else:
        results.add(op, "unknown enum member", "pass", len(paths))


async def _check_extra_properties(
    session: WireSession, op: Operation, call: SdkCall, entity: Any, results: WireResults
) -> None:
    body = {**entity, **EXTRA_PROPERTIES}
    ex, answer = await _serve(session, op, call, body)
    if ex.error:
        results.add(op, "extra properties", "fail", 1, f"{ex.error} reading {compact_body(answer)}")
        return
    changed = [
        d
        for d in response_differences(session.comparer, op, answer, ex.result)
        if d.pointer.split("/")[-1] in EXTRA_PROPERTIES or d.kind == "unmodelled"
    ]
    if changed:
        results.add_all(
            op,
            "extra properties",
            [str(d) for d in changed],
            1,
            "warn",
            "contract silent: unknown properties are kept in additional_data, but a string that looks "
            "like a date-time or GUID is converted, so it is written back re-encoded "
            "(6 fraction digits, +00:00)",
        )
    else:
        results.add(op, "extra properties", "pass", 1, note="unknown properties are kept in additional_data")


async def _check_derived(session: WireSession, op: Operation, call: SdkCall, results: WireResults) -> None:
    declared = op.response_type or op.type
    for derived in session.contracts.derived_types(session.version, declared):
        cls = model_class(session.sdk, derived)
        entities = session.response_entities(derived, 3)
        if cls is None or not entities:
            why = f"the SDK has no model class for {derived}" if cls is None else "no valid response body of it"
            results.add(op, f"derived type {derived}", "fail", 0, f"cannot run: {why}")
            continue
        entity = max(entities, key=len)
        tagged = {**entity, "@odata.type": f"#microsoft.graph.{derived}"}
        ex, answer = await _serve(session, op, call, tagged)
        model = _single(ex.result, op)
        if ex.error or not isinstance(model, cls):
            results.add(
                op,
                f"derived type {derived}",
                "fail",
                1,
                ex.error or f"read as {type(model).__name__} despite @odata.type in {compact_body(answer)}",
            )
        else:
            results.add(op, f"derived type {derived}", "pass", 1)
        untagged = {k: v for k, v in entity.items() if k != "@odata.type"}
        ex, answer = await _serve(session, op, call, untagged)
        model = _single(ex.result, op)
        if ex.error:
            results.add(op, f"derived {derived} without @odata.type", "fail", 1, ex.error)
        elif not isinstance(model, cls):
            own = [p.name for p in session.contracts.type(session.version, derived).properties]
            results.add(
                op,
                f"derived {derived} without @odata.type",
                "warn",
                1,
                f"read as {type(model).__name__}: {compact_body(untagged)}",
                f"contract silent (@odata.type is optional): the derived type's own properties "
                f"({', '.join(own)}) land in additional_data",
            )
        else:
            results.add(op, f"derived {derived} without @odata.type", "pass", 1)


def _single(result: Any, op: Operation) -> Any:
    if op.response_kind == "collection":
        items = getattr(result, "value", None) or []
        return items[0] if items else None
    return result


async def _run(
    sdk: SdkDistribution,
    sdk_version: str,
    examples: int,
    contracts: ContractSet,
    only: Collection[str] | None,
    behaviour: bool,
) -> list[CheckResult]:
    from ..graph.emulator import EmulatorConfig, running_emulator

    tap = ResponseTap()
    # The gate checks what the SDK sends against the pages, so the emulator serves the operations the
    # service refuses (POST v1.0 windowsAutopilotDeviceIdentities) as documented rather than with a 400.
    with running_emulator(EmulatorConfig(as_documented=True)) as emulator:
        emulator.emulator.app.add_middleware(ResponseOverlay, tap=tap)
        session = WireSession(sdk, sdk_version, emulator, tap, contracts)
        results = WireResults(session)
        try:
            for op in contracts.operations_in(sdk.version):
                if only is not None and op.id not in only:
                    continue
                call = OPERATION_CALLS.get(op.id)
                if call is None:
                    results.add(
                        op,
                        "exposed",
                        "fail",
                        0,
                        f"the gate knows no SDK request builder for {op.method} {op.path} "
                        "(add it to graph_contracts.sdk.wire.OPERATION_CALLS)",
                    )
                    continue
                lacking = missing_builder(session.client, call)
                if lacking is not None:
                    results.add(
                        op,
                        "exposed",
                        "fail",
                        0,
                        f"the SDK has no request builder {builder_path(call)}: {lacking!r} is missing",
                    )
                    continue
                if op.has_request_body and op.body_type is None and action_body_class(sdk, op.id) is None:
                    results.add(
                        op,
                        "exposed",
                        "fail",
                        0,
                        f"the SDK has no request body class for {builder_path(call)} "
                        "(or graph_contracts.sdk.models.ACTION_BODY_CLASSES does not name it)",
                    )
                    continue
                results.add(op, "exposed", "pass", 0, note=builder_path(call))
                session.reset()
                await _check_operation(session, op, call, examples, results)
            if behaviour:
                from .behaviour import run_behaviour

                await run_behaviour(session, results)
        finally:
            session.close()
        return results.items


def run_wire(
    sdk: SdkDistribution,
    sdk_version: str,
    examples: int,
    contracts: ContractSet | None = None,
    *,
    operations: Collection[str] | None = None,
    behaviour: bool | None = None,
) -> list[CheckResult]:
    """Every contract operation of the SDK's Graph version (or those named), through its client, on a fresh emulator.

    ``behaviour`` (default: when no ``operations`` are named) adds the throttling and paging checks (``sdk.behaviour``).
    """
    run_behaviour = operations is None if behaviour is None else behaviour
    return asyncio.run(_run(sdk, sdk_version, examples, contracts or default_contracts(), operations, run_behaviour))
