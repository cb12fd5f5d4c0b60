"""Key rotation: automatic on the virtual clock (keys.KeyRepo._catch_up does the turning), on demand,
and the rotation history. Old material stays for decryption; new encryptions use the newest."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import crypto, specs
from nimbus.services.kms.documents import Key
from nimbus.services.kms.keys import DAY, new_material_id
from nimbus.services.kms.listing import page
from nimbus.services.kms.state import KmsState


class RotationOps(KmsState):
    def _rotatable(self, ctx: RequestContext, params: dict, operation: str) -> Key:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.check_state(key, operation)
        self.authorize(ctx, key, operation)
        self.require_customer_managed(key, operation)
        if not specs.is_symmetric(key["KeySpec"]) or key["Origin"] != "AWS_KMS":
            raise ServiceError("UnsupportedOperationException",
                               f"{key['Arn']} does not support key rotation: only symmetric encryption keys "
                               "with AWS_KMS key material rotate.")
        if key["MultiRegion"] and key["PrimaryRegion"] != key["Region"]:
            raise ServiceError("UnsupportedOperationException",
                               f"{key['Arn']} is a multi-Region replica key; rotate its primary key.")
        return key

    def enable_key_rotation(self, ctx: RequestContext, params: dict) -> dict:
        days = params.get("RotationPeriodInDays", 365)
        with self.store.transaction():
            key = self._rotatable(ctx, params, "EnableKeyRotation")
            key["Rotation"] = {"Enabled": True, "PeriodDays": days, "Next": ctx.clock.time() + days * DAY}
            self.keys.save(key)
        return {}

    def disable_key_rotation(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key = self._rotatable(ctx, params, "DisableKeyRotation")
            key["Rotation"] = {**key["Rotation"], "Enabled": False, "Next": None}
            self.keys.save(key)
        return {}

    def get_key_rotation_status(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True, allow_alias=False)
        self.authorize(ctx, key, "GetKeyRotationStatus")
        rotation = key["Rotation"]
        output = {"KeyRotationEnabled": rotation["Enabled"], "KeyId": key["Arn"]}
        if rotation["Enabled"]:
            output["RotationPeriodInDays"] = rotation["PeriodDays"]
            output["NextRotationDate"] = timestamp(rotation["Next"])
        return output

    def rotate_key_on_demand(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key = self._rotatable(ctx, params, "RotateKeyOnDemand")
            self.keys.add_material(key, crypto.generate(key["KeySpec"]), new_material_id(), ctx.clock.time(),
                                   "ON_DEMAND")
            self.keys.save(key)
            self.sync_replicas(key)
        return {"KeyId": key["Arn"]}

    def list_key_rotations(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.authorize(ctx, key, "ListKeyRotations")
        materials = key["Materials"]
        if params.get("IncludeKeyMaterial", "ROTATIONS_ONLY") == "ROTATIONS_ONLY":
            materials = [m for m in materials if m["RotationType"]]
        output = page(materials, params, lambda m: m["Id"], "Rotations", default_limit=100)
        rotations = []
        for m in output["Rotations"]:
            entry = {"KeyId": key["KeyId"], "KeyMaterialId": m["Id"], "KeyMaterialState": m["State"]}
            if m["RotationType"]:
                entry.update(RotationDate=timestamp(m["Created"]), RotationType=m["RotationType"])
            if m["Imported"]:
                entry.update(ImportState="IMPORTED",
                             ExpirationModel="KEY_MATERIAL_EXPIRES" if m["ValidTo"] else "KEY_MATERIAL_DOES_NOT_EXPIRE")
                if m["ValidTo"]:
                    entry["ValidTo"] = timestamp(m["ValidTo"])
                if m.get("Description"):
                    entry["KeyMaterialDescription"] = m["Description"]
            rotations.append(entry)
        output["Rotations"] = rotations
        return output
