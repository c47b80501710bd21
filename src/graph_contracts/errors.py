"""The exceptions graph-contracts raises for failures a user can cause.

Every error carries structured fields (file, line, row, pointer, HTTP status,
request id) so callers can act on them without parsing messages, and the CLI
can print them plainly instead of a traceback::

    GraphContractsError
    ├── DocParseError            a doc page could not be read as a Graph doc page
    ├── ContractError            a contract file is malformed or inconsistent
    ├── UnknownContractError     no schema for that type or operation in that version
    ├── SchemaDriftError         schemas/ does not match what the contracts generate
    ├── InputFileError           a payload or CSV file is missing, unreadable or malformed
    │   ├── TrafficFileError     a traffic file, with the entry that broke
    │   ├── PermissionsFileError a permissions file of another schema, or truncated
    │   ├── TokenError           a token that is not a JWT, or claims that are not JSON
    │   └── StateFileError       an emulator --state file that cannot be used (file and JSON pointer)
    ├── ConfigurationError       a setting (cloud, record mode, credentials, jobs ...) is unknown or missing
    │   └── CompareError         an SDK release could not be installed or gated
    │       └── MatrixError      sdk-check --matrix: no release matches, a bad shard
    ├── CassetteMissError        replay: a request the cassette does not hold
    ├── SecretLeakError          a cassette would have held a credential
    ├── HardwareHashError        an Autopilot hardware hash could not be decoded
    ├── InflateLimitError        a gzip/deflate body or file inflates past its cap (not inflated)
    ├── InvalidArgumentError     a Python API call got an argument of the wrong type or value
    ├── CheckFailed              a check of the contract suite failed (an AssertionError too)
    ├── AccessError              preflight: the token is missing, expired or lacks the permission
    └── EndpointError            a request to an endpoint failed (status, code, request ids)
        ├── GraphError           the endpoint answered with a non-success status
        │   ├── AuthenticationError  the token endpoint refused to issue a token
        │   └── PagingError      a collection could not be read to its end (a cap, a looping nextLink)
        └── TransportError       the endpoint could not be reached or kept throttling

All of them live here and are exported from ``graph_contracts``; the modules
that raise them import them from here (their old homes, such as
``traffic.reader.TrafficFileError``, still name the same classes). Where a
caller expects a built-in exception (``ValueError`` for a bad value,
``LookupError`` for a missing entry), the class is that built-in too, as
hypothesis's errors are.

As in httpx, a failed answer (``GraphError``) and no usable answer
(``TransportError``) are siblings: catch ``EndpointError`` for both.

A message that says which setting to change names the setting (``jobs``,
``type``), not a command-line flag: it is kept as ``Words`` with ``Setting``
parts, which the CLI says as its flags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias


@dataclass(frozen=True)
class Setting:
    """A setting named inside a message: what to change (``jobs``, ``type``, ``write_baseline``).

    A message that says what to do names the setting, never the flag that sets it: the library
    knows no flags. Such a message is kept as ``Words``, so that the library says the setting's
    name and the CLI (``cli/flags.py``) its flag, from the same words and without reading text.
    """

    name: str


#: A message as its parts: text, and the settings it names, e.g. ``("try again without ", Setting("jobs"))``.
Words: TypeAlias = tuple["str | Setting", ...]


def say(words: str | Words, name: Callable[[str], str] = str) -> str:
    """``words`` as one text, each ``Setting`` said by ``name`` (by default its own name, as the library says it)."""
    if isinstance(words, str):
        return words
    return "".join(word if isinstance(word, str) else name(word.name) for word in words)


def words_of(message: str | Words) -> Words:
    """A message as ``Words``: plain text is one part."""
    return (message,) if isinstance(message, str) else message


class GraphContractsError(Exception):
    """Root of every error graph-contracts raises on purpose.

    Catch this to handle any failure caused by input, contracts or an endpoint.
    A bare ``Exception`` escaping the library is a bug: please report it.
    """


class DocParseError(GraphContractsError, ValueError):
    """A doc page did not have the structure of a Graph API doc page.

    Usually the page is of a format the parser does not know (neither the
    markdown source nor the rendered plain text), or a table lost its header.
    The message names the file, the line and what was expected there.
    """

    def __init__(self, file: str, line: int, expected: str, found: str = "") -> None:
        self.file = file
        self.line = line
        self.expected = expected
        self.found = found
        where = f"{file}:{line}" if line else file
        detail = f"; found {found!r}" if found else ""
        super().__init__(f"{where}: expected {expected}{detail}")


class ContractError(GraphContractsError, ValueError):
    """A contract file is malformed or refers to something that does not exist.

    Typical causes: a property whose Graph type is unknown, a base type or
    enum that no contract defines, or a property listed twice. Regenerate the
    file with ``graph-contracts contracts import`` or fix the overlay entry.
    """

    def __init__(self, file: str, message: str, pointer: str = "") -> None:
        self.file = file
        self.pointer = pointer
        self.detail = message
        where = f"{file}#{pointer}" if pointer else file
        super().__init__(f"{where}: {message}")


class UnknownContractError(GraphContractsError, LookupError):
    """No schema exists for the type or operation asked for in that version.

    Check the spelling (type names are camelCase, e.g. ``importedWindowsAutopilotDeviceIdentity``)
    and the version: some types exist only in ``beta``.
    """


class SchemaDriftError(GraphContractsError):
    """schemas/ is stale: run ``graph-contracts schemas build`` and commit it."""

    def __init__(self, stale: list[str], missing: list[str], extra: list[str]) -> None:
        self.stale = stale
        self.missing = missing
        self.extra = extra
        lines = [f"stale: {p}" for p in stale]
        lines += [f"missing: {p}" for p in missing]
        lines += [f"not generated by the contracts: {p}" for p in extra]
        super().__init__("schemas/ differs from the contracts:\n" + "\n".join(lines))


class InputFileError(GraphContractsError, ValueError):
    """A file given to the validator could not be read at all.

    Raised for a missing file, an undecodable byte stream or JSON that does not
    parse. Problems inside a readable file are reported as ``Issue`` objects
    instead, so that one bad row never hides the others. A message that says
    what to change names the setting (``words`` holds it as a ``Setting``).
    """

    def __init__(self, file: str, message: str | Words, line: int = 0, column: int = 0) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.words = words_of(message)
        self.detail = say(self.words)
        super().__init__(f"{self.where}: {self.detail}")

    @property
    def where(self) -> str:
        """The file, with its line and column when known (``devices.csv:12``)."""
        return self.file + (f":{self.line}" if self.line else "") + (f":{self.column}" if self.column else "")

    def __reduce__(self) -> tuple[type[InputFileError], tuple[str, str | Words, int, int]]:
        # Rebuilt from its fields, so that it crosses a process boundary (validate --jobs) intact; the
        # words only when they name a setting (a subclass's own __init__ takes its message as text).
        message = self.detail if self.words == (self.detail,) else self.words
        return type(self), (self.file, message, self.line, self.column)


class TrafficFileError(InputFileError):
    """A traffic file could not be read as HAR, a cassette, a Dev Proxy mock file or NDJSON.

    ``entry`` is the 0-based index of the exchange that broke the file's
    layout (or None for the file as a whole); ``line`` the 1-based line when
    the parser knows it. The message says what was expected there.
    """

    def __init__(self, file: str, message: str, line: int = 0, entry: int | None = None) -> None:
        self.entry = entry
        where = f"entry {entry}: " if entry is not None else ""
        super().__init__(file, where + message, line)


class PermissionsFileError(InputFileError):
    """A permissions file is not Microsoft's ``permissions.json``/``provisioningInfo.json`` nor our index.

    Usually the file is truncated (the JSON ends early), of another schema (a
    different tool's permissions list), or an older index: refresh it with
    ``python -m graph_contracts.permissions.build`` (see the README). ``pointer``
    is the JSON pointer of the part that broke.
    """

    def __init__(self, file: str, message: str, pointer: str = "", line: int = 0) -> None:
        self.pointer = pointer
        self.source_file = file
        super().__init__(file + (f"#{pointer}" if pointer else ""), message, line)

    def __reduce__(self) -> tuple[type[PermissionsFileError], tuple[str, str, str, int]]:  # type: ignore[override]
        return type(self), (self.source_file, self.detail, self.pointer, self.line)


class TokenError(InputFileError):
    """A token could not be read: not a JWT, a section that is not base64url, or claims that are not JSON.

    Usually the file holds something else (an ID token's JSON wrapper is read,
    but a refresh token or an opaque token is not a JWT), or the token was cut
    when copied. Signatures are never verified, so a valid-looking forged
    token is read as it claims.
    """


class StateFileError(InputFileError):
    """A ``--state`` file that cannot be used: ``pointer`` is the JSON pointer of the offending value."""

    def __init__(self, file: str, pointer: str, message: str) -> None:
        self.pointer = pointer
        super().__init__(file, f"{pointer or '/'}: {message}")

    def __reduce__(self) -> tuple[type[StateFileError], tuple[str, str, str]]:  # type: ignore[override]
        return type(self), (self.file, self.pointer, self.detail.split(": ", 1)[-1])


class EndpointError(GraphContractsError):
    """A request to an endpoint (emulator, replay or tenant) did not succeed.

    The common parent of ``GraphError`` (an answer with a failing status) and
    ``TransportError`` (no usable answer), carrying the fields both have.
    ``code`` is Graph's ``error.code``: branch on it, never on ``message``.
    ``request_id`` is what Microsoft support asks for.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str = "",
        client_request_id: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        rid = f" (request-id {request_id})" if request_id else ""
        # Status 0 is "no answer at all": "HTTP 0 ConnectError" would say nothing, the message says why.
        super().__init__(message if status == 0 else f"HTTP {status} {code}: {message}{rid}")


class GraphError(EndpointError):
    """An endpoint answered with a status that is not a success.

    The fields come from the Graph error envelope, or from the status line
    when a proxy answered with something else.
    """


class TransportError(EndpointError):
    """The endpoint could not be reached, or kept throttling past the retry budget.

    With no answer at all ``status`` is 0 and the message says why in plain
    words ("cannot connect to URL: connection refused"); ``code`` keeps the
    httpx exception name for callers that branch on it. After throttling,
    ``status``, ``code`` and the ids are those of the last answer.
    """


class HardwareHashError(GraphContractsError, ValueError):
    """An Autopilot hardware hash could not be decoded into its records.

    Raised by ``decode_hardware_hash`` for strings that are not strict base64
    and for blobs whose layout cannot be walked (magic, records, trailer).
    ``code`` is the issue code ``check_hardware_hash`` reports for the same
    fault (``base64``, ``hash-magic``, ``hash-records``, ``hash-trailer`` ...),
    so callers can branch on it; ``offset`` is the byte offset in the decoded
    blob (or the character position in the base64 text for ``base64``) where
    the fault was found, when there is one.
    """

    def __init__(self, code: str, message: str, offset: int | None = None) -> None:
        self.code = code
        self.offset = offset
        self.detail = message
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{code}{where}: {message}")


class InflateLimitError(GraphContractsError, ValueError):
    """Compressed data (gzip, zlib or raw deflate) inflates past ``limit`` bytes, so it was not inflated.

    Raised by :func:`graph_contracts.traffic.compression.inflate` as soon as the output passes the cap,
    never after building it (a 1 MB "zip bomb" would be 1 GB). Callers that know the file and entry
    turn it into a :class:`TrafficFileError` or a scan finding; ``limit`` is the cap that was hit.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        units = ((1 << 30, "GiB"), (1 << 20, "MiB"), (1, "bytes"))
        size = next(f"{limit // n} {unit}" for n, unit in units if limit % n == 0)
        super().__init__(f"inflates past {size}")


class InvalidArgumentError(GraphContractsError, TypeError, ValueError):
    """A function or class of the Python API was called with an argument it cannot take.

    Raised before any work starts, naming the argument (``argument``), what it
    got and, for a fixed set, the accepted values (``choices``):
    ``validate(..., direction="sideways")``, ``Validator(None)``,
    ``Validator.validate_many(items, batch="x")``. It is both a ``TypeError``
    and a ``ValueError`` (as hypothesis's ``InvalidArgument`` is), so code that
    catches the builtin it expects for a wrong type or a wrong value keeps working.
    """

    def __init__(self, argument: str, message: str, choices: tuple[str, ...] = ()) -> None:
        self.argument = argument
        self.choices = choices
        self.detail = message
        valid = f" (one of: {', '.join(map(repr, choices))})" if choices else ""
        super().__init__(f"{argument}: {message}{valid}")


class ConfigurationError(GraphContractsError, ValueError):
    """A setting has a value graph-contracts does not know, or a needed one is missing.

    Raised for an unknown national cloud name, an unknown cassette record mode,
    credentials that cannot be found in the environment, or azure-identity
    being needed but not installed. ``setting`` names what to change and
    ``choices`` lists the accepted values when there is a fixed set, so the
    fix is always in the message; other settings the message names are
    ``Setting`` parts of its ``words``.
    """

    def __init__(self, setting: str, message: str | Words, choices: tuple[str, ...] = ()) -> None:
        self.setting = setting
        self.choices = choices
        self.words = words_of(message)
        self.detail = say(self.words)
        valid = f" (valid: {', '.join(choices)})" if choices else ""
        super().__init__(f"{setting}: {self.detail}{valid}")


class CompareError(ConfigurationError):
    """A requirement could not be installed, or the gate could not run on it."""


class MatrixError(CompareError):
    """A matrix could not be planned (no release matches, a bad shard) or a release could not be gated."""


class CassetteMissError(GraphContractsError, LookupError):
    """In replay, a request was made that the cassette does not hold.

    Usually the code under test now sends a different request (another path,
    query or body) than when the cassette was recorded, or the cassette was
    never recorded. Record it again (``record_mode="new_episodes"`` or
    ``"all"``) against the emulator or a tenant. ``method`` and ``url`` name
    the request; ``cassette`` is the file; ``detail`` is vcrpy's explanation,
    listing the closest recorded requests.
    """

    def __init__(self, method: str, url: str, cassette: str, detail: str = "") -> None:
        self.method = method
        self.url = url
        self.cassette = cassette
        self.detail = detail
        super().__init__(f"{method} {url} is not recorded in cassette {cassette}")


class _Finding(Protocol):
    """What ``SecretLeakError`` reads of a finding (``traffic.scan.SecretFinding``)."""

    @property
    def line(self) -> int: ...

    @property
    def kind(self) -> str: ...


class SecretLeakError(GraphContractsError):
    """A cassette would have been written with a credential the scrubber did not remove.

    Nothing was written. ``findings`` names each rule and line (of the text
    that would have been written); report it as a bug in the rule table, or
    scrub the value in your own ``before_record`` hook.
    """

    def __init__(self, file: str, findings: Sequence[_Finding]) -> None:
        self.file = file
        self.findings = findings
        where = ", ".join(f"line {f.line} ({f.kind})" for f in findings[:5])
        more = f" and {len(findings) - 5} more" if len(findings) > 5 else ""
        super().__init__(f"{file}: not written, it would still hold a credential at {where}{more}")


class AuthenticationError(GraphError):
    """The token endpoint (or azure-identity) refused to issue a token.

    ``code`` is the OAuth error (``invalid_client``, ``unauthorized_client``,
    ``invalid_scope`` ...) and ``message`` the endpoint's description, such
    as ``AADSTS7000215: Invalid client secret provided``. Usual causes: an
    expired or mistyped client secret, the wrong tenant or cloud, or an app
    registration without admin consent. ``endpoint`` is the token URL; the
    secret itself never appears in the error.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str = "",
        client_request_id: str = "",
        endpoint: str = "",
    ) -> None:
        super().__init__(status, code, message, request_id, client_request_id)
        self.endpoint = endpoint
        if endpoint:
            self.args = (f"token endpoint {endpoint} refused: {self.args[0]}",)


class CheckFailed(GraphContractsError, AssertionError):
    """A named check of the contract suite failed: the endpoint did not do what the contract documents.

    ``check`` is the name the check is registered under
    (``graph_contracts.suite.checks``), which is also its column of the
    contract report (``status``, ``shape``, ``negative``, ``auth``,
    ``lifecycle``, ``examples``, ``openapi``); ``what`` says what was checked;
    ``expected`` and ``got`` the two sides, or ``problems`` the differences
    found. An ``AssertionError`` as well, so pytest reports it as a failed
    test, not as an error in the test.
    """

    def __init__(
        self, check: str, what: str, expected: object = None, got: object = None, problems: tuple[str, ...] = ()
    ) -> None:
        self.check = check
        self.what = what
        self.expected = expected
        self.got = got
        self.problems = problems
        detail = "; ".join(problems) if problems else f"expected {expected!r}, got {got!r}"
        super().__init__(f"{check}: {what}: {detail}")


class PagingError(GraphError):
    """A collection could not be read to its end: a paging cap was hit, or ``@odata.nextLink`` looped.

    Raised by ``graph.paging``, the one reader of collections. ``limit`` names
    what stopped it: ``"pages"`` or ``"items"`` (the configured cap, in
    ``cap``), ``"loop"`` (a next link seen before) or ``"not-a-collection"``
    (a page without a ``value`` array). ``path`` is the collection, ``pages``
    and ``items`` what was read before stopping. A caller that must not act on
    a partial listing (cleanup) stops; one that can report what it could not
    check (preflight) says so. The status is 200: every page was a success.
    """

    def __init__(self, limit: str, path: str, message: str, *, pages: int = 0, items: int = 0, cap: int = 0) -> None:
        self.limit = limit
        self.path = path
        self.pages = pages
        self.items = items
        self.cap = cap
        code = {"loop": "NextLinkLoop", "not-a-collection": "NotACollection"}.get(limit, "PagingLimit")
        super().__init__(200, code, message)
        self.args = (message,)


class AccessError(GraphContractsError):
    """The token cannot run preflight: ``problem`` is ``missing``, ``expired`` or ``insufficient``.

    Raised before any request is sent, so nothing was read from the tenant. The
    message names the permission to add, or how to get a fresh token.
    """

    def __init__(self, problem: str, message: str) -> None:
        self.problem = problem
        super().__init__(message)
