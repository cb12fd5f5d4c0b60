"""What every KMS operation module shares: the key repository, recent key use, and the checks a key
passes before an operation may use it (state, access, usage, algorithm)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.policy import Decision
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.kms import access, specs, states
from nimbus.services.kms.documents import Key
from nimbus.services.kms.keys import KeyRepo
from nimbus.services.kms.last_usage import KeyLastUsage


class KmsState(BaseProvider):
    @staticmethod
    def access_denied(decision: Decision) -> ServiceError:
        """The dispatcher's identity-policy denials, as KMS words them (AccessDeniedException is a 400).

        Looked up when called: access.py reads grants.py, whose operations class is built on this one."""
        return access.denied(decision)

    def __init__(self, runtime):
        super().__init__(runtime)
        self.keys: KeyRepo = KeyRepo(runtime, runtime.vault)
        self.last_usage = KeyLastUsage(runtime)

    def close(self) -> None:
        self.last_usage.close()
        super().close()

    @staticmethod
    def check_state(key: Key, operation: str) -> None:
        states.check(key, operation)

    @staticmethod
    def authorize(ctx: RequestContext, key: Key, operation: str, context: dict | None = None,
                  grant_tokens: list[str] | None = None) -> Decision:
        return access.authorize(ctx, key, operation, context, grant_tokens)

    def ready(self, ctx: RequestContext, key: Key, operation: str, usage: str, context: dict | None,
              grant_tokens: list[str] | None) -> None:
        """A cryptographic operation may run: key state, access, then key usage, in AWS's order."""
        self.check_state(key, operation)
        self.authorize(ctx, key, operation, context, grant_tokens)
        if key["KeyUsage"] != usage:
            shown = "ReEncrypt" if operation.startswith("ReEncrypt") else operation
            raise ServiceError("InvalidKeyUsageException",
                               f"{key['Arn']} key usage is {key['KeyUsage']} which is not valid for {shown}.")
        self.last_usage.used(ctx, key, operation)

    def sync_replicas(self, key: Key) -> None:
        """A primary's change (new material, rotation) reaches its replicas in other Regions."""
        if key["MultiRegion"] and key["PrimaryRegion"] == key["Region"]:
            self.keys.sync_replicas(key)

    @staticmethod
    def require_algorithm(key: Key, member: str, algorithm: str) -> None:
        if algorithm not in specs.algorithms(key["KeySpec"], key["KeyUsage"]).get(member, []):
            raise ServiceError("InvalidKeyUsageException",
                               f"Algorithm {algorithm} is incompatible with key spec {key['KeySpec']}.")

    @staticmethod
    def require_customer_managed(key: Key, operation: str) -> None:
        if key["KeyManager"] == "AWS" and operation not in ("TagResource", "UntagResource"):
            raise ServiceError("UnsupportedOperationException",
                               f"{key['Arn']} is an AWS managed key; {operation} is not allowed on it.")

    @staticmethod
    def dry_run(params: dict) -> None:
        """A DryRun request stops here, having passed every check before this call."""
        if params.get("DryRun"):
            raise ServiceError("DryRunOperationException",
                               "The request would succeed if DryRun wasn\u2019t specified.")

    @staticmethod
    def no_recipient(params: dict) -> None:
        if params.get("Recipient"):
            raise ServiceError("UnsupportedOperationException",
                               "nimbus does not support Nitro Enclaves attestation documents (Recipient).")
