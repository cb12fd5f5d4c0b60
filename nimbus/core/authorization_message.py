"""Encoded authorization messages: what AWS attaches to some denials (EC2's "Encoded authorization failure
message") and STS DecodeAuthorizationMessage reads back. The decision is sealed under the master key, so
only this server can read it, and only through that operation (which is itself authorized)."""
from __future__ import annotations

import json

from nimbus.core.policy.evaluate import Decision
from nimbus.core.secrets import Vault

BINDING = "sts/authorization-message"


def encode(vault: Vault, decision: Decision, context: dict) -> str:
    """The opaque message for a denial: allowed, the explicit-deny flag, the matched statements, the
    request (principal, action, resource) and the condition context, as AWS's decoded messages hold them."""
    message = {"allowed": decision.allowed, "explicitDeny": decision.reason == "explicit_deny",
               "matchedStatements": {"items": [{"statementId": s} for s in decision.statements]},
               "failures": {"items": []},
               "context": {"principal": {"arn": decision.principal}, "action": decision.action,
                           "resource": decision.resource,
                           "conditions": {"items": [{"key": k, "values": {"items": [{"value": str(v)}]}}
                                                    for k, v in sorted(context.items())]}}}
    return vault.seal(json.dumps(message).encode(), BINDING)


def decode(vault: Vault, encoded: str) -> str | None:
    """The decoded message as JSON, or None for anything this server did not encode."""
    try:
        return vault.unseal(encoded, BINDING).decode()
    except Exception:  # a forged, truncated or foreign message: AES-GCM refuses it
        return None
