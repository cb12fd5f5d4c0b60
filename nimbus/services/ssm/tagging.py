"""AddTagsToResource, RemoveTagsFromResource and ListTagsForResource, for ResourceType Parameter."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError

from .documents import Parameter
from .state import SsmState


class TagOps(SsmState):
    def add_tags_to_resource(self, ctx: RequestContext, params: dict) -> dict:
        added = {t["Key"]: t["Value"] for t in params["Tags"]}
        return self._retag(ctx, params, lambda tags: {**tags, **added})

    def remove_tags_from_resource(self, ctx: RequestContext, params: dict) -> dict:
        gone = set(params["TagKeys"])
        return self._retag(ctx, params, lambda tags: {k: v for k, v in tags.items() if k not in gone})

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        tags = self._tagged(ctx, params).get("Tags", {})
        return {"TagList": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}

    def _tagged(self, ctx: RequestContext, params: dict) -> Parameter:
        if params["ResourceType"] != "Parameter":
            raise ServiceError("InvalidResourceType", "The resource type is not valid. Parameter Store in nimbus "
                               "tags only resources of type Parameter.")
        parameter = self.find(ctx, self.name_of(ctx, params["ResourceId"]))
        if parameter is None:
            raise ServiceError("InvalidResourceId", "The resource ID is not valid. Verify that you entered the "
                               "correct ID and try again.")
        return parameter

    def _retag(self, ctx: RequestContext, params: dict, change) -> dict:
        with self.store.transaction():
            parameter = self._tagged(ctx, params)
            tags = change(parameter.get("Tags", {}))
            if len(tags) > MAX_TAGS:
                raise ServiceError("TooManyTagsError", "The Tags parameter has too many tags. A resource can have "
                                   f"at most {MAX_TAGS} tags.")
            parameter["Tags"] = tags
            self.save(ctx, parameter)
        ctx.emit_resource_change("AWS::SSM::Parameter", parameter["ARN"], "updated",
                                 lambda: self.configuration(parameter))
        return {}
