"""Continuous deployment policies: CreateContinuousDeploymentPolicy, Get(Config), Update, Delete and
ListContinuousDeploymentPolicies. A policy names a staging distribution (by its domain name) and the
viewers it gets: a share of them (``SingleWeight``, at most 15%) or those sending one ``aws-cf-cd-*``
header value (``SingleHeader``). A primary distribution uses one through ``ContinuousDeploymentPolicyId``."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError
from nimbus.store.base import Store

from .common import GLOBAL, check_if_match, invalid_argument, new_etag
from .documents import DEPLOYMENT_POLICY, ContinuousDeploymentPolicy
from .state import CloudFrontState
from .sticky_sessions import new_session_secret, sessions_reset, stickiness

policies_ns = Namespace("cloudfront", "continuous-deployment-policies")
MAX_WEIGHT = 0.15  # AWS sends at most 15% of viewers to a staging distribution
HEADER_PREFIX = "aws-cf-cd-"
SESSION_TTLS = (300, 3600)  # the seconds a sticky session's IdleTTL and MaximumTTL may be


def find_policy(store: Store, account: str, policy_id: str) -> ContinuousDeploymentPolicy | None:
    return DEPLOYMENT_POLICY.get(store, policies_ns(account, GLOBAL), policy_id)


def no_such_policy() -> ServiceError:
    return ServiceError("NoSuchContinuousDeploymentPolicy", "The continuous deployment policy doesn't exist.",
                        status=404)


def check_deployment_policy(store: Store, account: str, config: dict) -> None:
    """A distribution's ``ContinuousDeploymentPolicyId`` names a policy of the account, on a primary."""
    policy_id = config.get("ContinuousDeploymentPolicyId")
    if not policy_id:
        return
    if config.get("Staging"):
        raise ServiceError("IllegalUpdate", "The update contains modifications that are not allowed: a staging "
                           "distribution cannot have a continuous deployment policy.", status=400)
    if find_policy(store, account, policy_id) is None:
        raise no_such_policy()


def _checked(config: dict) -> dict:
    names = config["StagingDistributionDnsNames"]
    if names["Quantity"] != len(names.get("Items", [])):
        raise ServiceError("InconsistentQuantities", "The value of Quantity and the size of Items don't match.",
                           status=400)
    if len(names.get("Items", [])) != 1:
        raise invalid_argument("StagingDistributionDnsNames must name exactly one staging distribution.")
    traffic = config.get("TrafficConfig") or {}
    if traffic.get("Type") == "SingleWeight":
        weight = (traffic.get("SingleWeightConfig") or {}).get("Weight")
        if weight is None or not 0 <= weight <= MAX_WEIGHT:
            raise invalid_argument(f"The weight of a SingleWeight traffic config must be from 0 to {MAX_WEIGHT}.")
        _check_stickiness(stickiness(config))
    elif traffic.get("Type") == "SingleHeader":
        header = (traffic.get("SingleHeaderConfig") or {}).get("Header", "")
        if not header.lower().startswith(HEADER_PREFIX):
            raise invalid_argument(f"The header of a SingleHeader traffic config must start with {HEADER_PREFIX}.")
    else:
        raise invalid_argument("TrafficConfig must be of type SingleWeight or SingleHeader.")
    return config


def _check_stickiness(sticky: dict | None) -> None:
    """IdleTTL and MaximumTTL are each 300 to 3600 seconds, IdleTTL at most MaximumTTL."""
    if sticky is None:
        return
    idle, maximum = sticky.get("IdleTTL"), sticky.get("MaximumTTL")
    if idle is None or maximum is None or not (SESSION_TTLS[0] <= idle <= maximum <= SESSION_TTLS[1]):
        raise invalid_argument(f"SessionStickinessConfig IdleTTL and MaximumTTL must be from {SESSION_TTLS[0]} to "
                               f"{SESSION_TTLS[1]} seconds, IdleTTL not more than MaximumTTL.")


class DeploymentPolicyOps(CloudFrontState):
    def create_continuous_deployment_policy(self, ctx: RequestContext, params: dict) -> dict:
        config = _checked(params["ContinuousDeploymentPolicyConfig"])
        with self.store.transaction():
            self._check_staging_free(ctx, config, None)
            policy: ContinuousDeploymentPolicy = {"Id": str(uuid.uuid4()), "LastModifiedTime": ctx.clock.time(),
                                                  "ContinuousDeploymentPolicyConfig": config, "ETag": new_etag(),
                                                  "SessionSecret": new_session_secret()}
            DEPLOYMENT_POLICY.put(self.store, policies_ns(ctx.account_id, GLOBAL), policy["Id"], policy)
        return {"ContinuousDeploymentPolicy": _output(policy), "ETag": policy["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/continuous-deployment-policy/{policy['Id']}"}

    def get_continuous_deployment_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy = self._policy(ctx, params["Id"])
        return {"ContinuousDeploymentPolicy": _output(policy), "ETag": policy["ETag"]}

    def get_continuous_deployment_policy_config(self, ctx: RequestContext, params: dict) -> dict:
        policy = self._policy(ctx, params["Id"])
        return {"ContinuousDeploymentPolicyConfig": policy["ContinuousDeploymentPolicyConfig"], "ETag": policy["ETag"]}

    def update_continuous_deployment_policy(self, ctx: RequestContext, params: dict) -> dict:
        config = _checked(params["ContinuousDeploymentPolicyConfig"])
        with self.store.transaction():
            policy = self._policy(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), policy["ETag"])
            self._check_staging_free(ctx, config, policy["Id"])
            if sessions_reset(policy["ContinuousDeploymentPolicyConfig"], config):
                policy = {**policy, "SessionSecret": new_session_secret()}
            policy = {**policy, "ContinuousDeploymentPolicyConfig": config, "ETag": new_etag(),
                      "LastModifiedTime": ctx.clock.time()}
            DEPLOYMENT_POLICY.put(self.store, policies_ns(ctx.account_id, GLOBAL), policy["Id"], policy)
        return {"ContinuousDeploymentPolicy": _output(policy), "ETag": policy["ETag"]}

    def delete_continuous_deployment_policy(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            policy = self._policy(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), policy["ETag"])
            if any(d["DistributionConfig"].get("ContinuousDeploymentPolicyId") == policy["Id"]
                   for d in self.all_distributions(ctx)):
                raise ServiceError("ContinuousDeploymentPolicyInUse", "You cannot delete a continuous deployment "
                                   "policy that is associated with a primary distribution.", status=409)
            self.store.delete(policies_ns(ctx.account_id, GLOBAL), policy["Id"])
        return {}

    def list_continuous_deployment_policies(self, ctx: RequestContext, params: dict) -> dict:
        limit = int(params.get("MaxItems") or 100)
        everything = [p for _, p in DEPLOYMENT_POLICY.scan(self.store, policies_ns(ctx.account_id, GLOBAL))]
        chunk, more = page_after(everything, lambda p: p["Id"], params.get("Marker"), limit)
        listing: dict = {"MaxItems": limit, "Quantity": len(chunk),
                         "Items": [{"ContinuousDeploymentPolicy": _output(p)} for p in chunk]}
        if more:
            listing["NextMarker"] = chunk[-1]["Id"]
        return {"ContinuousDeploymentPolicyList": listing}

    def _policy(self, ctx: RequestContext, policy_id: str) -> ContinuousDeploymentPolicy:
        found = find_policy(self.store, ctx.account_id, policy_id)
        if found is None:
            raise no_such_policy()
        return found

    def _check_staging_free(self, ctx: RequestContext, config: dict, own_id: str | None) -> None:
        """The staging distribution is one of the account's, and no other policy routes to it."""
        name = config["StagingDistributionDnsNames"]["Items"][0]
        staging = self.reached_by(f"host:{name}")
        if staging is None or staging["ARN"].split(":")[4] != ctx.account_id \
                or not staging["DistributionConfig"].get("Staging"):
            raise invalid_argument(f"{name} is not the domain name of a staging distribution of this account.")
        for _, other in DEPLOYMENT_POLICY.scan(self.store, policies_ns(ctx.account_id, GLOBAL)):
            if other["Id"] != own_id and name in other["ContinuousDeploymentPolicyConfig"]["StagingDistributionDnsNames"].get("Items", []):
                raise ServiceError("StagingDistributionInUse", "A continuous deployment policy for this staging "
                                   "distribution already exists.", status=409)


def _output(policy: ContinuousDeploymentPolicy) -> dict:
    return {"Id": policy["Id"], "LastModifiedTime": policy["LastModifiedTime"],
            "ContinuousDeploymentPolicyConfig": policy["ContinuousDeploymentPolicyConfig"]}
