"""A resource's DeletionPolicy and UpdateReplacePolicy, checked before the stack starts: known values only, and
Snapshot only for the types AWS can snapshot (none of which nimbus serves yet)."""
from __future__ import annotations

from .template import validation_error

# The types whose DeletionPolicy/UpdateReplacePolicy may be Snapshot, as AWS documents them.
SNAPSHOT_TYPES = frozenset({"AWS::EC2::Volume", "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup",
                            "AWS::Neptune::DBCluster", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
                            "AWS::Redshift::Cluster", "AWS::DocDB::DBCluster"})
_VALUES = {"DeletionPolicy": ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot"),
           "UpdateReplacePolicy": ("Delete", "Retain", "Snapshot")}
_WORDS = {"DeletionPolicy": "deletion policy", "UpdateReplacePolicy": "update replace policy"}


def check_resource_policies(resources: dict) -> None:
    for name, resource in resources.items():
        for attribute, allowed in _VALUES.items():
            if attribute not in resource:
                continue
            value = resource[attribute]
            if value not in allowed:
                raise validation_error(f"Template format error: Unrecognized {attribute} {value} for resource "
                                       f"{name}")
            if value == "Snapshot" and resource["Type"] not in SNAPSHOT_TYPES:
                raise validation_error(f"Template error: resource type {resource['Type']} does not support "
                                       f"{_WORDS[attribute]} Snapshot")
