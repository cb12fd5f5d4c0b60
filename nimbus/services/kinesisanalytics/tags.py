"""Tags on applications: at most 50, none under ``aws:``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesisanalytics.common import invalid
from nimbus.services.kinesisanalytics.documents import Application
from nimbus.services.kinesisanalytics.state import KinesisAnalyticsState


def _too_many() -> ServiceError:
    return ServiceError("TooManyTagsException", f"An application can have at most {MAX_TAGS} tags.")


def validate_tags(tags: list[dict]) -> None:
    if len(tags) > MAX_TAGS:
        raise _too_many()
    for tag in tags:
        if tag["Key"].lower().startswith("aws:"):
            raise invalid("Tag keys may not start with 'aws:'.")


class TagOps(KinesisAnalyticsState):
    def _tagged(self, ctx: RequestContext, arn: str) -> Application:
        prefix = ctx.arn("application/")
        if not arn.startswith(prefix):
            raise invalid(f"{arn} is not an application ARN of this account and region.")
        return self.application(ctx, arn[len(prefix):])

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        validate_tags(params["Tags"])
        with self.store.transaction():
            app = self._tagged(ctx, params["ResourceARN"])
            tags = {**app["Tags"], **{tag["Key"]: tag.get("Value", "") for tag in params["Tags"]}}
            if len(tags) > MAX_TAGS:
                raise _too_many()
            app["Tags"] = tags
            self.save(app)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            app = self._tagged(ctx, params["ResourceARN"])
            app["Tags"] = {k: v for k, v in app["Tags"].items() if k not in params["TagKeys"]}
            self.save(app)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        app = self._tagged(ctx, params["ResourceARN"])
        return {"Tags": [{"Key": key, "Value": value} for key, value in sorted(app["Tags"].items())]}
