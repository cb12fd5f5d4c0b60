"""CreateInvalidation, GetInvalidation and ListInvalidations: the edge evicts the paths at once; the batch
reads InProgress until the virtual clock passes its completion time, then Completed."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.paging import page
from nimbus.protocol.errors import ServiceError

from .common import GLOBAL, invalid_argument, invalidations_ns, new_id
from .documents import INVALIDATION, Invalidation
from .state import CloudFrontState


class InvalidationOps(CloudFrontState):
    def create_invalidation(self, ctx: RequestContext, params: dict) -> dict:
        distribution_id, batch = params["DistributionId"], params["InvalidationBatch"]
        paths = batch["Paths"].get("Items", [])
        if batch["Paths"]["Quantity"] != len(paths):
            raise ServiceError("InconsistentQuantities", "The value of Quantity and the size of Items don't "
                               "match.", status=400)
        bad = next((p for p in paths if not p.startswith("/") or "*" in p[:-1]), None)
        if bad is not None:
            raise invalid_argument(f"Your request contains one or more invalid invalidation paths: {bad}")
        with self.store.transaction():
            self.distribution(ctx, distribution_id)
            invalidation = self._same_batch(ctx, distribution_id, batch) or self._new_invalidation(ctx, distribution_id, batch)
        self.cache.invalidate(distribution_id, paths)
        return {"Location": f"https://cloudfront.amazonaws.com/2020-05-31/distribution/{distribution_id}"
                            f"/invalidation/{invalidation['Id']}",
                "Invalidation": self._invalidation_output(invalidation)}

    def get_invalidation(self, ctx: RequestContext, params: dict) -> dict:
        self.distribution(ctx, params["DistributionId"])
        found = INVALIDATION.get(self.store, self._invalidations_ns(ctx, params["DistributionId"]), params["Id"])
        if found is None:
            raise ServiceError("NoSuchInvalidation", "The specified invalidation does not exist.", status=404)
        return {"Invalidation": self._invalidation_output(found)}

    def list_invalidations(self, ctx: RequestContext, params: dict) -> dict:
        self.distribution(ctx, params["DistributionId"])
        newest_first = sorted(self._invalidations(ctx, params["DistributionId"]), key=lambda i: -i["CreateTime"])
        limit = int(params.get("MaxItems") or 100)
        chunk, next_marker = page(newest_first, params.get("Marker"), limit, key=lambda i: i["Id"],
                                  invalid=invalid_argument("The marker is not valid."))
        listing = {"Marker": params.get("Marker") or "", "MaxItems": limit, "IsTruncated": next_marker is not None,
                   "Quantity": len(chunk), "Items": [{"Id": i["Id"], "CreateTime": i["CreateTime"],
                                                      "Status": self._invalidation_status(i)} for i in chunk]}
        if next_marker is not None:
            listing["NextMarker"] = next_marker
        return {"InvalidationList": listing}

    def invalidations_in_progress(self, ctx: RequestContext, distribution_id: str) -> int:
        return sum(self._invalidation_status(i) == "InProgress" for i in self._invalidations(ctx, distribution_id))

    def forget_invalidations(self, ctx: RequestContext, distribution_id: str) -> None:
        self.store.delete_namespace(self._invalidations_ns(ctx, distribution_id))

    def _new_invalidation(self, ctx: RequestContext, distribution_id: str, batch: dict) -> Invalidation:
        now = ctx.clock.time()
        invalidation: Invalidation = {"Id": new_id("I"), "CreateTime": now, "InvalidationBatch": batch,
                                      "CompletedTime": now + self.runtime.config.cloudfront_invalidation_seconds}
        INVALIDATION.put(self.store, self._invalidations_ns(ctx, distribution_id), invalidation["Id"], invalidation)
        return invalidation

    def _same_batch(self, ctx: RequestContext, distribution_id: str, batch: dict) -> Invalidation | None:
        """The batch sent before with this CallerReference (the same request again), if any."""
        same = next((i for i in self._invalidations(ctx, distribution_id)
                     if i["InvalidationBatch"]["CallerReference"] == batch["CallerReference"]), None)
        if same is not None and same["InvalidationBatch"] != batch:
            raise ServiceError("InvalidationBatchAlreadyExists", "The caller reference you attempted to create the "
                               "invalidation batch with is associated with another invalidation batch.", status=409)
        return same

    def _invalidations(self, ctx: RequestContext, distribution_id: str) -> list[Invalidation]:
        return [i for _, i in INVALIDATION.scan(self.store, self._invalidations_ns(ctx, distribution_id))]

    @staticmethod
    def _invalidations_ns(ctx: RequestContext, distribution_id: str) -> tuple[str, ...]:
        return invalidations_ns(ctx.account_id, GLOBAL, distribution_id)

    def _invalidation_status(self, invalidation: Invalidation) -> str:
        return "Completed" if self.clock.time() >= invalidation["CompletedTime"] else "InProgress"

    def _invalidation_output(self, invalidation: Invalidation) -> dict:
        return {"Id": invalidation["Id"], "Status": self._invalidation_status(invalidation),
                "CreateTime": invalidation["CreateTime"], "InvalidationBatch": invalidation["InvalidationBatch"]}
