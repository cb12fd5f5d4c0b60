"""Configuration items: built in AWS's schema (version 1.3), stored per resource in capture order, and
answered in the API's form (``configuration`` and each supplementary value as JSON text).

The layout is in ``documents.py``. Items are high-volume records: stored as plain documents of the API's
members (times as epoch seconds, ``configuration`` as an object), not through a DocumentKind.
"""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from nimbus.core.namespaces import Namespace
from nimbus.services.config.described import GLOBAL_REGION, NOT_APPLICABLE, REGIONAL, Described
from nimbus.services.config.documents import RESOURCE, RecordedResource

if TYPE_CHECKING:
    from nimbus.store.base import Store

VERSION = "1.3"
DISCOVERED, OK, DELETED = "ResourceDiscovered", "OK", "ResourceDeleted"
DELETED_NOT_RECORDED = "ResourceDeletedNotRecorded"
GONE = (DELETED, DELETED_NOT_RECORDED)

resources_ns = Namespace("config", "resources")
items_ns = Namespace("config", "items")
arns_ns = Namespace("config", "arns")


def state_key(state_id: str) -> str:
    return state_id.zfill(20)


def _hash(item: dict[str, Any]) -> str:
    fields = {k: item.get(k) for k in ("configuration", "supplementaryConfiguration", "tags", "relationships")}
    return hashlib.md5(json.dumps(fields, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


def _next_state(previous: RecordedResource | None, capture: float) -> str:
    state = int(capture * 1000)
    if previous is not None:
        state = max(state, int(previous["item"]["configurationStateId"]) + 1)
    return str(state)


def build_item(account: str, region: str, resource_type: str, described: Described, is_global: bool,
               previous: RecordedResource | None, capture: float, frequency: str,
               related: list[str] | None = None) -> dict[str, Any] | None:
    """The next item of a resource, or None when nothing changed since ``previous``; ``related``: the
    CloudTrail event ids of the calls that made the change (``relatedEvents``)."""
    fresh = previous is None or previous["item"]["configurationItemStatus"] in GONE
    item: dict[str, Any] = {
        "version": VERSION, "accountId": account, "configurationItemCaptureTime": capture,
        "configurationItemStatus": DISCOVERED if fresh else OK,
        "arn": described.arn, "resourceType": resource_type, "resourceId": described.resource_id,
        "resourceName": described.name, "awsRegion": GLOBAL_REGION if is_global else (described.region or region),
        "availabilityZone": NOT_APPLICABLE if is_global else REGIONAL,
        "tags": described.tags, "relatedEvents": related or [], "relationships": described.relationships,
        "configuration": described.configuration, "supplementaryConfiguration": described.supplementary,
        "recordingFrequency": frequency,
    }
    if described.created is not None:
        item["resourceCreationTime"] = described.created
    item["configurationItemMD5Hash"] = _hash(item)
    if not fresh and previous is not None and previous["item"].get("configurationItemMD5Hash") == item[
            "configurationItemMD5Hash"]:
        return None
    item["configurationStateId"] = _next_state(previous, capture)
    return item


def gone_item(previous: RecordedResource, capture: float, status: str = DELETED) -> dict[str, Any]:
    """The item recording that a resource was deleted: its identity, no configuration."""
    before = previous["item"]
    item = {k: before[k] for k in ("version", "accountId", "arn", "resourceType", "resourceId", "resourceName",
                                   "awsRegion", "availabilityZone", "recordingFrequency") if k in before}
    item.update(configurationItemCaptureTime=capture, configurationItemStatus=status, tags={}, relatedEvents=[],
                relationships=[], supplementaryConfiguration={}, configurationItemMD5Hash="",
                configurationStateId=_next_state(previous, capture))
    if "resourceCreationTime" in before:
        item["resourceCreationTime"] = before["resourceCreationTime"]
    return item


class ItemStore:
    """One account and region's recorded resources and their items."""

    def __init__(self, store: Store, account: str, region: str):
        self.store, self.account, self.region = store, account, region

    def latest(self, resource_type: str, resource_id: str) -> RecordedResource | None:
        return RESOURCE.get(self.store, resources_ns(self.account, self.region, resource_type), resource_id)

    def latest_by_arn(self, arn: str) -> RecordedResource | None:
        found = self.store.get(arns_ns(self.account, self.region), arn)
        if found is None:
            return None
        resource_type, _, resource_id = found.partition("|")
        return self.latest(resource_type, resource_id)

    def append(self, item: dict[str, Any]) -> None:
        resource_type, resource_id = item["resourceType"], item["resourceId"]
        recorded = RecordedResource(item=item)
        if item["configurationItemStatus"] in GONE:
            recorded["resourceDeletionTime"] = item["configurationItemCaptureTime"]
        with self.store.transaction():
            self._put_latest(recorded)
            self.store.put(arns_ns(self.account, self.region), item["arn"], f"{resource_type}|{resource_id}")

    def add_related(self, recorded: RecordedResource, related: list[str]) -> None:
        """Name more calls on a resource's latest item (``relatedEvents``)."""
        item = recorded["item"]
        named = item.get("relatedEvents", [])
        item["relatedEvents"] = named + [event for event in related if event not in named]
        with self.store.transaction():
            self._put_latest(recorded)

    def _put_latest(self, recorded: RecordedResource) -> None:
        """A resource's latest item, in its history and as the resource's own."""
        item = recorded["item"]
        resource_type, resource_id = item["resourceType"], item["resourceId"]
        self.store.put(items_ns(self.account, self.region, resource_type, resource_id),
                       state_key(item["configurationStateId"]), item)
        RESOURCE.put(self.store, resources_ns(self.account, self.region, resource_type), resource_id, recorded)

    def history(self, resource_type: str, resource_id: str) -> list[dict[str, Any]]:
        return [item for _, item in self.store.scan(items_ns(self.account, self.region, resource_type, resource_id))]

    def resources(self, resource_type: str) -> list[RecordedResource]:
        return [doc for _, doc in RESOURCE.scan(self.store, resources_ns(self.account, self.region, resource_type))]

    def resource_types(self) -> list[str]:
        return sorted(ns[4] for ns in self.store.namespaces(resources_ns(self.account, self.region)) if len(ns) == 5)

    def captured_between(self, after: float, until: float) -> dict[str, list[dict[str, Any]]]:
        """Items captured in (after, until], by resource type: what a history file holds."""
        found: dict[str, list[dict[str, Any]]] = {}
        for resource_type in self.resource_types():
            for recorded in self.resources(resource_type):
                if recorded["item"]["configurationItemCaptureTime"] <= after:
                    continue
                for item in self.history(resource_type, recorded["item"]["resourceId"]):
                    if after < item["configurationItemCaptureTime"] <= until:
                        found.setdefault(resource_type, []).append(item)
        return found


def api_item(item: dict[str, Any]) -> dict[str, Any]:
    """A stored item as the API answers it: configuration and supplementary values as JSON text."""
    answer = {k: v for k, v in item.items() if k not in ("configuration", "supplementaryConfiguration")}
    if item.get("configuration") is not None:
        answer["configuration"] = json.dumps(item["configuration"])
    answer["supplementaryConfiguration"] = {
        k: v if isinstance(v, str) else json.dumps(v) for k, v in (item.get("supplementaryConfiguration") or {}).items()}
    return answer
