"""Reading what the recorder recorded: a resource's history, the discovered resources, their counts and
their current configuration items."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.items import GONE, ItemStore, api_item
from nimbus.services.config.paging import limit_of, window
from nimbus.services.config.state import ConfigState, validation

_BASE_MEMBERS = ("version", "accountId", "configurationItemCaptureTime", "configurationItemStatus",
                 "configurationStateId", "arn", "resourceType", "resourceId", "resourceName", "awsRegion",
                 "availabilityZone", "resourceCreationTime", "configuration", "supplementaryConfiguration",
                 "recordingFrequency")


def not_discovered(resource_type: str, resource_id: str) -> ServiceError:
    return ServiceError("ResourceNotDiscoveredException",
                        f"Resource {resource_id} of resourceType:{resource_type} is unknown or has not been discovered",
                        status=400)


def identifier(recorded: dict) -> dict[str, Any]:
    item = recorded["item"]
    found = {"resourceType": item["resourceType"], "resourceId": item["resourceId"]}
    if item.get("resourceName"):
        found["resourceName"] = item["resourceName"]
    if "resourceDeletionTime" in recorded:
        found["resourceDeletionTime"] = recorded["resourceDeletionTime"]
    return found


def base_item(item: dict[str, Any]) -> dict[str, Any]:
    answer = api_item(item)
    return {k: answer[k] for k in _BASE_MEMBERS if k in answer}


class HistoryOps(ConfigState):
    def items(self, ctx: RequestContext) -> ItemStore:
        self.recording_recorder(ctx)
        self.engine.flush()
        return ItemStore(self.store, ctx.account_id, ctx.region)

    def get_resource_config_history(self, ctx: RequestContext, params: dict) -> dict:
        resource_type, resource_id = params["resourceType"], params["resourceId"]
        later, earlier = epoch(params.get("laterTime")), epoch(params.get("earlierTime"))
        if later is not None and earlier is not None and earlier > later:
            raise ServiceError("InvalidTimeRangeException", "The earlier time cannot be greater than the later time.",
                               status=400)
        limit_of(params, 10, 100)
        items = self.items(ctx)
        if items.latest(resource_type, resource_id) is None:
            raise not_discovered(resource_type, resource_id)
        history = [item for item in items.history(resource_type, resource_id)
                   if (earlier is None or item["configurationItemCaptureTime"] >= earlier)
                   and (later is None or item["configurationItemCaptureTime"] <= later)]
        if params.get("chronologicalOrder") != "Forward":
            history.reverse()
        chunk, token = window(history, params, 10, 100, lambda item: item["configurationStateId"])
        output: dict[str, Any] = {"configurationItems": [api_item(item) for item in chunk]}
        if token:
            output["nextToken"] = token
        return output

    def list_discovered_resources(self, ctx: RequestContext, params: dict) -> dict:
        ids, name = params.get("resourceIds") or [], params.get("resourceName")
        if ids and name:
            raise validation("Both Resource ID and Resource Name cannot be specified in the request")
        if len(ids) > 20:
            raise validation("The number of resource IDs exceeds the limit of 20.")
        resources = self.items(ctx).resources(params["resourceType"])
        found = [r for r in resources
                 if (params.get("includeDeletedResources") or "resourceDeletionTime" not in r)
                 and (not ids or r["item"]["resourceId"] in ids)
                 and (name is None or r["item"].get("resourceName") == name)]
        chunk, token = window(found, params, 100, 100, lambda r: r["item"]["resourceId"])
        output: dict[str, Any] = {"resourceIdentifiers": [identifier(r) for r in chunk]}
        if token:
            output["nextToken"] = token
        return output

    def batch_get_resource_config(self, ctx: RequestContext, params: dict) -> dict:
        keys = params["resourceKeys"]
        if len(keys) > 100:
            raise validation("The number of resource keys exceeds the limit of 100.")
        items = self.items(ctx)
        found = []
        for key in keys:
            recorded = items.latest(key["resourceType"], key["resourceId"])
            if recorded is not None and recorded["item"]["configurationItemStatus"] not in GONE:
                found.append(base_item(recorded["item"]))
        return {"baseConfigurationItems": found, "unprocessedResourceKeys": []}

    def get_discovered_resource_counts(self, ctx: RequestContext, params: dict) -> dict:
        items = self.items(ctx)
        wanted = params.get("resourceTypes") or items.resource_types()
        counts = [{"resourceType": t, "count": sum(1 for r in items.resources(t) if "resourceDeletionTime" not in r)}
                  for t in wanted]
        counts = sorted((c for c in counts if c["count"]), key=lambda c: (-c["count"], c["resourceType"]))
        chunk, token = window(counts, params, 100, 100, lambda c: c["resourceType"])
        output: dict[str, Any] = {"totalDiscoveredResources": sum(c["count"] for c in counts), "resourceCounts": chunk}
        if token:
            output["nextToken"] = token
        return output
