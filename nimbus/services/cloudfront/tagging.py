"""TagResource, UntagResource and ListTagsForResource on a distribution's ARN."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError

from .common import distribution_arn, invalid_argument
from .documents import Distribution
from .state import CloudFrontState


class TagOps(CloudFrontState):
    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        added = {t["Key"]: t.get("Value", "") for t in params["Tags"].get("Items", [])}
        self._retag(ctx, params["Resource"], lambda tags: {**tags, **added})
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        gone = set(params["TagKeys"].get("Items", []))
        self._retag(ctx, params["Resource"], lambda tags: {k: v for k, v in tags.items() if k not in gone})
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        tags = self._tagged(ctx, params["Resource"]).get("Tags", {})
        return {"Tags": {"Items": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}}

    def _tagged(self, ctx: RequestContext, arn: str) -> Distribution:
        prefix = distribution_arn(ctx.account_id, "")
        if not arn.startswith("arn:aws:cloudfront::"):
            raise invalid_argument(f"The ARN {arn} is not valid.")
        found = self.find(ctx.account_id, arn[len(prefix):]) if arn.startswith(prefix) else None
        if found is None:
            raise ServiceError("NoSuchResource", "The specified resource does not exist.", status=404)
        return found

    def _retag(self, ctx: RequestContext, arn: str, change) -> None:
        with self.store.transaction():
            distribution = self._tagged(ctx, arn)
            tags = change(distribution.get("Tags", {}))
            if len(tags) > MAX_TAGS:
                raise ServiceError("InvalidTagging", f"A resource can have at most {MAX_TAGS} tags.", status=400)
            distribution["Tags"] = tags
            self.save(ctx, distribution)
