"""An OIDC provider's trusted identity propagation settings (UpdateOpenIDConnectProvider): the context
provider that maps the token's claims into trusted context keys, and the IAM Identity Center instance it
is associated with. nimbus keeps and answers them as AWS does; it serves no Identity Center to use them."""
from __future__ import annotations

import re

from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.documents import OidcProvider

# AWS's rule for context keys: ASCII letters, digits, single spaces and _ . : / = + - @ #, no space at either end.
CONTEXT_KEY = re.compile(r"[A-Za-z0-9_.:/=+\-@#]+( [A-Za-z0-9_.:/=+\-@#]+)*")
IDENTITY_CENTER_INSTANCE = re.compile(r"arn:aws(-[a-z]+)*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}")


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInput", message, status=400)


def checked_context_provider(provider: dict) -> dict:
    keys = [provider["SubjectSourceKey"], *[k for k in (provider.get("SubjectTypeSourceKey"),) if k]]
    for definition in provider.get("KeyDefinitionList", []):
        keys += [definition["SourceKey"], *[k for k in (definition.get("TargetKey"),) if k]]
    for key in keys:
        if not CONTEXT_KEY.fullmatch(key):
            raise invalid_input(f"Invalid context key '{key}': keys contain only ASCII letters, numbers, single "
                                "spaces and _ . : / = + - @ #, and cannot start or end with a space.")
    if "SubjectTypeValue" in provider and "SubjectTypeSourceKey" in provider:
        raise invalid_input("Specify either SubjectTypeValue or SubjectTypeSourceKey, but not both.")
    return provider


def checked_instance(arn: str) -> str:
    if not IDENTITY_CENTER_INSTANCE.fullmatch(arn):
        raise invalid_input(f"Invalid IAM Identity Center instance ARN: {arn}")
    return arn


def apply_update(provider: OidcProvider, params: dict) -> None:
    """Set or remove the context provider, or the Identity Center association: one of them per request."""
    context = "ContextProvider" in params or params.get("RemoveContextProvider")
    instance = "IdentityCenterInstanceArn" in params or params.get("RemoveIdentityCenterInstance")
    if "ContextProvider" in params and params.get("RemoveContextProvider"):
        raise invalid_input("Specify either ContextProvider or RemoveContextProvider, but not both.")
    if "IdentityCenterInstanceArn" in params and params.get("RemoveIdentityCenterInstance"):
        raise invalid_input("Specify either IdentityCenterInstanceArn or RemoveIdentityCenterInstance, but not both.")
    if context and instance:
        raise invalid_input("A request can change either the context provider or the IAM Identity Center "
                            "association, but not both.")
    if not context and not instance:
        raise invalid_input("Specify a context provider or an IAM Identity Center instance to update or remove.")
    if "ContextProvider" in params:
        provider["ContextProvider"] = checked_context_provider(params["ContextProvider"])
    elif params.get("RemoveContextProvider"):
        provider.pop("ContextProvider", None)
    elif "IdentityCenterInstanceArn" in params:
        provider["IdentityCenterInstanceArn"] = checked_instance(params["IdentityCenterInstanceArn"])
    else:
        provider.pop("IdentityCenterInstanceArn", None)
