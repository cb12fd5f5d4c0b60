"""Plain stored Logs resources (deliveries, anomaly detectors, integrations...): one namespace per kind in the
caller's account and region, AWS's not-found words."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError


class StoredKind:
    def __init__(self, kind: str, noun: str):
        self.ns, self.noun = Namespace("logs", kind), noun

    def find(self, store, ctx: RequestContext, key: str) -> dict | None:
        return store.get(self.ns(ctx.account_id, ctx.region), key)

    def get(self, store, ctx: RequestContext, key: str) -> dict:
        found = self.find(store, ctx, key)
        if found is None:
            raise ServiceError("ResourceNotFoundException", f"The specified {self.noun} does not exist.")
        return found

    def all(self, store, ctx: RequestContext) -> list[dict]:
        return [doc for _, doc in store.scan(self.ns(ctx.account_id, ctx.region))]

    def save(self, store, ctx: RequestContext, key: str, doc: dict) -> None:
        store.put(self.ns(ctx.account_id, ctx.region), key, doc)

    def delete(self, store, ctx: RequestContext, key: str) -> None:
        store.delete(self.ns(ctx.account_id, ctx.region), key)
