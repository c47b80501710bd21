"""``GET /{version}/users/{id | userPrincipalName}``: the one directory route the emulator serves.

Preflight asks whether an Autopilot CSV's assigned user exists. The users come
from the ``--state`` file (``seed.py``); the answer has Graph's shape (the user
with ``@odata.context``), Graph's 404 ``Request_ResourceNotFound`` for an
unknown key, and 403 when the token holds no permission that reads users,
decided as every other route's 403 (``tokens.satisfies``: a ReadWrite grant
covers the Read one). The route is not in the contracts: the contracts
describe the Autopilot APIs, and this is the one directory read they need.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from starlette.responses import Response

from .failures import GraphFailure
from .render import json_response
from .seed import USER_COLLECTION
from .state import EmulatorStore
from .tokens import Principal, satisfies


class UserDirectory(Protocol):
    """What the route uses of the emulator (``app.Emulator``): its store, where the seeded users live.

    Named here rather than imported from ``app``, which imports this module.
    """

    @property
    def store(self) -> EmulatorStore: ...


#: Application permissions that let an app read another user (Graph's "Get user" page, least privileged first).
USER_READ_PERMISSIONS = (
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)

#: The properties Graph returns for a user without ``$select``.
DEFAULT_PROPERTIES = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)


def is_users_request(segments: Sequence[str]) -> bool:
    """Whether a Graph path (after the version) addresses ``users`` or one user."""
    return bool(segments) and segments[0].casefold() == "users"


def may_read_users(principal: Principal) -> bool:
    return any(satisfies(principal.permissions, p) for p in USER_READ_PERMISSIONS)


def answer_users(
    emulator: UserDirectory, version: str, segments: Sequence[str], method: str, base_url: str, principal: Principal
) -> Response:
    """The answer to a request on ``/users...``: one user by id or UPN, or Graph's error."""
    if len(segments) != 2 or not segments[1]:
        raise GraphFailure(400, "BadRequest", "The emulator serves only GET /users/{id | userPrincipalName}.")
    if method != "GET":
        raise GraphFailure(
            405,
            "MethodNotAllowed",
            f"The HTTP method '{method}' is not allowed for the request URI; allowed: GET.",
            headers=(("Allow", "GET"),),
        )
    if not may_read_users(principal):
        raise GraphFailure(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    key = segments[1]
    folded = key.casefold()
    with emulator.store.tenant(principal.tenant_id) as state:
        users = state.collection(USER_COLLECTION)
        found = users.get(key) or next(
            (r for r in users.values() if str(r.data.get("userPrincipalName", "")).casefold() == folded), None
        )
        data = dict(found.data) if found is not None else None
    if data is None:
        raise GraphFailure(
            404,
            "Request_ResourceNotFound",
            f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
        )
    body: dict[str, Any] = {"@odata.context": f"{base_url}/{version}/$metadata#users/$entity"}
    body.update({name: data.get(name, [] if name == "businessPhones" else None) for name in DEFAULT_PROPERTIES})
    return json_response(200, body)
