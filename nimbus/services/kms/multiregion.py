"""Multi-Region keys: replicas share the key id and material, so a ciphertext made under one
replica decrypts under any other; the primary owns rotation and pushes material to its replicas."""
from __future__ import annotations

import copy

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import policies
from nimbus.services.kms.documents import KEY, Key
from nimbus.services.kms.keys import key_arn, keys_ns
from nimbus.services.kms.lifecycle import check_tags, merge_tags
from nimbus.services.kms.metadata import key_metadata
from nimbus.services.kms.state import KmsState


class MultiRegionOps(KmsState):
    def _primary(self, ctx: RequestContext, params: dict, operation: str) -> Key:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.check_state(key, operation)
        self.authorize(ctx, key, operation)
        if not key["MultiRegion"]:
            raise ServiceError("UnsupportedOperationException",
                               f"Unable to {operation} of a non-MultiRegion key {key['KeyId']}")
        if key["PrimaryRegion"] != ctx.region:
            raise ServiceError("UnsupportedOperationException",
                               f"{key['Arn']} is not a multi-Region primary key. Call {operation} in "
                               f"{key['PrimaryRegion']}.")
        return key

    def replicate_key(self, ctx: RequestContext, params: dict) -> dict:
        region = params["ReplicaRegion"]
        tags = params.get("Tags", [])
        check_tags(tags)
        with self.store.transaction():
            primary = self._primary(ctx, params, "ReplicateKey")
            if region == ctx.region or KEY.get(self.store, keys_ns(ctx.account_id, region), primary["KeyId"]):
                raise ServiceError("AlreadyExistsException",
                                   f"Unable to replicate key {primary['KeyId']} to region {region}, as the key "
                                   "already exists there")
            replica = copy.deepcopy(primary)
            replica.update(
                Region=region, Arn=key_arn(ctx.account_id, region, primary["KeyId"]),
                CreationDate=ctx.clock.time(), Replicas=[], Tags=merge_tags([], tags), Import=None,
                Description=params.get("Description", primary["Description"]),
                Policies={"default": params.get("Policy") or policies.default_policy(ctx.account_id)},
                Rotation={"Enabled": False, "PeriodDays": 365, "Next": None},
                KeyState=primary["KeyState"] if primary["KeyState"] in ("Enabled", "Disabled") else "Enabled",
                DeletionDate=None, PendingDeletionWindowInDays=None,
            )
            if params.get("Policy"):
                policies.validate(ctx, params["Policy"], params.get("BypassPolicyLockoutSafetyCheck", False),
                                  replica)
            if primary["Origin"] == "EXTERNAL":
                # AWS: each replica of an imported key needs the same material imported into it.
                replica.update(Materials=[], CurrentKeyMaterialId=None, KeyState="PendingImport")
            primary["Replicas"].append(region)
            self.keys.save(primary)
            self.keys.save(replica)
        ctx.emit_resource_change("AWS::KMS::ReplicaKey", replica["Arn"], "created",
                                 lambda: key_metadata(ctx.store, replica), region=region)
        return {"ReplicaKeyMetadata": key_metadata(self.store, replica),
                "ReplicaPolicy": replica["Policies"]["default"], "ReplicaTags": replica["Tags"]}

    def update_primary_region(self, ctx: RequestContext, params: dict) -> dict:
        target = params["PrimaryRegion"]
        with self.store.transaction():
            primary = self._primary(ctx, params, "UpdatePrimaryRegion")
            if target == ctx.region:
                return {}
            if target not in primary["Replicas"]:
                raise ServiceError("NotFoundException",
                                   f"Key '{key_arn(ctx.account_id, target, primary['KeyId'])}' does not exist")
            regions = [ctx.region] + primary["Replicas"]
            replicas = [r for r in regions if r != target]
            for region in regions:
                doc = KEY.get(self.store, keys_ns(ctx.account_id, region), primary["KeyId"])
                if doc is None:
                    continue
                doc["PrimaryRegion"] = target
                doc["Replicas"] = replicas if region == target else []
                if region == target:
                    doc["Rotation"] = primary["Rotation"]
                elif region == ctx.region:
                    doc["Rotation"] = {"Enabled": False, "PeriodDays": 365, "Next": None}
                self.keys.save(doc)
        return {}
