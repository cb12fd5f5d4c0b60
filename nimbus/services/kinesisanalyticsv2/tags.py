"""Tags on applications and on account-level snapshots (their ARN ``...:snapshot/<name>``, tagged at
CreateSnapshot and ImportSnapshot too): at most 50, none under ``aws:``."""
from __future__ import annotations

from collections.abc import Callable

from nimbus.core.context import RequestContext
from nimbus.core.tags import check_tags

from .common import RESOURCE_TYPE, account_snapshots_ns, invalid, snapshot_not_found
from .documents import ACCOUNT_SNAPSHOT, AccountSnapshot
from .state import FlinkState


def tag_map(tags: list[dict]) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags}


class TagOps(FlinkState):
    def _tagged_snapshot(self, ctx: RequestContext, arn: str) -> AccountSnapshot | None:
        """The account-level snapshot the ARN names; None when it names no snapshot (an application's)."""
        prefix = ctx.arn("snapshot/", service="kinesisanalytics")
        if not arn.startswith(prefix):
            return None
        name = arn[len(prefix):]
        snapshot = ACCOUNT_SNAPSHOT.get(self.store, account_snapshots_ns(ctx.account_id, ctx.region), name)
        if snapshot is None:
            raise snapshot_not_found(name)
        return snapshot

    def _tags(self, ctx: RequestContext, arn: str) -> dict[str, str]:
        snapshot = self._tagged_snapshot(ctx, arn)
        return snapshot["Tags"] if snapshot is not None else self.application(
            ctx, self.application_name_of(ctx, arn))["Tags"]

    def _retag(self, ctx: RequestContext, arn: str, change: Callable[[dict[str, str]], dict[str, str]]) -> None:
        with self.store.transaction():
            tags = change(self._tags(ctx, arn))
            check_tags(tags, invalid)
            snapshot = self._tagged_snapshot(ctx, arn)
            if snapshot is not None:
                snapshot["Tags"] = tags
                ACCOUNT_SNAPSHOT.put(self.store, account_snapshots_ns(ctx.account_id, ctx.region),
                                     snapshot["SnapshotName"], snapshot)
                return
            app = self.application(ctx, self.application_name_of(ctx, arn))
            app["Tags"] = tags
            self.save(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "updated")  # Config records tags

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        self._retag(ctx, params["ResourceARN"], lambda tags: {**tags, **tag_map(params["Tags"])})
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        self._retag(ctx, params["ResourceARN"],
                    lambda tags: {k: v for k, v in tags.items() if k not in params["TagKeys"]})
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        tags = self._tags(ctx, params["ResourceARN"])
        return {"Tags": [{"Key": key, "Value": value} for key, value in sorted(tags.items())]}
