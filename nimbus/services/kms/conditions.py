"""KMS's condition keys: what a key policy or IAM policy can test about a KMS request.

Built per call for the IAM engine (names as AWS documents them; the engine compares names
case-insensitively). Request members come from the call's parameters (``ctx.params``); the alias a
request named comes from key resolution (``call_state``).
"""
from __future__ import annotations

import functools

from nimbus.core.context import RequestContext
from nimbus.services.kms.call_state import call_state
from nimbus.services.kms.documents import ALIAS, Key
from nimbus.services.kms.key_policies import key_policy
from nimbus.services.kms.keys import aliases_ns

SYMMETRIC_OPERATIONS = frozenset({"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
                                  "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
                                  "GenerateDataKeyPairWithoutPlaintext"})
# condition key -> request member, for members that map one to one.
MEMBERS = {
    "kms:SigningAlgorithm": "SigningAlgorithm",
    "kms:MacAlgorithm": "MacAlgorithm",
    "kms:MessageType": "MessageType",
    "kms:KeyAgreementAlgorithm": "KeyAgreementAlgorithm",
    "kms:DataKeyPairSpec": "KeyPairSpec",
    "kms:WrappingAlgorithm": "WrappingAlgorithm",
    "kms:WrappingKeySpec": "WrappingKeySpec",
    "kms:ExpirationModel": "ExpirationModel",
    "kms:BypassPolicyLockoutSafetyCheck": "BypassPolicyLockoutSafetyCheck",
    "kms:RotationPeriodInDays": "RotationPeriodInDays",
    "kms:ScheduleKeyDeletionPendingWindowInDays": "PendingWindowInDays",
    "kms:ReplicaRegion": "ReplicaRegion",
    "kms:PrimaryRegion": "PrimaryRegion",
    "kms:GranteePrincipal": "GranteePrincipal",
    "kms:RetiringPrincipal": "RetiringPrincipal",
}
BY_MEMBER = {member: condition for condition, member in MEMBERS.items()}
ALGORITHM_MEMBERS = {"ReEncryptFrom": "SourceEncryptionAlgorithm", "ReEncryptTo": "DestinationEncryptionAlgorithm"}


def via_service(invoked_by: str, region: str) -> str:
    """``s3.amazonaws.com`` calling in us-east-1 is ``s3.us-east-1.amazonaws.com`` to kms:ViaService."""
    name = invoked_by.removesuffix(".amazonaws.com")
    return f"{name}.{region}.amazonaws.com"


def condition_keys(ctx: RequestContext, key: Key, operation: str, context: dict | None) -> dict:
    params = ctx.params
    values: dict = {
        "kms:CallerAccount": ctx.account_id,
        "kms:KeySpec": key["KeySpec"], "kms:CustomerMasterKeySpec": key["KeySpec"],
        "kms:KeyUsage": key["KeyUsage"], "kms:CustomerMasterKeyUsage": key["KeyUsage"],
        "kms:KeyOrigin": key["Origin"],
        "kms:MultiRegion": bool(key["MultiRegion"]),
    }
    if key["MultiRegion"]:
        values["kms:MultiRegionKeyType"] = "PRIMARY" if key["PrimaryRegion"] == key["Region"] else "REPLICA"
    if ctx.principal.invoked_by:
        values["kms:ViaService"] = via_service(ctx.principal.invoked_by, key["Region"])
    if context:
        for name, value in context.items():
            values[f"kms:EncryptionContext:{name}"] = value
        values["kms:EncryptionContextKeys"] = list(context)
    for member in params.keys() & BY_MEMBER.keys():
        if params[member] is not None:
            values[BY_MEMBER[member]] = params[member]
    if operation in SYMMETRIC_OPERATIONS:
        member = ALGORITHM_MEMBERS.get(operation, "EncryptionAlgorithm")
        values["kms:EncryptionAlgorithm"] = params.get(member) or "SYMMETRIC_DEFAULT"
    if operation == "ImportKeyMaterial" and params.get("ValidTo") is not None:
        values["kms:ValidTo"] = int(params["ValidTo"].timestamp()) if hasattr(params["ValidTo"], "timestamp") \
            else params["ValidTo"]
    if operation == "CreateGrant":
        values["kms:GrantOperations"] = list(params.get("Operations") or ())
        values["kms:GrantIsForAWSResource"] = ctx.principal.invoked_by is not None
        values["kms:GrantConstraintType"] = list(params.get("Constraints") or ())
    if operation.startswith("ReEncrypt"):
        same = _same_key(ctx, key, operation, params)
        if same is not None:
            values["kms:ReEncryptOnSameKey"] = same
    alias = call_state(ctx).request_aliases.get(key["Arn"])
    if alias:
        values["kms:RequestAlias"] = alias
    if _wants_resource_aliases(ctx, key):
        values["kms:ResourceAliases"] = [
            name for name, alias in ALIAS.scan(ctx.store, aliases_ns(key["AWSAccountId"], key["Region"]))
            if alias["TargetKeyId"] == key["KeyId"]]
    return values


def _same_key(ctx: RequestContext, key: Key, operation: str, params: dict) -> bool | None:
    if operation == "ReEncryptFrom":
        call_state(ctx).reencrypt_source = key["Arn"]
        destination = params.get("DestinationKeyId")
        return True if destination in (key["KeyId"], key["Arn"]) else None
    source = call_state(ctx).reencrypt_source
    return None if source is None else source == key["Arn"]


def _wants_resource_aliases(ctx: RequestContext, key: Key) -> bool:
    # A store scan per call: only when some policy could test it (identity policies exist only for
    # IAM users and roles; the key policy says so itself).
    if ctx.principal.type not in ("Root", "AWSService"):
        return True
    return _mentions_resource_aliases(key_policy(key))


@functools.lru_cache(maxsize=1024)
def _mentions_resource_aliases(policy: str) -> bool:
    return "resourcealiases" in policy.lower()
