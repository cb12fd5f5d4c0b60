"""Tags on applications: at most 50, none under ``aws:``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import check_tags

from .common import RESOURCE_TYPE, invalid
from .state import FlinkState


def tag_map(tags: list[dict]) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags}


class TagOps(FlinkState):
    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            app = self.application(ctx, self.application_name_of(ctx, params["ResourceARN"]))
            tags = {**app["Tags"], **tag_map(params["Tags"])}
            check_tags(tags, invalid)
            app["Tags"] = tags
            self.save(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "updated")  # Config records tags
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            app = self.application(ctx, self.application_name_of(ctx, params["ResourceARN"]))
            app["Tags"] = {k: v for k, v in app["Tags"].items() if k not in params["TagKeys"]}
            self.save(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "updated")
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, self.application_name_of(ctx, params["ResourceARN"]))
        return {"Tags": [{"Key": key, "Value": value} for key, value in sorted(app["Tags"].items())]}
