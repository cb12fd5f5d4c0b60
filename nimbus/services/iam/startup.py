"""IAM holds the identity policies every call is authorized against: it says so to the authorizer at
start-up, so the authorizer needs no knowledge of which service that is."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.services.iam.key_usage import KeyUsageRecorder

if TYPE_CHECKING:
    from nimbus.core.identity import Principal
    from nimbus.core.runtime import Runtime


class IamIdentityPolicies:
    """The authorizer's identity-policy source: the serving IAM provider (a reset replaces it)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def identity_policies(self, account_id: str, principal: Principal) -> dict[str, Any]:
        return self.runtime.services.get("iam").provider.identity_policies(account_id, principal)


def start(runtime: Runtime) -> KeyUsageRecorder:
    runtime.authz.use_identity_policies(IamIdentityPolicies(runtime))
    return KeyUsageRecorder(runtime)  # GetAccessKeyLastUsed reads what it records
