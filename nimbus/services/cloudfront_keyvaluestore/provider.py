"""CloudFront KeyValueStore's data plane (service ``cloudfront-keyvaluestore``, rest-json, signed with
SigV4A): the keys of a store that CloudFront's control plane created, read by CloudFront Functions.
Every change names the store's current ETag (``If-Match``) and makes a new one.

The stores and their keys are CloudFront's own documents (``nimbus.services.cloudfront``): this API is a
second face of the same service, not another service reached through the internal client."""
from __future__ import annotations

import base64
import json

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.cloudfront.common import GLOBAL, new_etag
from nimbus.services.cloudfront.documents import KEY_VALUE_ITEM, KEY_VALUE_STORE, KeyValueStore
from nimbus.services.cloudfront.key_value_imports import MAX_KEY_BYTES, MAX_STORE_BYTES, MAX_VALUE_BYTES
from nimbus.services.cloudfront.key_value_stores import items_ns, store_by_arn, store_items, stores_ns


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, status=400)


class Provider(BaseProvider):
    def describe_key_value_store(self, ctx: RequestContext, params: dict) -> dict:
        kvs = self._kvs(ctx, params["KvsARN"])
        return {**self._totals(kvs), "KvsARN": kvs["ARN"], "Created": kvs["Created"], "ETag": kvs["DataETag"],
                "LastModified": kvs["LastModifiedTime"], "Status": "READY"}

    def get_key(self, ctx: RequestContext, params: dict) -> dict:
        kvs = self._kvs(ctx, params["KvsARN"])
        item = KEY_VALUE_ITEM.get(self.store, self._items(kvs), params["Key"])
        if item is None:
            raise ServiceError("ResourceNotFoundException", "Resource Not Found: the key does not exist.", status=404)
        return {"Key": params["Key"], "Value": item["Value"], **self._totals(kvs)}

    def list_keys(self, ctx: RequestContext, params: dict) -> dict:
        kvs = self._kvs(ctx, params["KvsARN"])
        after = _token_key(params.get("NextToken"))
        keys = sorted((k, v) for k, v in store_items(self.store, kvs).items() if after is None or k > after)
        limit = int(params.get("MaxResults") or 10)
        out: dict = {"Items": [{"Key": k, "Value": v} for k, v in keys[:limit]]}
        if len(keys) > limit:
            out["NextToken"] = base64.urlsafe_b64encode(json.dumps(keys[limit - 1][0]).encode()).decode()
        return out

    def put_key(self, ctx: RequestContext, params: dict) -> dict:
        return self._change(ctx, params, {params["Key"]: params["Value"]}, [])

    def delete_key(self, ctx: RequestContext, params: dict) -> dict:
        return self._change(ctx, params, {}, [params["Key"]])

    def update_keys(self, ctx: RequestContext, params: dict) -> dict:
        puts = {p["Key"]: p["Value"] for p in params.get("Puts") or []}
        return self._change(ctx, params, puts, [d["Key"] for d in params.get("Deletes") or []])

    # -- helpers -----------------------------------------------------------------------------

    def _change(self, ctx: RequestContext, params: dict, puts: dict[str, str], deletes: list[str]) -> dict:
        for key, value in puts.items():
            if len(key.encode()) > MAX_KEY_BYTES:
                raise _validation(f"Key length must be at most {MAX_KEY_BYTES} bytes.")
            if len(value.encode()) > MAX_VALUE_BYTES:
                raise _validation(f"Value size must be at most {MAX_VALUE_BYTES} bytes.")
        with self.store.transaction():
            kvs = self._kvs(ctx, params["KvsARN"])
            if params["IfMatch"] != kvs["DataETag"]:
                raise ServiceError("ConflictException", "Pre-Condition failed: the ETag does not match the key "
                                   "value store's current ETag.", status=409)
            items = store_items(self.store, kvs)
            missing = next((k for k in deletes if k not in items), None)
            if missing is not None and "Key" in params:
                raise ServiceError("ResourceNotFoundException", "Resource Not Found: the key does not exist.",
                                   status=404)
            after = {k: v for k, v in {**items, **puts}.items() if k not in deletes}
            if sum(len(k.encode()) + len(v.encode()) for k, v in after.items()) > MAX_STORE_BYTES:
                raise ServiceError("ServiceQuotaExceededException", "Limit exceeded: the key value store would be "
                                   "larger than 5 MB.", status=402)
            for key, value in puts.items():
                KEY_VALUE_ITEM.put(self.store, self._items(kvs), key, {"Value": value})
            for key in deletes:
                self.store.delete(self._items(kvs), key)
            kvs = {**kvs, "DataETag": new_etag(), "LastModifiedTime": ctx.clock.time()}
            KEY_VALUE_STORE.put(self.store, stores_ns(_account(kvs), GLOBAL), kvs["Name"], kvs)
        return {**self._totals(kvs), "ETag": kvs["DataETag"]}

    def _kvs(self, ctx: RequestContext, arn: str) -> KeyValueStore:
        found = store_by_arn(self.store, arn)
        if found is None or _account(found) != ctx.account_id:
            raise ServiceError("ResourceNotFoundException", "Resource Not Found: the key value store does not "
                               "exist.", status=404)
        return found

    def _items(self, kvs: KeyValueStore) -> tuple[str, ...]:
        return items_ns(_account(kvs), GLOBAL, kvs["Id"])

    def _totals(self, kvs: KeyValueStore) -> dict:
        items = store_items(self.store, kvs)
        return {"ItemCount": len(items), "TotalSizeInBytes": sum(len(k.encode()) + len(v.encode())
                                                                 for k, v in items.items())}


def _account(kvs: KeyValueStore) -> str:
    return kvs["ARN"].split(":")[4]


def _token_key(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return str(json.loads(base64.urlsafe_b64decode(token.encode())))
    except ValueError as error:
        raise _validation("The pagination token is not valid.") from error
