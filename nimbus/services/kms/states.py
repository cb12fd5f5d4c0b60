"""AWS's key-state table: which operations a key in each state accepts, and the error otherwise.

https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html — a disabled key refuses
cryptographic operations with DisabledException; every other refusal is KMSInvalidStateException.
"""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError
from nimbus.services.kms.documents import Key

ALL = frozenset({"Creating", "Enabled", "Disabled", "PendingDeletion", "PendingImport",
                 "PendingReplicaDeletion", "Unavailable", "Updating"})
LIVE = frozenset({"Enabled", "Disabled", "PendingImport"})
ENABLED = frozenset({"Enabled"})

CRYPTOGRAPHIC = frozenset({
    "Encrypt", "Decrypt", "ReEncrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
    "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret", "Encapsulate", "Decapsulate",
})

ALLOWED: dict[str, frozenset[str]] = {op: ENABLED for op in CRYPTOGRAPHIC}
ALLOWED.update({op: ALL for op in (
    "DescribeKey", "GetKeyPolicy", "ListKeyPolicies", "GetKeyRotationStatus", "ListResourceTags",
    "ListKeyRotations", "ListGrants", "ListAliases", "DeleteAlias", "RevokeGrant", "RetireGrant",
    "DeleteImportedKeyMaterial", "GetKeyLastUsage")})
ALLOWED.update({op: LIVE for op in (
    "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CreateAlias", "UpdateAlias", "TagResource",
    "UntagResource", "UpdateKeyDescription", "PutKeyPolicy", "CreateGrant", "GetParametersForImport",
    "ImportKeyMaterial", "ReplicateKey", "UpdatePrimaryRegion")})
ALLOWED["GetPublicKey"] = frozenset({"Enabled", "Disabled"})
ALLOWED["CancelKeyDeletion"] = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
ALLOWED.update({op: ENABLED for op in ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand")})
# EnableKey on a key awaiting its material: AWS refuses until the material is imported.
ALLOWED["EnableKey"] = frozenset({"Enabled", "Disabled"})
ALLOWED["DisableKey"] = frozenset({"Enabled", "Disabled"})

_PHRASES = {"Enabled": "enabled", "Disabled": "disabled", "PendingDeletion": "pending deletion",
            "PendingImport": "pending import", "PendingReplicaDeletion": "pending replica deletion",
            "Unavailable": "unavailable", "Creating": "creating", "Updating": "updating"}


def state_error(arn: str, state: str, operation: str) -> ServiceError:
    if state == "Disabled" and operation in CRYPTOGRAPHIC:
        return ServiceError("DisabledException", f"{arn} is disabled.")
    if operation == "CancelKeyDeletion":
        return ServiceError("KMSInvalidStateException", f"{arn} is not pending deletion.")
    return ServiceError("KMSInvalidStateException", f"{arn} is {_PHRASES.get(state, state)}.")


def check(key: Key, operation: str) -> None:
    if key["KeyState"] not in ALLOWED.get(operation, ENABLED):
        raise state_error(key["Arn"], key["KeyState"], operation)
