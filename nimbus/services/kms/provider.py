"""AWS KMS with real cryptography: the provider, assembled from one operations class per topic.

state.py (what the topics share), keys.py (storage, lookup, clock), lifecycle.py, symmetric.py, signing.py,
aliases.py, grants.py, policies.py, rotation.py, imports.py, multiregion.py; access.py decides who may use a key.
Custom key store operations are not implemented (they come with CloudHSM).
"""
from __future__ import annotations

from nimbus.protocol import models
from nimbus.services.kms.aliases import AliasOps
from nimbus.services.kms.grants import GrantOps
from nimbus.services.kms.imports import ImportOps
from nimbus.services.kms.lifecycle import LifecycleOps
from nimbus.services.kms.multiregion import MultiRegionOps
from nimbus.services.kms.policies import PolicyOps
from nimbus.services.kms.rotation import RotationOps
from nimbus.services.kms.signing import SigningOps
from nimbus.services.kms.symmetric import SymmetricOps

# Operations IAM alone decides (no key involved): the dispatcher's identity-policy check is theirs.
# Every other operation is authorized here, against the key policy, grants and IAM (access.py).
IDENTITY_ONLY = frozenset({
    "CreateKey", "ListKeys", "ListAliases", "GenerateRandom", "ListRetirableGrants", "ConnectCustomKeyStore",
    "CreateCustomKeyStore", "DeleteCustomKeyStore", "DescribeCustomKeyStores", "DisconnectCustomKeyStore",
    "UpdateCustomKeyStore"})


class Provider(LifecycleOps, SymmetricOps, SigningOps, AliasOps, GrantOps, PolicyOps, RotationOps, ImportOps,
               MultiRegionOps):
    # Members AWS keeps out of CloudTrail that the model does not mark sensitive (dispatch redacts
    # these, and every member the model marks sensitive, from API-call events).
    REDACTED_MEMBERS = frozenset({
        "CiphertextBlob", "PrivateKeyCiphertextBlob", "CiphertextForRecipient", "SharedSecret",
        "SharedSecretCiphertextBlob", "EncryptedKeyMaterial", "ImportToken", "PublicKey", "Mac", "Message",
        "Signature", "GrantToken", "GrantTokens",
    })

    def __init__(self, runtime):
        super().__init__(runtime)
        operations = models.service_model("kms").operation_names
        self.self_authorized = frozenset(operations) - IDENTITY_ONLY
