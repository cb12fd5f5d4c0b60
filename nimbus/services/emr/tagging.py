"""AddTags and RemoveTags on a cluster (ResourceId is its id); DescribeCluster shows them."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .state import EmrState, save_cluster


class TagOps(EmrState):
    def add_tags(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            cluster = self.cluster(ctx, params["ResourceId"])
            tags = {t["Key"]: t.get("Value", "") for t in cluster.get("Tags", [])}
            tags.update({t["Key"]: t.get("Value", "") for t in params["Tags"]})
            cluster["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
            save_cluster(self.store, cluster)
        self.emit(ctx, cluster, "updated")
        return {}

    def remove_tags(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            cluster = self.cluster(ctx, params["ResourceId"])
            cluster["Tags"] = [t for t in cluster.get("Tags", []) if t["Key"] not in params["TagKeys"]]
            save_cluster(self.store, cluster)
        self.emit(ctx, cluster, "updated")
        return {}
