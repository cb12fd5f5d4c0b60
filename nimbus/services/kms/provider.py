"""AWS KMS with real cryptography: the provider, assembled from one mixin per topic.

keys.py (storage, lookup, clock), lifecycle.py, symmetric.py, signing.py, aliases.py, grants.py,
policies.py, rotation.py, imports.py, multiregion.py; access.py decides who may use a key.
Custom key store operations are not implemented (they come with CloudHSM).
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.policy import Decision
from nimbus.protocol import models
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.kms import access, specs, states
from nimbus.services.kms.aliases import AliasOps
from nimbus.services.kms.grants import GrantOps
from nimbus.services.kms.imports import ImportOps
from nimbus.services.kms.keys import KeyRepo
from nimbus.services.kms.lifecycle import LifecycleOps
from nimbus.services.kms.multiregion import MultiRegionOps
from nimbus.services.kms.policies import PolicyOps
from nimbus.services.kms.rotation import RotationOps
from nimbus.services.kms.signing import SigningOps
from nimbus.services.kms.symmetric import SymmetricOps
from nimbus.services.kms.vault import Vault, load_master_key

# Operations IAM alone decides (no key involved): the dispatcher's identity-policy check is theirs.
# Every other operation is authorized here, against the key policy, grants and IAM (access.py).
IDENTITY_ONLY = frozenset({
    "CreateKey", "ListKeys", "ListAliases", "GenerateRandom", "ListRetirableGrants", "ConnectCustomKeyStore",
    "CreateCustomKeyStore", "DeleteCustomKeyStore", "DescribeCustomKeyStores", "DisconnectCustomKeyStore",
    "UpdateCustomKeyStore"})


class Provider(LifecycleOps, SymmetricOps, SigningOps, AliasOps, GrantOps, PolicyOps, RotationOps, ImportOps,
               MultiRegionOps, BaseProvider):
    # Members AWS keeps out of CloudTrail that the model does not mark sensitive (dispatch redacts
    # these, and every member the model marks sensitive, from API-call events).
    REDACTED_MEMBERS = frozenset({
        "CiphertextBlob", "PrivateKeyCiphertextBlob", "CiphertextForRecipient", "SharedSecret",
        "SharedSecretCiphertextBlob", "EncryptedKeyMaterial", "ImportToken", "PublicKey", "Mac", "Message",
        "Signature", "GrantToken", "GrantTokens",
    })

    def __init__(self, runtime):
        super().__init__(runtime)
        config = runtime.config
        self.keys = KeyRepo(runtime, Vault(load_master_key(config.data_dir, config.ephemeral)))
        # (account, region, key id) -> (operation, time, request id); kept in memory only.
        self.last_usage: dict[tuple[str, str, str], tuple[str, float, str]] = {}
        operations = models.service_model("kms").operation_names
        self.self_authorized = frozenset(operations) - IDENTITY_ONLY

    # -- checks shared by the operations -------------------------------------------------

    # The dispatcher's identity-policy denials, as KMS words them (AccessDeniedException is a 400).
    access_denied = staticmethod(access.denied)

    @staticmethod
    def check_state(key: dict, operation: str) -> None:
        states.check(key, operation)

    @staticmethod
    def authorize(ctx: RequestContext, key: dict, operation: str, context: dict | None = None,
                  grant_tokens: list[str] | None = None) -> Decision:
        return access.authorize(ctx, key, operation, context, grant_tokens)

    def ready(self, ctx: RequestContext, key: dict, operation: str, usage: str, context: dict | None,
              grant_tokens: list[str] | None) -> None:
        """A cryptographic operation may run: key state, access, then key usage, in AWS's order."""
        self.check_state(key, operation)
        self.authorize(ctx, key, operation, context, grant_tokens)
        if key["KeyUsage"] != usage:
            shown = "ReEncrypt" if operation.startswith("ReEncrypt") else operation
            raise ServiceError("InvalidKeyUsageException",
                               f"{key['Arn']} key usage is {key['KeyUsage']} which is not valid for {shown}.")
        self.last_usage[(key["AWSAccountId"], key["Region"], key["KeyId"])] = (
            operation, ctx.clock.time(), ctx.request_id)

    @staticmethod
    def require_algorithm(key: dict, member: str, algorithm: str) -> None:
        if algorithm not in specs.algorithms(key["KeySpec"], key["KeyUsage"]).get(member, []):
            raise ServiceError("InvalidKeyUsageException",
                               f"Algorithm {algorithm} is incompatible with key spec {key['KeySpec']}.")

    @staticmethod
    def require_customer_managed(key: dict, operation: str) -> None:
        if key["KeyManager"] == "AWS" and operation not in ("TagResource", "UntagResource"):
            raise ServiceError("UnsupportedOperationException",
                               f"{key['Arn']} is an AWS managed key; {operation} is not allowed on it.")

    @staticmethod
    def dry_run(params: dict) -> bool:
        if params.get("DryRun"):
            raise ServiceError("DryRunOperationException",
                               "The request would succeed if DryRun wasn\u2019t specified.")
        return False

    @staticmethod
    def no_recipient(params: dict) -> None:
        if params.get("Recipient"):
            raise ServiceError("UnsupportedOperationException",
                               "nimbus does not support Nitro Enclaves attestation documents (Recipient).")
