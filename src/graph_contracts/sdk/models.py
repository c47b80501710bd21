"""The table from contract types and operations to the msgraph SDKs' generated classes, loaded lazily.

A table, not name-mangling: a contract type the table does not name is reported
as "not modelled", so a rename in a new SDK release shows up instead of being
guessed around. Nothing here imports an SDK until a class is asked for.
"""

from __future__ import annotations

import enum
import importlib
import importlib.metadata
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SdkDistribution:
    """One Python SDK: its ``--sdk`` name, the pip distribution, the import package and the Graph version it speaks."""

    name: str
    distribution: str
    package: str
    version: str

    def installed(self) -> bool:
        return importlib.util.find_spec(self.package) is not None

    def installed_version(self) -> str:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"


SDKS: Mapping[str, SdkDistribution] = {
    "msgraph": SdkDistribution("msgraph", "msgraph-sdk", "msgraph", "v1.0"),
    "msgraph-beta": SdkDistribution("msgraph-beta", "msgraph-beta-sdk", "msgraph_beta", "beta"),
}

#: What to install when an SDK is missing (the README and the exit-2 message say the same). graph-contracts is
#: not on PyPI, so ``pip install graph-contracts[sdk]`` fails: the extra installs from a clone, or the SDKs alone.
INSTALL_HINT = (
    'from a clone of graph-contracts run `pip install ".[sdk]"` (or `tox -e sdk`); '
    "or install the SDKs into this environment: `pip install msgraph-sdk msgraph-beta-sdk`"
)


class Verdict(enum.Enum):
    """What a gate run says of the SDK; the CLI turns it into its exit status (``cli/sdk.py``)."""

    #: Every check passed, or every break is acknowledged by the baseline.
    PASS = "pass"
    #: A contract break: a new or expired one (with a strict baseline, an entry no longer observed too).
    BREAK = "break"
    #: Nothing to judge: an SDK asked for is not installed (nothing ran), or a matrix release could not be gated.
    NOT_GATED = "not gated"


@dataclass(frozen=True)
class GateRun:
    """What one ``sdk-check`` run (gate, ``--compare`` or ``--matrix``) found; the CLI prints it (nothing here prints).

    ``verdict``: pass, a contract break, or not gated (an SDK asked for is not
    installed: ``missing``, and nothing ran; or a matrix release could not be gated).
    ``report``: what to show, in order, one paragraph an item (the table, the
    baseline's judgement, the files written; a compare's diff, a matrix's table).
    """

    verdict: Verdict
    report: tuple[str, ...] = ()
    missing: tuple[SdkDistribution, ...] = ()

    @property
    def missing_text(self) -> str:
        """Which SDKs are not installed, with how to install them; empty when none is missing."""
        if not self.missing:
            return ""
        names = ", ".join(f"{s.distribution} (import {s.package})" for s in self.missing)
        return f"not installed: {names}; {INSTALL_HINT}"


#: Contract type -> its class under ``<package>.generated.models`` (the same module names in both SDKs).
MODEL_CLASSES: Mapping[str, str] = {
    "importedWindowsAutopilotDeviceIdentity": (
        "imported_windows_autopilot_device_identity.ImportedWindowsAutopilotDeviceIdentity"
    ),
    "importedWindowsAutopilotDeviceIdentityState": (
        "imported_windows_autopilot_device_identity_state.ImportedWindowsAutopilotDeviceIdentityState"
    ),
    "importedWindowsAutopilotDeviceIdentityImportStatus": (
        "imported_windows_autopilot_device_identity_import_status.ImportedWindowsAutopilotDeviceIdentityImportStatus"
    ),
    "windowsAutopilotDeviceIdentity": "windows_autopilot_device_identity.WindowsAutopilotDeviceIdentity",
    "enrollmentState": "enrollment_state.EnrollmentState",
    "importedDeviceIdentity": "imported_device_identity.ImportedDeviceIdentity",
    "importedDeviceIdentityResult": "imported_device_identity_result.ImportedDeviceIdentityResult",
    "importedDeviceIdentityType": "imported_device_identity_type.ImportedDeviceIdentityType",
    "platform": "platform.Platform",
    "windowsAutopilotProfileAssignmentStatus": (
        "windows_autopilot_profile_assignment_status.WindowsAutopilotProfileAssignmentStatus"
    ),
    "windowsAutopilotProfileAssignmentDetailedStatus": (
        "windows_autopilot_profile_assignment_detailed_status.WindowsAutopilotProfileAssignmentDetailedStatus"
    ),
    "windowsAutopilotDeviceRemediationState": (
        "windows_autopilot_device_remediation_state.WindowsAutopilotDeviceRemediationState"
    ),
    "windowsAutopilotUserlessEnrollmentStatus": (
        "windows_autopilot_userless_enrollment_status.WindowsAutopilotUserlessEnrollmentStatus"
    ),
}

#: Action body classes, by operation id, under ``<package>.generated``.
ACTION_BODY_CLASSES: Mapping[str, str] = {
    "importedWindowsAutopilotDeviceIdentity.import": (
        "device_management.imported_windows_autopilot_device_identities.import_.import_post_request_body"
        ".ImportPostRequestBody"
    ),
    "windowsAutopilotDeviceIdentity.assignUserToDevice": (
        "device_management.windows_autopilot_device_identities.item.assign_user_to_device"
        ".assign_user_to_device_post_request_body.AssignUserToDevicePostRequestBody"
    ),
    "windowsAutopilotDeviceIdentity.updateDeviceProperties": (
        "device_management.windows_autopilot_device_identities.item.update_device_properties"
        ".update_device_properties_post_request_body.UpdateDevicePropertiesPostRequestBody"
    ),
    "windowsAutopilotDeviceIdentity.assignResourceAccountToDevice": (
        "device_management.windows_autopilot_device_identities.item.assign_resource_account_to_device"
        ".assign_resource_account_to_device_post_request_body.AssignResourceAccountToDevicePostRequestBody"
    ),
    "importedDeviceIdentity.importDeviceIdentityList": (
        "device_management.imported_device_identities.import_device_identity_list"
        ".import_device_identity_list_post_request_body.ImportDeviceIdentityListPostRequestBody"
    ),
    "importedDeviceIdentity.searchExistingIdentities": (
        "device_management.imported_device_identities.search_existing_identities"
        ".search_existing_identities_post_request_body.SearchExistingIdentitiesPostRequestBody"
    ),
}


def _load(dotted: str) -> Any:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def model_class(sdk: SdkDistribution, type_name: str) -> Any | None:
    """The SDK's class for a contract type, or None when the table or the SDK has none."""
    rel = MODEL_CLASSES.get(type_name)
    if rel is None:
        return None
    try:
        return _load(f"{sdk.package}.generated.models.{rel}")
    except (ImportError, AttributeError):
        return None


def action_body_class(sdk: SdkDistribution, op_id: str) -> Any | None:
    rel = ACTION_BODY_CLASSES.get(op_id)
    if rel is None:
        return None
    try:
        return _load(f"{sdk.package}.generated.{rel}")
    except (ImportError, AttributeError):
        return None
