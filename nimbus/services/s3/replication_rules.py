"""Which replication rule covers a version, and what a replication configuration must say to be accepted."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import lifecycle
from nimbus.services.s3.common import malformed_xml
from nimbus.services.s3.documents import Bucket, ObjectVersion


def destination_bucket(rule: dict) -> str:
    """The bucket name of a rule's ``Destination.Bucket`` (``arn:aws:s3:::name``)."""
    return rule["Destination"]["Bucket"].rsplit(":", 1)[-1]


def _enabled(rule: dict, *path: str) -> bool:
    value: object = rule
    for name in path:
        value = (value or {}).get(name) if isinstance(value, dict) else None
    return value == "Enabled"


def covering_rule(config: dict | None, record: ObjectVersion) -> dict | None:
    """The enabled rule with the highest priority whose filter takes the version (lifecycle's filter grammar)."""
    if not config:
        return None
    rules = sorted(config.get("Rules") or [], key=lambda r: -(r.get("Priority") or 0))
    return next((rule for rule in rules if lifecycle.applies(rule, record)), None)


def replicates_delete_markers(rule: dict) -> bool:
    return _enabled(rule, "DeleteMarkerReplication", "Status")


def syncs_replica_modifications(rule: dict) -> bool:
    return _enabled(rule, "SourceSelectionCriteria", "ReplicaModifications", "Status")


def owner_override(rule: dict) -> bool:
    return ((rule["Destination"].get("AccessControlTranslation") or {}).get("Owner")) == "Destination"


def check_configuration(bucket: Bucket, config: dict, find_bucket) -> None:
    """S3's refusals of a replication configuration (``find_bucket(name)`` looks a bucket up)."""
    rules = config.get("Rules") or []
    if not rules or any(not (r.get("Destination") or {}).get("Bucket") for r in rules):
        raise malformed_xml()
    if bucket.get("Versioning") != "Enabled":
        raise ServiceError("InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a replication "
                           "configuration", status=400, BucketName=bucket["Name"])
    for rule in rules:
        if owner_override(rule) and not rule["Destination"].get("Account"):
            raise ServiceError("InvalidArgument", "Destination Account is required when AccessControlTranslation "
                               "is specified", status=400)
        destination = find_bucket(destination_bucket(rule))
        if destination is None:
            raise ServiceError("InvalidRequest", "Destination bucket must exist.", status=400)
        if destination.get("Versioning") != "Enabled":
            raise ServiceError("InvalidRequest", "Destination bucket must have versioning enabled.", status=400)
