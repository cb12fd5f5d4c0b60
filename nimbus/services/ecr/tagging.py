"""TagResource, UntagResource and ListTagsForResource, on a repository's ARN."""
from __future__ import annotations

from nimbus.core.arns import parse_arn
from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError

from .documents import Repository
from .state import EcrState, invalid_parameter, not_found


def checked_tags(current: dict[str, str], added: list[dict]) -> dict[str, str]:
    """``current`` with ``added`` (ECR's Key/Value list) set, within AWS's limits."""
    tags = {**current}
    for tag in added:
        if not tag.get("Key"):
            raise ServiceError("InvalidTagParameterException", "Invalid parameter at 'tags' failed to satisfy "
                               "constraint: 'Tag keys must not be empty'", status=400)
        tags[tag["Key"]] = tag.get("Value", "")
    if len(tags) > MAX_TAGS:
        raise ServiceError("TooManyTagsException", f"A maximum of {MAX_TAGS} tags can be specified for a resource.",
                           status=400)
    return tags


class TagOps(EcrState):
    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            repository = self._tagged(ctx, params["resourceArn"])
            repository["tags"] = checked_tags(repository.get("tags", {}), params["tags"])
            self.save(ctx, repository)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            repository = self._tagged(ctx, params["resourceArn"])
            gone = set(params["tagKeys"])
            repository["tags"] = {k: v for k, v in repository.get("tags", {}).items() if k not in gone}
            self.save(ctx, repository)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        tags = self._tagged(ctx, params["resourceArn"]).get("tags", {})
        return {"tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}

    def _tagged(self, ctx: RequestContext, arn: str) -> Repository:
        parts = parse_arn(arn)
        if parts is None or parts["service"] != "ecr" or not parts["resource"].startswith("repository/"):
            raise invalid_parameter(f"Invalid parameter at 'resourceArn' failed to satisfy constraint: "
                                    f"'Invalid ARN: {arn}'")
        name = parts["resource"].removeprefix("repository/")
        repository = self.find(ctx, name) if (parts["account"], parts["region"]) == (ctx.account_id, ctx.region) \
            else None
        if repository is None:
            raise not_found(name, parts["account"])
        return repository
