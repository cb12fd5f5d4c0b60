"""What Config knows of one resource when it records it, and the registry of the types it records.

Each supported resource type has a ``TypeSupport``: ``describe(reader, arn)`` reads the resource through
the internal client (``reading.Reader``) and answers its configuration in the shape AWS Config records
for that type, or None once it is gone; ``discover(reader)`` lists the ARNs of what exists, for the
discovery a recorder makes when it starts. The modules ``types_*`` register them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

GLOBAL_REGION = "global"  # the awsRegion of IAM's configuration items
REGIONAL = "Regional"
NOT_APPLICABLE = "Not Applicable"


@dataclass
class Described:
    resource_id: str
    name: str
    arn: str
    configuration: dict[str, Any]
    supplementary: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    relationships: list[dict[str, str]] = field(default_factory=list)
    created: float | None = None
    region: str | None = None  # where the resource lives when not the recorder's region (a bucket's)


@dataclass(frozen=True)
class TypeSupport:
    resource_type: str
    describe: Callable[[Reader, str], Described | None]
    discover: Callable[[Reader], list[str]]
    is_global: bool = False  # recorded with includeGlobalResourceTypes (IAM)


SUPPORTED: dict[str, TypeSupport] = {}


def supports(resource_type: str, describe: Callable[[Reader, str], Described | None],
             discover: Callable[[Reader], list[str]], is_global: bool = False) -> None:
    SUPPORTED[resource_type] = TypeSupport(resource_type, describe, discover, is_global)


def relationship(resource_type: str, name: str, relationship_name: str, resource_id: str | None = None) -> dict:
    related = {"resourceType": resource_type, "resourceName": name, "relationshipName": relationship_name}
    if resource_id:
        related["resourceId"] = resource_id
    return related


def epoch(value: Any) -> float | None:
    """A time as other services answer it (datetime, epoch seconds or ISO text) in epoch seconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def iso(value: Any) -> str | None:
    """A time in the ISO form configurations carry (``2024-01-01T00:00:00.000Z``)."""
    seconds = epoch(value)
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(seconds * 1000) % 1000:03d}Z"


def tag_map(tags: list[dict[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {tag[key]: tag.get(value, "") for tag in tags or []}


def arn_name(arn: str) -> str:
    """The last segment of an ARN's resource (``stream/name`` -> ``name``, ``key/id`` -> ``id``)."""
    return arn.split(":", 5)[-1].split("/")[-1]


def every_page(reader: Reader, service: str, operation: str, member: str, token: str = "NextToken",
               params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every item of a listing paged by a next token (``token``: its member name, in and out)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = reader.call(service, operation, {**(params or {}), **({token: after} if after else {})})
        found += page.get(member, [])
        after = page.get(token)
        if not after:
            return found
