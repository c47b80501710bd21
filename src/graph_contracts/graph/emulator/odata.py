"""OData system query options: ``$filter`` (a parser for the subset scripts use), ``$select``, ``$top``, paging.

``parse_query`` turns a query string into a ``Query`` for one route, raising
Graph's 400 for an option the verb does not take or a value it cannot read;
``skiptoken``/``read_skiptoken`` carry the offset of the next page.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ...contracts import Property
from .failures import GraphFailure, bad_request
from .render import Renderer
from .routes import GraphRoute
from .tokens import b64url, b64url_decode

_NUMERIC = frozenset({"Int16", "Int32", "Int64", "Byte", "Double", "Single", "Decimal"})


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)(?![\w/])"
    r"|(?P<word>[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)|(?P<punct>[(),]))"
)


_NO_LITERAL = object()
_BLANK = re.compile(r"\s*\Z")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


Predicate = Callable[[Mapping[str, Any]], bool]


def _lookup(entity: Mapping[str, Any], path: str) -> Any:
    value: Any = entity
    for name in path.split("/"):
        value = value.get(name) if isinstance(value, dict) else None
    return value


#: The string functions ``$filter`` may call: name -> (value, argument) -> match.
_STRING_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "startswith": str.startswith,
    "contains": str.__contains__,
}


class FilterParser:
    """``$filter`` over the subset cleanup and polling scripts use.

    ``prop eq|ne literal``, ``startswith(prop,'text')``, ``contains(prop,'text')``, joined with ``and``;
    ``prop`` may be a path into a complex property (``state/deviceImportStatus``).
    Anything else is Graph's 400, never a guess.
    """

    def __init__(self, renderer: Renderer, version: str, type_name: str) -> None:
        self.renderer = renderer
        self.version = version
        self.type_name = type_name

    def parse(self, text: str) -> Predicate:
        self.tokens = self._tokenize(text)
        self.pos = 0
        terms = [self._term()]
        while self._peek() == ("word", "and"):
            self.pos += 1
            terms.append(self._term())
        if self.pos != len(self.tokens):
            raise self._error(f"unexpected '{self.tokens[self.pos][1]}'")
        return lambda entity: all(term(entity) for term in terms)

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if _BLANK.match(text, pos):
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.lastgroup is None:
                raise bad_request(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
            out.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        if not out:
            raise bad_request("Invalid filter clause: the $filter expression is empty.")
        return out

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, kind: str, value: str | None = None) -> str:
        token = self._peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = token[1] if token else "the end"
            raise self._error(f"expected {value or kind}, found '{found}'")
        self.pos += 1
        return token[1]

    def _error(self, what: str) -> GraphFailure:
        return bad_request(f"Invalid filter clause: {what}.")

    def _term(self) -> Predicate:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1] in _STRING_FUNCTIONS:
            name = token[1]
            test = _STRING_FUNCTIONS[name]
            self.pos += 1
            self._take("punct", "(")
            path = self._take("word")
            self._take("punct", ",")
            text = self._literal()
            self._take("punct", ")")
            prop = self.renderer.property_path(self.version, self.type_name, path)
            if not isinstance(text, str) or prop.type in _NUMERIC or prop.type == "Boolean":
                raise self._error(f"{name} needs a string property and a string literal")
            return lambda e: isinstance(v := _lookup(e, path), str) and test(v, text)
        path = self._take("word")
        op = self._take("word")
        if op not in ("eq", "ne"):
            raise self._error(f"operator '{op}' is not supported; use eq, ne, startswith or contains")
        literal = self._literal()
        prop = self.renderer.property_path(self.version, self.type_name, path)
        self._check_type(prop, literal)
        if op == "eq":
            return lambda e: _lookup(e, path) == literal
        return lambda e: _lookup(e, path) != literal

    def _literal(self) -> Any:
        token = self._peek()
        if token is None:
            raise self._error("expected a literal, found the end")
        self.pos += 1
        kind, text = token
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return self._number(text)
        if kind == "word" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        raise self._error(f"'{text}' is not a literal")

    def _number(self, text: str) -> int | float:
        """A numeric literal within Edm.Int64 (integers) or a finite Edm.Double; Graph's 400 otherwise."""
        if "." not in text:
            value = int(text) if len(text) <= 20 else None
            if value is None or not _INT64_MIN <= value <= _INT64_MAX:
                shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"
                raise self._error(f"the number {shown} is out of the range of Edm.Int64")
            return value
        number = float(text)
        if not math.isfinite(number):
            raise self._error(f"the number {text[:24]} is out of the range of Edm.Double")
        return number

    def _check_type(self, prop: Property, literal: Any) -> None:
        if literal is None:
            return
        numeric = prop.type in _NUMERIC
        boolean = prop.type == "Boolean"
        ok = (
            (numeric and isinstance(literal, (int, float)) and not isinstance(literal, bool))
            or (boolean and isinstance(literal, bool))
            or (not numeric and not boolean and isinstance(literal, str))
        )
        if not ok:
            raise bad_request(
                f"A binary operator with incompatible types was detected: property '{prop.name}' "
                f"of type '{prop.type}' compared with {json.dumps(literal)}."
            )


#: The query options each verb accepts; Graph rejects a system query option it does not support.
QUERY_OPTIONS: Mapping[str, frozenset[str]] = {
    "list": frozenset({"$top", "$select", "$filter", "$skiptoken"}),
    "get": frozenset({"$select"}),
}


_SELECT = re.compile(r"[A-Za-z@.]+(?:,[A-Za-z@.]+)*\Z")


_TOP = re.compile(r"[0-9]{1,9}\Z")


MAX_TOP = 999


@dataclass(frozen=True)
class Query:
    """The parsed system query options of one request."""

    top: int | None = None
    select: tuple[str, ...] | None = None
    predicate: Predicate | None = None
    offset: int = 0
    raw: tuple[tuple[str, str], ...] = ()


def skiptoken(offset: int) -> str:
    return b64url(json.dumps({"o": offset}).encode())


def read_skiptoken(text: str) -> int:
    try:
        data = json.loads(b64url_decode(text))
    except (ValueError, RecursionError):
        data = None
    offset = data.get("o") if isinstance(data, dict) else None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise bad_request("The $skiptoken value is not valid: use the @odata.nextLink the service returned.")
    return offset


def select_properties(entity: dict[str, Any], select: tuple[str, ...] | None) -> dict[str, Any]:
    if select is None:
        return entity
    return {k: v for k, v in entity.items() if k in select or k == "@odata.type"}


def parse_query(renderer: Renderer, route: GraphRoute, query_string: str) -> Query:
    """The system query options of a request to ``route``; Graph's 400 for one it cannot use."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    allowed = QUERY_OPTIONS.get(route.operation.verb, frozenset())
    seen: dict[str, str] = {}
    for name, value in pairs:
        if not name.strip():
            raise bad_request("A query parameter has no name; give it as name=value.")
        if not name.startswith("$"):
            continue  # Graph ignores custom query parameters
        if name not in allowed:
            raise bad_request(f"Query option '{name}' is not allowed on this request.")
        if name in seen:
            raise bad_request(f"Query option '{name}' was specified more than once; give it at most once.")
        seen[name] = value
    type_name = route.operation.response_type or route.operation.type
    version = route.version
    top = select = predicate = None
    offset = 0
    if "$top" in seen:
        if not _TOP.match(seen["$top"]) or not 1 <= int(seen["$top"]) <= MAX_TOP:
            raise bad_request(f"Invalid value '{seen['$top']}' for $top: give an integer from 1 to {MAX_TOP}.")
        top = int(seen["$top"])
    if "$select" in seen:
        if not _SELECT.match(seen["$select"]):
            raise bad_request(f"Invalid $select '{seen['$select']}': give property names separated by commas.")
        select = tuple(seen["$select"].split(","))
        props = renderer.properties(version, type_name)
        for name in select:
            if name not in props:
                raise bad_request(f"Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'.")
    if "$filter" in seen:
        predicate = FilterParser(renderer, version, type_name).parse(seen["$filter"])
    if "$skiptoken" in seen:
        offset = read_skiptoken(seen["$skiptoken"])
    return Query(top, select, predicate, offset, tuple(pairs))
