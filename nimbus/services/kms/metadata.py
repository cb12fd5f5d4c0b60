"""KeyMetadata as DescribeKey, CreateKey and ReplicateKey return it."""
from __future__ import annotations

from nimbus.core.times import timestamp
from nimbus.services.kms import specs
from nimbus.services.kms.documents import KEY, Key
from nimbus.services.kms.keys import key_arn, keys_ns


def multi_region_configuration(store, key: Key) -> dict:
    primary_region = key["PrimaryRegion"]
    primary = KEY.get(store, keys_ns(key["AWSAccountId"], primary_region), key["KeyId"]) or key
    account = key["AWSAccountId"]
    return {
        "MultiRegionKeyType": "PRIMARY" if primary_region == key["Region"] else "REPLICA",
        "PrimaryKey": {"Arn": key_arn(account, primary_region, key["KeyId"]), "Region": primary_region},
        "ReplicaKeys": [{"Arn": key_arn(account, region, key["KeyId"]), "Region": region}
                        for region in primary.get("Replicas", [])],
    }


def key_metadata(store, key: Key) -> dict:
    output = {
        "AWSAccountId": key["AWSAccountId"], "KeyId": key["KeyId"], "Arn": key["Arn"],
        "CreationDate": timestamp(key["CreationDate"]), "Enabled": key["KeyState"] == "Enabled",
        "Description": key["Description"], "KeyUsage": key["KeyUsage"], "KeyState": key["KeyState"],
        "Origin": key["Origin"], "KeyManager": key["KeyManager"],
        "CustomerMasterKeySpec": key["KeySpec"], "KeySpec": key["KeySpec"],
        "MultiRegion": key["MultiRegion"],
        **specs.algorithms(key["KeySpec"], key["KeyUsage"]),
    }
    if key["KeyState"] in ("PendingDeletion", "PendingReplicaDeletion"):
        if key["DeletionDate"] is not None:
            output["DeletionDate"] = timestamp(key["DeletionDate"])
        output["PendingDeletionWindowInDays"] = key["PendingDeletionWindowInDays"]
    if key["Origin"] == "EXTERNAL":
        current = next((m for m in key["Materials"] if m["Id"] == key["CurrentKeyMaterialId"]), None)
        if current is not None:
            output["ExpirationModel"] = ("KEY_MATERIAL_EXPIRES" if current.get("ValidTo")
                                         else "KEY_MATERIAL_DOES_NOT_EXPIRE")
            if current.get("ValidTo"):
                output["ValidTo"] = timestamp(current["ValidTo"])
    if key["MultiRegion"]:
        output["MultiRegionConfiguration"] = multi_region_configuration(store, key)
    if key["CurrentKeyMaterialId"] and specs.is_symmetric(key["KeySpec"]):
        output["CurrentKeyMaterialId"] = key["CurrentKeyMaterialId"]
    return output


