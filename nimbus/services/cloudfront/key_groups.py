"""CreateKeyGroup, GetKeyGroup(Config), UpdateKeyGroup, DeleteKeyGroup and ListKeyGroups: the sets of public
keys a cache behaviour trusts (``TrustedKeyGroups``) to sign viewers' URLs and cookies."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError

from .common import GLOBAL, check_if_match, new_etag
from .documents import KEY_GROUP, KeyGroup
from .public_keys import no_such_public_key
from .state import CloudFrontState
from .trusted import all_key_groups, find_key_group, find_public_key, key_groups_in_use, key_groups_ns

MAX_KEY_GROUPS = 10  # AWS's default quotas
MAX_KEYS_PER_GROUP = 5


class KeyGroupOps(CloudFrontState):
    def create_key_group(self, ctx: RequestContext, params: dict) -> dict:
        config = self._checked_key_group_config(ctx, params["KeyGroupConfig"], None)
        with self.store.transaction():
            if len(all_key_groups(self.store, ctx.account_id)) >= MAX_KEY_GROUPS:
                raise ServiceError("TooManyKeyGroups", "You have reached the maximum number of key groups for "
                                   "this Amazon Web Services account.", status=400)
            group: KeyGroup = {"Id": str(uuid.uuid4()), "LastModifiedTime": ctx.clock.time(), "ETag": new_etag(),
                               "KeyGroupConfig": config}
            KEY_GROUP.put(self.store, key_groups_ns(ctx.account_id, GLOBAL), group["Id"], group)
        return {"KeyGroup": _output(group), "ETag": group["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/key-group/{group['Id']}"}

    def get_key_group(self, ctx: RequestContext, params: dict) -> dict:
        group = self._key_group(ctx, params["Id"])
        return {"KeyGroup": _output(group), "ETag": group["ETag"]}

    def get_key_group_config(self, ctx: RequestContext, params: dict) -> dict:
        group = self._key_group(ctx, params["Id"])
        return {"KeyGroupConfig": group["KeyGroupConfig"], "ETag": group["ETag"]}

    def update_key_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._key_group(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), group["ETag"])
            config = self._checked_key_group_config(ctx, params["KeyGroupConfig"], group["Id"])
            group = {**group, "KeyGroupConfig": config, "ETag": new_etag(), "LastModifiedTime": ctx.clock.time()}
            KEY_GROUP.put(self.store, key_groups_ns(ctx.account_id, GLOBAL), group["Id"], group)
        return {"KeyGroup": _output(group), "ETag": group["ETag"]}

    def delete_key_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._key_group(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), group["ETag"])
            if group["Id"] in key_groups_in_use(self.all_distributions(ctx)):
                raise ServiceError("ResourceInUse", "Cannot delete this resource because it is in use.", status=409)
            self.store.delete(key_groups_ns(ctx.account_id, GLOBAL), group["Id"])
        return {}

    def list_key_groups(self, ctx: RequestContext, params: dict) -> dict:
        limit = int(params.get("MaxItems") or 100)
        chunk, more = page_after(all_key_groups(self.store, ctx.account_id), lambda g: g["Id"],
                                 params.get("Marker"), limit)
        listing: dict = {"MaxItems": limit, "Quantity": len(chunk),
                         "Items": [{"KeyGroup": _output(g)} for g in chunk]}
        if more:
            listing["NextMarker"] = chunk[-1]["Id"]
        return {"KeyGroupList": listing}

    def _key_group(self, ctx: RequestContext, group_id: str) -> KeyGroup:
        found = find_key_group(self.store, ctx.account_id, group_id)
        if found is None:
            raise ServiceError("NoSuchResource", "The specified key group does not exist.", status=404)
        return found

    def _checked_key_group_config(self, ctx: RequestContext, config: dict, own_id: str | None) -> dict:
        keys = config.get("Items", [])
        if len(keys) > MAX_KEYS_PER_GROUP:
            raise ServiceError("TooManyPublicKeysInKeyGroup", "The number of public keys in this key group is more "
                               "than the maximum allowed.", status=400)
        if any(find_public_key(self.store, ctx.account_id, k) is None for k in keys):
            raise no_such_public_key()
        if any(g["KeyGroupConfig"]["Name"] == config["Name"] and g["Id"] != own_id
               for g in all_key_groups(self.store, ctx.account_id)):
            raise ServiceError("KeyGroupAlreadyExists", "A key group with this name already exists.", status=409)
        return {"Comment": "", **config}


def _output(group: KeyGroup) -> dict:
    return {"Id": group["Id"], "LastModifiedTime": group["LastModifiedTime"], "KeyGroupConfig": group["KeyGroupConfig"]}
