"""Tags of alarms, dashboards, metric streams and insight rules: TagResource, UntagResource,
ListTagsForResource, kept by the resource's ARN."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import (
    alarms_ns,
    dashboards_ns,
    insight_rules_ns,
    invalid,
    mute_rules_ns,
    query_definitions_ns,
    streams_ns,
    tags_ns,
)
from nimbus.services.cloudwatch.state import CloudWatchState

# The resource part of each taggable ARN, and where that resource lives.
_KINDS = (("alarm:", alarms_ns), ("dashboard/", dashboards_ns), ("metric-stream/", streams_ns),
          ("insight-rule/", insight_rules_ns), ("alarm-mute-rule:", mute_rules_ns),
          ("metric-data-query-definition:", query_definitions_ns))
# The taggable resources AWS Config records, whose tags are part of what it records.
_RECORDED = (("alarm:", "AWS::CloudWatch::Alarm"), ("metric-stream/", "AWS::CloudWatch::MetricStream"))


class TaggingOps(CloudWatchState):
    def add_tags(self, ctx: RequestContext, arn: str, tags: list[dict[str, str]]) -> None:
        ns = tags_ns(ctx.account_id, ctx.region)
        current = self.store.get(ns, arn) or {}
        current.update({t["Key"]: t["Value"] for t in tags})
        if len(current) > MAX_TAGS:
            raise invalid(f"A resource can have at most {MAX_TAGS} tags.")
        self.store.put(ns, arn, current)

    def drop_tags(self, ctx: RequestContext, arn: str) -> None:
        self.store.delete(tags_ns(ctx.account_id, ctx.region), arn)

    def _tagged(self, ctx: RequestContext, arn: str) -> dict[str, str]:
        parts = arn.split(":", 5)
        resource = parts[5] if len(parts) == 6 and parts[4] == ctx.account_id else ""
        for prefix, ns in _KINDS:
            if resource.startswith(prefix) and self.store.get(ns(ctx.account_id, ctx.region),
                                                              resource[len(prefix):]) is not None:
                return self.store.get(tags_ns(ctx.account_id, ctx.region), arn) or {}
        raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found.")

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        self._tagged(ctx, params["ResourceARN"])
        self.add_tags(ctx, params["ResourceARN"], params["Tags"])
        _retagged(ctx, params["ResourceARN"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        current = self._tagged(ctx, params["ResourceARN"])
        for key in params["TagKeys"]:
            current.pop(key, None)
        self.store.put(tags_ns(ctx.account_id, ctx.region), params["ResourceARN"], current)
        _retagged(ctx, params["ResourceARN"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        return {"Tags": [{"Key": k, "Value": v} for k, v in self._tagged(ctx, params["ResourceARN"]).items()]}


def _retagged(ctx: RequestContext, arn: str) -> None:
    resource = arn.split(":", 5)[-1]
    for prefix, resource_type in _RECORDED:
        if resource.startswith(prefix):
            ctx.emit_resource_change(resource_type, arn, "updated")
