"""CloudFront KeyValueStores, the control plane: CreateKeyValueStore, DescribeKeyValueStore,
UpdateKeyValueStore, DeleteKeyValueStore and ListKeyValueStores. Their keys are read and written through
the ``cloudfront-keyvaluestore`` API (its own service package) and read by functions (``cf.kvs()``)."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError
from nimbus.store.base import Store

from .common import GLOBAL, check_if_match, functions_ns, new_etag
from .documents import FUNCTION, KEY_VALUE_ITEM, KEY_VALUE_STORE, KeyValueStore
from .key_value_imports import imported_items
from .recorded import KEY_VALUE_STORE_TYPE, recorded_change
from .state import CloudFrontState

stores_ns = Namespace("cloudfront", "key-value-stores")
items_ns = Namespace("cloudfront", "key-value-items")
MAX_STORES = 50  # AWS's default quota per account


def find_store(store: Store, account: str, name: str) -> KeyValueStore | None:
    return KEY_VALUE_STORE.get(store, stores_ns(account, GLOBAL), name)


def store_by_arn(store: Store, arn: str) -> KeyValueStore | None:
    """The store an ARN (arn:aws:cloudfront::<account>:key-value-store/<id>) names."""
    parts = arn.split(":")
    if len(parts) != 6 or not parts[5].startswith("key-value-store/"):
        return None
    account, kvs_id = parts[4], parts[5].partition("/")[2]
    return next((s for _, s in KEY_VALUE_STORE.scan(store, stores_ns(account, GLOBAL)) if s["Id"] == kvs_id), None)


def store_items(store: Store, kvs: KeyValueStore) -> dict[str, str]:
    account = kvs["ARN"].split(":")[4]
    return {k: item["Value"] for k, item in KEY_VALUE_ITEM.scan(store, items_ns(account, GLOBAL, kvs["Id"]))}


def entity_not_found() -> ServiceError:
    return ServiceError("EntityNotFound", "The key value store entity was not found.", status=404)


def check_store_associations(store: Store, account: str, config: dict) -> None:
    """A function's ``KeyValueStoreAssociations`` name at most one existing store of the account."""
    listed = (config.get("KeyValueStoreAssociations") or {}).get("Items", [])
    if len(listed) > 1:
        raise ServiceError("InvalidArgument", "A function can be associated with only one key value store.",
                           status=400)
    for association in listed:
        found = store_by_arn(store, association["KeyValueStoreARN"])
        if found is None or found["ARN"].split(":")[4] != account:
            raise entity_not_found()


class KeyValueStoreOps(CloudFrontState):
    def create_key_value_store(self, ctx: RequestContext, params: dict) -> dict:
        imported = imported_items(ctx, params["ImportSource"]) if params.get("ImportSource") else {}
        with self.store.transaction():
            if find_store(self.store, ctx.account_id, params["Name"]) is not None:
                raise ServiceError("EntityAlreadyExists", "The key value store entity already exists. You must "
                                   "provide a unique key value store entity.", status=409)
            if len(list(KEY_VALUE_STORE.scan(self.store, stores_ns(ctx.account_id, GLOBAL)))) >= MAX_STORES:
                raise ServiceError("EntityLimitExceeded", "The key value store entity limit has been exceeded.",
                                   status=400)
            now, kvs_id = ctx.clock.time(), str(uuid.uuid4())
            kvs: KeyValueStore = {
                "Name": params["Name"], "Id": kvs_id, "ARN": f"arn:aws:cloudfront::{ctx.account_id}:key-value-store/"
                f"{kvs_id}", "Comment": params.get("Comment") or "", "Created": now, "LastModifiedTime": now,
                "ETag": new_etag(), "DataETag": new_etag()}
            KEY_VALUE_STORE.put(self.store, stores_ns(ctx.account_id, GLOBAL), kvs["Name"], kvs)
            for key, value in imported.items():
                KEY_VALUE_ITEM.put(self.store, items_ns(ctx.account_id, GLOBAL, kvs_id), key, {"Value": value})
        recorded_change(ctx, KEY_VALUE_STORE_TYPE, kvs["ARN"], "created", lambda: _output(kvs))
        return {"KeyValueStore": _output(kvs), "ETag": kvs["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/key-value-store/{kvs['Name']}"}

    def describe_key_value_store(self, ctx: RequestContext, params: dict) -> dict:
        kvs = self._key_value_store(ctx, params["Name"])
        return {"KeyValueStore": _output(kvs), "ETag": kvs["ETag"]}

    def update_key_value_store(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            kvs = self._key_value_store(ctx, params["Name"])
            check_if_match(params.get("IfMatch"), kvs["ETag"])
            kvs = {**kvs, "Comment": params["Comment"], "ETag": new_etag(), "LastModifiedTime": ctx.clock.time()}
            KEY_VALUE_STORE.put(self.store, stores_ns(ctx.account_id, GLOBAL), kvs["Name"], kvs)
        recorded_change(ctx, KEY_VALUE_STORE_TYPE, kvs["ARN"], "updated")
        return {"KeyValueStore": _output(kvs), "ETag": kvs["ETag"]}

    def delete_key_value_store(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            kvs = self._key_value_store(ctx, params["Name"])
            check_if_match(params.get("IfMatch"), kvs["ETag"])
            for _, function in FUNCTION.scan(self.store, functions_ns(ctx.account_id, GLOBAL)):
                stages = [function["Development"], *([function["Live"]] if "Live" in function else [])]
                if any(a["KeyValueStoreARN"] == kvs["ARN"] for s in stages
                       for a in (s["FunctionConfig"].get("KeyValueStoreAssociations") or {}).get("Items", [])):
                    raise ServiceError("CannotDeleteEntityWhileInUse", "The key value store entity cannot be "
                                       "deleted while it is in use.", status=409)
            self.store.delete(stores_ns(ctx.account_id, GLOBAL), kvs["Name"])
            self.store.delete_namespace(items_ns(ctx.account_id, GLOBAL, kvs["Id"]))
        recorded_change(ctx, KEY_VALUE_STORE_TYPE, kvs["ARN"], "deleted")
        return {}

    def list_key_value_stores(self, ctx: RequestContext, params: dict) -> dict:
        limit = int(params.get("MaxItems") or 100)
        everything = [s for _, s in KEY_VALUE_STORE.scan(self.store, stores_ns(ctx.account_id, GLOBAL))]
        if params.get("Status") not in (None, "", "READY"):
            everything = []
        chunk, more = page_after(everything, lambda s: s["Name"], params.get("Marker"), limit)
        listing: dict = {"MaxItems": limit, "Quantity": len(chunk), "Items": [_output(s) for s in chunk]}
        if more:
            listing["NextMarker"] = chunk[-1]["Name"]
        return {"KeyValueStoreList": listing}

    def _key_value_store(self, ctx: RequestContext, name: str) -> KeyValueStore:
        found = find_store(self.store, ctx.account_id, name)
        if found is None:
            raise entity_not_found()
        return found


def _output(kvs: KeyValueStore) -> dict:
    return {"Name": kvs["Name"], "Id": kvs["Id"], "Comment": kvs["Comment"], "ARN": kvs["ARN"], "Status": "READY",
            "LastModifiedTime": kvs["LastModifiedTime"]}
