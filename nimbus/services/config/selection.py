"""Which resource types a recorder's recording group selects, and checking a group as AWS does."""
from __future__ import annotations

from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.config.described import SUPPORTED

ALL, INCLUSION, EXCLUSION = ("ALL_SUPPORTED_RESOURCE_TYPES", "INCLUSION_BY_RESOURCE_TYPES",
                             "EXCLUSION_BY_RESOURCE_TYPES")
DEFAULT_GROUP: dict[str, Any] = {"allSupported": True, "includeGlobalResourceTypes": False, "resourceTypes": [],
                                 "exclusionByResourceTypes": {"resourceTypes": []},
                                 "recordingStrategy": {"useOnly": ALL}}


def invalid_group(message: str) -> ServiceError:
    return ServiceError("InvalidRecordingGroupException", message, status=400)


def normalized_group(group: dict[str, Any] | None) -> dict[str, Any]:
    """The group as AWS stores it, every member present; InvalidRecordingGroupException for what AWS refuses."""
    if not group:
        return dict(DEFAULT_GROUP)
    included = group.get("resourceTypes") or []
    excluded = (group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or []
    all_supported = group.get("allSupported", not included and not excluded)
    global_types = bool(group.get("includeGlobalResourceTypes", False))
    strategy = (group.get("recordingStrategy") or {}).get("useOnly") or (
        ALL if all_supported else EXCLUSION if excluded else INCLUSION)
    if all_supported and (included or excluded):
        raise invalid_group("The recording group provided is not valid: allSupported is true, so resourceTypes and "
                            "exclusionByResourceTypes must be empty.")
    if global_types and not all_supported:
        raise invalid_group("The recording group provided is not valid: includeGlobalResourceTypes can only be true "
                            "when allSupported is true.")
    if (strategy == ALL) != bool(all_supported) or (strategy == EXCLUSION) != bool(excluded) \
            or (strategy == INCLUSION and not included):
        raise invalid_group(f"The recording group provided is not valid: the recordingStrategy {strategy} does not "
                            "match the recording group's fields.")
    return {"allSupported": bool(all_supported), "includeGlobalResourceTypes": global_types,
            "resourceTypes": list(included), "exclusionByResourceTypes": {"resourceTypes": list(excluded)},
            "recordingStrategy": {"useOnly": strategy}}


def selects(group: dict[str, Any], resource_type: str) -> bool:
    support = SUPPORTED.get(resource_type)
    if support is None:
        return False
    strategy = group["recordingStrategy"]["useOnly"]
    if strategy == ALL:
        return not support.is_global or group["includeGlobalResourceTypes"]
    if strategy == EXCLUSION:
        return resource_type not in group["exclusionByResourceTypes"]["resourceTypes"]
    return resource_type in group["resourceTypes"]


def selected_types(group: dict[str, Any]) -> list[str]:
    return sorted(t for t in SUPPORTED if selects(group, t))
