"""Cache policies, origin request policies and response headers policies as resources: AWS's managed
ones (read-only, under their real ids) and the account's own, listed by ``Type`` (managed or custom),
deleted only while no cache behaviour names them."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

from .common import invalid_argument
from .managed_policies import (
    MANAGED_CACHE_POLICIES,
    MANAGED_ORIGIN_REQUEST_POLICIES,
    MANAGED_RESPONSE_HEADERS_POLICIES,
)
from .owned import OwnedConfigs, OwnedKind, behaviour_member


def _new_policy_id() -> str:
    return str(uuid.uuid4())


CACHE_POLICY = OwnedKind("CachePolicy", "cache policy", "cache-policy", Namespace("cloudfront", "cache-policies"),
                         _new_policy_id, "Name", behaviour_member("CachePolicyId"), managed=MANAGED_CACHE_POLICIES)
ORIGIN_REQUEST_POLICY = OwnedKind(
    "OriginRequestPolicy", "origin request policy", "origin-request-policy",
    Namespace("cloudfront", "origin-request-policies"), _new_policy_id, "Name",
    behaviour_member("OriginRequestPolicyId"), managed=MANAGED_ORIGIN_REQUEST_POLICIES)
RESPONSE_HEADERS_POLICY = OwnedKind(
    "ResponseHeadersPolicy", "response headers policy", "response-headers-policy",
    Namespace("cloudfront", "response-headers-policies"), _new_policy_id, "Name",
    behaviour_member("ResponseHeadersPolicyId"), managed=MANAGED_RESPONSE_HEADERS_POLICIES)
_DEFAULT_TTL, _MAX_TTL = 86400, 31536000


class PolicyOps(OwnedConfigs):
    # -- cache policies ------------------------------------------------------------------------------

    def create_cache_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_create(ctx, CACHE_POLICY, cache_policy_config(params["CachePolicyConfig"]))

    def get_cache_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get(ctx, CACHE_POLICY, params["Id"])

    def get_cache_policy_config(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get_config(ctx, CACHE_POLICY, params["Id"])

    def update_cache_policy(self, ctx: RequestContext, params: dict) -> dict:
        given = {**params, "CachePolicyConfig": cache_policy_config(params["CachePolicyConfig"])}
        return self.owned_update(ctx, CACHE_POLICY, given)

    def delete_cache_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_delete(ctx, CACHE_POLICY, params)

    def list_cache_policies(self, ctx: RequestContext, params: dict) -> dict:
        return {"CachePolicyList": self._policy_list(ctx, CACHE_POLICY, params)}

    # -- origin request policies ---------------------------------------------------------------------

    def create_origin_request_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_create(ctx, ORIGIN_REQUEST_POLICY, _checked_lists(params["OriginRequestPolicyConfig"]))

    def get_origin_request_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get(ctx, ORIGIN_REQUEST_POLICY, params["Id"])

    def get_origin_request_policy_config(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get_config(ctx, ORIGIN_REQUEST_POLICY, params["Id"])

    def update_origin_request_policy(self, ctx: RequestContext, params: dict) -> dict:
        _checked_lists(params["OriginRequestPolicyConfig"])
        return self.owned_update(ctx, ORIGIN_REQUEST_POLICY, params)

    def delete_origin_request_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_delete(ctx, ORIGIN_REQUEST_POLICY, params)

    def list_origin_request_policies(self, ctx: RequestContext, params: dict) -> dict:
        return {"OriginRequestPolicyList": self._policy_list(ctx, ORIGIN_REQUEST_POLICY, params)}

    # -- response headers policies -------------------------------------------------------------------

    def create_response_headers_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_create(ctx, RESPONSE_HEADERS_POLICY, _checked_lists(params["ResponseHeadersPolicyConfig"]))

    def get_response_headers_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get(ctx, RESPONSE_HEADERS_POLICY, params["Id"])

    def get_response_headers_policy_config(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get_config(ctx, RESPONSE_HEADERS_POLICY, params["Id"])

    def update_response_headers_policy(self, ctx: RequestContext, params: dict) -> dict:
        _checked_lists(params["ResponseHeadersPolicyConfig"])
        return self.owned_update(ctx, RESPONSE_HEADERS_POLICY, params)

    def delete_response_headers_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_delete(ctx, RESPONSE_HEADERS_POLICY, params)

    def list_response_headers_policies(self, ctx: RequestContext, params: dict) -> dict:
        return {"ResponseHeadersPolicyList": self._policy_list(ctx, RESPONSE_HEADERS_POLICY, params)}

    def _policy_list(self, ctx: RequestContext, kind: OwnedKind, params: dict) -> dict:
        page, listing = self.owned_list(ctx, kind, params)
        return {**listing, "Items": [{"Type": "managed" if d["Id"] in kind.managed else "custom",
                                      kind.shape: self.owned_output(kind, d)} for d in page]}


def cache_policy_config(config: dict) -> dict:
    """The configuration with AWS's TTL defaults, or AWS's error for TTLs out of order."""
    _checked_lists(config)
    low = config["MinTTL"]
    default = config.get("DefaultTTL", max(low, _DEFAULT_TTL))
    high = config.get("MaxTTL", max(default, _MAX_TTL))
    if not low <= default <= high:
        raise ServiceError("InvalidTTLOrder", "The TTL order specified is not valid.", status=400)
    return {**config, "DefaultTTL": default, "MaxTTL": high}


def _checked_lists(config: dict) -> dict:
    """Every ``Quantity`` must count its ``Items``, as AWS checks (InconsistentQuantities)."""
    for path, listed in _lists(config, ""):
        if listed["Quantity"] != len(listed.get("Items", [])):
            raise ServiceError("InconsistentQuantities", f"The value of Quantity and the size of Items don't "
                               f"match for {path}.", status=400)
    if not config.get("Name"):
        raise invalid_argument("The parameter Name is required.")
    return config


def _lists(value, path: str):
    if isinstance(value, dict):
        if "Quantity" in value:
            yield path, value
        for member, inner in value.items():
            yield from _lists(inner, member)
