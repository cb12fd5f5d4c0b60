"""AddTags, RemoveTags and ListTags on every taggable CloudTrail ARN: trails (trails.py), channels and
dashboards here; event data stores are Lake's."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.channels import CHANNEL, ChannelOps, channels_ns, tag_list
from nimbus.services.cloudtrail.dashboards import DASHBOARD, DashboardOps
from nimbus.services.cloudtrail.documents import Channel, Dashboard
from nimbus.services.cloudtrail.state import dashboards_ns
from nimbus.services.cloudtrail.trails import TrailOps

RESOURCE_KIND = re.compile(r"^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:([a-z]+)/")


def kind_of(resource_id: str) -> str:
    """``trail`` for a trail's name or ARN, else the ARN's resource type."""
    match = RESOURCE_KIND.match(resource_id)
    if not resource_id.startswith("arn:") or (match and match.group(1) == "trail"):
        return "trail"
    if match is None or match.group(1) not in ("channel", "dashboard", "eventdatastore"):
        raise ServiceError("ResourceTypeNotSupportedException",
                           f"Tags are not supported on resource {resource_id}.", status=400)
    return match.group(1)


class TagOps(ChannelOps, DashboardOps, TrailOps):
    def _tagged(self, ctx: RequestContext, resource_id: str) -> Channel | Dashboard:
        kind = kind_of(resource_id)
        if kind == "channel":
            return self._channel(ctx, resource_id)
        if kind == "dashboard":
            return self._dashboard(ctx, resource_id)
        raise ServiceError("EventDataStoreNotFoundException",
                           f"The specified event data store {resource_id} was not found.", status=400)

    def _save_tagged(self, ctx: RequestContext, resource_id: str, doc: Channel | Dashboard) -> None:
        if kind_of(resource_id) == "channel":
            CHANNEL.put(self.store, channels_ns(ctx.account_id, ctx.region), resource_id.rsplit("/", 1)[1],
                        doc)  # type: ignore[arg-type]
        else:
            DASHBOARD.put(self.store, dashboards_ns(ctx.account_id, ctx.region), doc["Name"], doc)  # type: ignore[arg-type]

    def add_tags(self, ctx: RequestContext, params: dict) -> dict:
        if kind_of(params["ResourceId"]) == "trail":
            return super().add_tags(ctx, params)
        doc = self._tagged(ctx, params["ResourceId"])
        tags = {**doc["Tags"], **{t["Key"]: t.get("Value", "") for t in params.get("TagsList") or []}}
        if len(tags) > MAX_TAGS:
            raise ServiceError("TagsLimitExceededException", f"A resource can have at most {MAX_TAGS} tags.",
                               status=400)
        doc["Tags"] = tags
        self._save_tagged(ctx, params["ResourceId"], doc)
        return {}

    def remove_tags(self, ctx: RequestContext, params: dict) -> dict:
        if kind_of(params["ResourceId"]) == "trail":
            return super().remove_tags(ctx, params)
        doc = self._tagged(ctx, params["ResourceId"])
        for tag in params.get("TagsList") or []:
            doc["Tags"].pop(tag["Key"], None)
        self._save_tagged(ctx, params["ResourceId"], doc)
        return {}

    def list_tags(self, ctx: RequestContext, params: dict) -> dict:
        out = []
        for resource_id in params["ResourceIdList"]:
            if kind_of(resource_id) == "trail":
                out.extend(super().list_tags(ctx, {"ResourceIdList": [resource_id]})["ResourceTagList"])
            else:
                out.append({"ResourceId": resource_id,
                            "TagsList": tag_list(self._tagged(ctx, resource_id)["Tags"])})
        return {"ResourceTagList": out}
