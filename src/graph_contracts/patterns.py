"""The patterns and names that the generated schemas and the validator share, in a module of their own.

``schemas`` writes them into the JSON Schemas it generates from the contracts;
``validation`` reads schemas already generated and needs only these few names
from that side. Kept here, with no imports, so that ``graph-contracts validate``
starts without loading the contract model, the schema generator and YAML
(about half of its start, measured with a compiled install).
"""

from __future__ import annotations

from typing import Literal

__all__ = ["BASE64_DIGITS", "BASE64_PATTERN", "DATETIME_PATTERN", "GUID_PATTERN", "Direction", "def_name"]

#: A request body (sent to Graph) or a response (what Graph sends back).
Direction = Literal["request", "response"]

#: Edm.Guid as Graph writes it (8-4-4-4-12 hex digits, either case): the one GUID pattern of the project.
GUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
#: The 64 digits of standard base64 (RFC 4648, section 4) as the inside of a regex character class,
#: padding ``=`` not among them: the one spelling of the alphabet, which the hash decoder, the traffic
#: scanner and the schema pattern below build their character classes from.
BASE64_DIGITS = "A-Za-z0-9+/"
#: Standard base64 with padding: what Get-WindowsAutopilotInfo and the msgraph SDKs send.
BASE64_PATTERN = rf"^(?:[{BASE64_DIGITS}]{{4}})*(?:[{BASE64_DIGITS}]{{2}}==|[{BASE64_DIGITS}]{{3}}=)?$"
#: RFC 3339 with a mandatory offset; checked by pattern so no optional format package is needed.
DATETIME_PATTERN = (
    r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:"
    r"(?:[0-5][0-9]|60)(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)


def def_name(type_name: str, direction: Direction) -> str:
    """The name of a type's schema (``$defs`` key and file name): ``X.request`` for a request body."""
    return type_name if direction == "response" else f"{type_name}.request"
