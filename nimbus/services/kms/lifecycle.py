"""Creating, describing, listing, enabling/disabling, deleting, describing and tagging keys."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import policies, specs
from nimbus.services.kms.documents import Key
from nimbus.services.kms.keys import DAY
from nimbus.services.kms.listing import page
from nimbus.services.kms.metadata import key_metadata
from nimbus.services.kms.state import KmsState


def check_tags(tags: list[dict]) -> None:
    for tag in tags:
        if tag["TagKey"].lower().startswith("aws:"):
            raise ServiceError("TagException", "Tags beginning with aws: are reserved")


def merge_tags(existing: list[dict], new: list[dict]) -> list[dict]:
    merged = {t["TagKey"]: t["TagValue"] for t in existing}
    merged.update({t["TagKey"]: t["TagValue"] for t in new})
    if len(merged) > MAX_TAGS:
        raise ServiceError("LimitExceededException", f"A KMS key can have at most {MAX_TAGS} tags.")
    return [{"TagKey": k, "TagValue": v} for k, v in merged.items()]


class LifecycleOps(KmsState):
    def create_key(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("KeySpec") and params.get("CustomerMasterKeySpec"):
            raise ServiceError("ValidationException",
                               "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
                               "CustomerMasterKeySpec is deprecated.")
        spec = params.get("KeySpec") or params.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
        usage = params.get("KeyUsage", "ENCRYPT_DECRYPT")
        origin = params.get("Origin", "AWS_KMS")
        if not specs.supported(spec):
            raise ServiceError("UnsupportedOperationException", f"nimbus does not support KeySpec {spec}.")
        if usage not in specs.USAGES[spec]:
            raise ServiceError("ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}")
        if origin in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE") or params.get("CustomKeyStoreId"):
            raise ServiceError("CustomKeyStoreNotFoundException", "")
        tags = params.get("Tags", [])
        check_tags(tags)
        key = self.keys.new_key(ctx, spec, usage, origin, params.get("Description", ""),
                                params.get("MultiRegion", False))
        if params.get("Policy"):
            policies.validate(ctx, params["Policy"], params.get("BypassPolicyLockoutSafetyCheck", False), key)
        key["Tags"] = merge_tags([], tags)
        key["Policies"] = {"default": params.get("Policy") or policies.default_policy(ctx.account_id)}
        self.keys.save(key)
        metadata = key_metadata(self.store, key)
        ctx.emit_resource_change("AWS::KMS::Key", key["Arn"], "created", lambda: metadata)
        return {"KeyMetadata": metadata}

    def describe_key(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.authorize(ctx, key, "DescribeKey", None, params.get("GrantTokens"))
        return {"KeyMetadata": key_metadata(self.store, key)}

    def list_keys(self, ctx: RequestContext, params: dict) -> dict:
        keys = sorted(self.keys.all(ctx.account_id, ctx.region), key=lambda k: k["KeyId"])
        output = page(keys, params, lambda k: k["KeyId"], "Keys", default_limit=100)
        output["Keys"] = [{"KeyId": k["KeyId"], "KeyArn": k["Arn"]} for k in output["Keys"]]
        return output

    def _set_state(self, ctx: RequestContext, params: dict, operation: str, mutate) -> Key:
        with self.store.transaction():
            key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
            self.check_state(key, operation)
            self.authorize(ctx, key, operation)
            self.require_customer_managed(key, operation)
            mutate(key)
            self.keys.save(key)
        ctx.emit_resource_change("AWS::KMS::Key", key["Arn"], "updated", lambda: key_metadata(self.store, key))
        return key

    def enable_key(self, ctx: RequestContext, params: dict) -> dict:
        self._set_state(ctx, params, "EnableKey", lambda key: key.update(KeyState="Enabled"))
        return {}

    def disable_key(self, ctx: RequestContext, params: dict) -> dict:
        self._set_state(ctx, params, "DisableKey", lambda key: key.update(KeyState="Disabled"))
        return {}

    def schedule_key_deletion(self, ctx: RequestContext, params: dict) -> dict:
        days = params.get("PendingWindowInDays", 30)
        if not 7 <= days <= 30:
            bound = "greater than or equal to 7" if days < 7 else "less than or equal to 30"
            raise ServiceError("ValidationException", f"1 validation error detected: Value '{days}' at "
                               f"'pendingWindowInDays' failed to satisfy constraint: Member must have value {bound}")

        def schedule(key):
            if key["MultiRegion"] and key["PrimaryRegion"] == key["Region"] and key["Replicas"]:
                # A primary with replicas waits for them to be deleted; then its own window starts.
                key.update(KeyState="PendingReplicaDeletion", DeletionDate=None, PendingDeletionWindowInDays=days)
            else:
                key.update(KeyState="PendingDeletion", DeletionDate=ctx.clock.time() + days * DAY, PendingDeletionWindowInDays=days)
        key = self._set_state(ctx, params, "ScheduleKeyDeletion", schedule)
        output = {"KeyId": key["Arn"], "KeyState": key["KeyState"], "PendingWindowInDays": days}
        if key["DeletionDate"] is not None:
            output["DeletionDate"] = timestamp(key["DeletionDate"])
        return output

    def cancel_key_deletion(self, ctx: RequestContext, params: dict) -> dict:
        def cancel(key):
            # AWS leaves a key whose deletion was cancelled disabled (or awaiting its material).
            key.update(KeyState="Disabled" if key["CurrentKeyMaterialId"] else "PendingImport",
                       DeletionDate=None, PendingDeletionWindowInDays=None)
        key = self._set_state(ctx, params, "CancelKeyDeletion", cancel)
        return {"KeyId": key["Arn"]}

    def update_key_description(self, ctx: RequestContext, params: dict) -> dict:
        self._set_state(ctx, params, "UpdateKeyDescription", lambda key: key.update(Description=params["Description"]))
        return {}

    # -- tags ----------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        check_tags(params["Tags"])
        self._set_state(ctx, params, "TagResource",
                        lambda key: key.update(Tags=merge_tags(key["Tags"], params["Tags"])))
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        drop = set(params["TagKeys"])
        self._set_state(ctx, params, "UntagResource",
                        lambda key: key.update(Tags=[t for t in key["Tags"] if t["TagKey"] not in drop]))
        return {}

    def list_resource_tags(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.authorize(ctx, key, "ListResourceTags")
        return page(sorted(key["Tags"], key=lambda t: t["TagKey"]), params, lambda t: t["TagKey"], "Tags",
                    default_limit=50)

    def get_key_last_usage(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.authorize(ctx, key, "GetKeyLastUsage")
        output = {"KeyId": key["Arn"], "KeyCreationDate": timestamp(key["CreationDate"]),
                  "TrackingStartDate": timestamp(key["CreationDate"])}
        usage = self.last_usage.last(key)
        if usage:
            output["KeyLastUsage"] = {"Operation": usage.operation, "Timestamp": timestamp(usage.time),
                                      "KmsRequestId": usage.request_id}
        return output

