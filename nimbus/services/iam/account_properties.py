"""Account-level IAM settings: the account's properties (``Namespace/PropertyName`` → value) and its outbound
web identity federation, whose issuer STS GetWebIdentityToken signs tokens as."""
from __future__ import annotations

import re
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.public_url import public_base
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import ns
from nimbus.services.iam.documents import ACCOUNT_PROPERTIES, OUTBOUND_FEDERATION, OutboundFederation
from nimbus.services.iam.state import IamState

# The model's key pattern, and AWS's rule that a key is exactly one namespace and one property name.
PROPERTY_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*/[A-Za-z0-9_-]+")
MAX_KEY, MAX_VALUE = 50, 1024
# Where STS serves an account's issuer (its OpenID configuration and JWKS), relative to nimbus.
OUTBOUND_ISSUER_PATH = "/_nimbus/sts/outbound/"


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInput", message, status=400)


def _checked_properties(properties: dict[str, str]) -> dict[str, str]:
    if not properties:
        raise invalid_input("Properties must contain at least one property.")
    for key, value in properties.items():
        if len(key) > MAX_KEY or not PROPERTY_KEY.fullmatch(key):
            raise invalid_input(f"Invalid property key '{key}': keys have the format Namespace/PropertyName, "
                                "with exactly one '/' that neither starts nor ends the key.")
        if not 1 <= len(value) <= MAX_VALUE:
            raise invalid_input(f"Invalid value for property '{key}': values are 1 to {MAX_VALUE} characters.")
    if len({key.partition("/")[0] for key in properties}) > 1:
        raise invalid_input("All properties in a request must belong to the same namespace.")
    return properties


class AccountPropertyOps(IamState):
    def get_account_properties(self, ctx: RequestContext, params: dict) -> dict:
        stored = ACCOUNT_PROPERTIES.get(self.store, ns(ctx.account_id, "settings"), "account_properties")
        return {"Properties": stored["Properties"] if stored else {}}

    def put_account_properties(self, ctx: RequestContext, params: dict) -> dict:
        properties = _checked_properties(params["Properties"])
        with self.store.transaction():
            stored = ACCOUNT_PROPERTIES.get(self.store, ns(ctx.account_id, "settings"), "account_properties")
            merged = {**(stored["Properties"] if stored else {}), **properties}
            ACCOUNT_PROPERTIES.put(self.store, ns(ctx.account_id, "settings"), "account_properties",
                                   {"Properties": merged})
        return {}

    # -- outbound web identity federation ------------------------------------------------------

    def enable_outbound_web_identity_federation(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            federation = self._federation(ctx)
            if federation and federation["Enabled"]:
                raise ServiceError("FeatureEnabled", "Outbound web identity federation is already enabled for "
                                   "this account.", status=409)
            federation = {"IssuerId": federation["IssuerId"] if federation else str(uuid.uuid4()), "Enabled": True}
            OUTBOUND_FEDERATION.put(self.store, ns(ctx.account_id, "settings"), "outbound_federation", federation)
        return {"IssuerIdentifier": _issuer(ctx, federation)}

    def disable_outbound_web_identity_federation(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            federation = self._federation(ctx)
            if not federation or not federation["Enabled"]:
                raise _disabled()
            federation["Enabled"] = False
            OUTBOUND_FEDERATION.put(self.store, ns(ctx.account_id, "settings"), "outbound_federation", federation)
        return {}

    def get_outbound_web_identity_federation_info(self, ctx: RequestContext, params: dict) -> dict:
        federation = self._federation(ctx)
        if federation is None:
            raise _disabled()
        return {"IssuerIdentifier": _issuer(ctx, federation), "JwtVendingEnabled": federation["Enabled"]}

    def _federation(self, ctx: RequestContext) -> OutboundFederation | None:
        return OUTBOUND_FEDERATION.get(self.store, ns(ctx.account_id, "settings"), "outbound_federation")


def _disabled() -> ServiceError:
    return ServiceError("FeatureDisabled", "Outbound web identity federation is not enabled for this account.",
                        status=404)


def _issuer(ctx: RequestContext, federation: OutboundFederation) -> str:
    """The issuer URL, as the caller reaches nimbus (AWS's is https://<id>.tokens.sts.global.api.aws)."""
    return f"{public_base(ctx)}{OUTBOUND_ISSUER_PATH}{federation['IssuerId']}"
