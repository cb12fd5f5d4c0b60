"""Staging distributions: CopyDistribution makes one from a primary, a continuous deployment policy sends
it a share of the primary's viewers (or those with its ``aws-cf-cd-*`` header) at the edge, and
UpdateDistributionWithStagingConfig promotes its configuration to the primary."""
from __future__ import annotations

import copy
import random

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest

from .common import check_if_match, invalid_argument, new_etag
from .deployment_policies import find_policy
from .distributions import DistributionOps
from .documents import Distribution
from .state import CloudFrontState
from .sticky_sessions import Session, current_side, session, stickiness

# What a promotion keeps of the primary: its identity and names, and how its traffic is split.
_PRIMARY_OWN = ("CallerReference", "Aliases", "ContinuousDeploymentPolicyId", "Staging", "Enabled")


def routed_distribution(state: CloudFrontState, primary: Distribution,
                        request: HttpRequest) -> tuple[Distribution, Session | None]:
    """The distribution that serves this viewer: the primary's staging one when its enabled continuous
    deployment policy picks the viewer (by its header, or by chance within the weight, once per session when
    the policy keeps sessions), else the primary; and the viewer's session, when there is one."""
    policy_id = primary["DistributionConfig"].get("ContinuousDeploymentPolicyId")
    policy = find_policy(state.store, primary["ARN"].split(":")[4], policy_id) if policy_id else None
    if policy is None or not policy["ContinuousDeploymentPolicyConfig"]["Enabled"]:
        return primary, None
    config = policy["ContinuousDeploymentPolicyConfig"]
    staging = state.reached_by(f"host:{config['StagingDistributionDnsNames']['Items'][0]}")
    if staging is None or not staging["DistributionConfig"]["Enabled"]:
        return primary, None
    traffic = config["TrafficConfig"]
    if traffic["Type"] == "SingleHeader":
        wanted = traffic["SingleHeaderConfig"]
        return (staging if request.headers.get(wanted["Header"]) == wanted["Value"] else primary), None
    now = int(state.clock.time())
    live = current_side(policy, request, now)
    chosen, started = live if live is not None else (
        random.random() < traffic["SingleWeightConfig"]["Weight"], now)  # noqa: S311 - a traffic split
    sticky = session(policy, chosen, started, now) if stickiness(config) is not None else None
    return (staging if chosen else primary), sticky


class StagingOps(DistributionOps):
    def copy_distribution(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            primary = self.distribution(ctx, params["PrimaryDistributionId"])
            check_if_match(params.get("IfMatch"), primary["ETag"])
            if any(d["DistributionConfig"]["CallerReference"] == params["CallerReference"]
                   for d in self.all_distributions(ctx)):
                raise ServiceError("DistributionAlreadyExists", "The caller reference you attempted to create the "
                                   "distribution with is associated with another distribution.", status=409)
            config = copy.deepcopy(primary["DistributionConfig"])
            config.pop("ContinuousDeploymentPolicyId", None)
            enabled = params.get("Enabled")
            # No aliases: CNAMEs belong to one distribution, and viewers reach a staging one through its primary.
            config.update(CallerReference=params["CallerReference"], Staging=bool(params.get("Staging")),
                          Enabled=config["Enabled"] if enabled is None else enabled, Aliases={"Quantity": 0})
            distribution = self._new_distribution(ctx, config, {})
        return {"Distribution": self.output(ctx, distribution), "ETag": distribution["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/distribution/{distribution['Id']}"}

    def update_distribution_with_staging_config(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            primary = self.distribution(ctx, params["Id"])
            staging = self.distribution(ctx, params["StagingDistributionId"])
            # If-Match names both versions: "<primary ETag>, <staging ETag>".
            etags = [e.strip() for e in (params.get("IfMatch") or "").split(",")]
            check_if_match(etags[0] if len(etags) == 2 else None, primary["ETag"])
            check_if_match(etags[1], staging["ETag"])
            if not staging["DistributionConfig"].get("Staging") or primary["DistributionConfig"].get("Staging"):
                raise invalid_argument("The staging distribution must be a staging distribution and the primary "
                                       "distribution must not be.")
            config = {**copy.deepcopy(staging["DistributionConfig"]),
                      **{k: primary["DistributionConfig"][k] for k in _PRIMARY_OWN if k in primary["DistributionConfig"]}}
            config["Staging"] = False
            now = ctx.clock.time()
            promoted: Distribution = {**primary, "DistributionConfig": config, "ETag": new_etag(),
                                      "LastModifiedTime": now,
                                      "DeployedTime": now + self.runtime.config.cloudfront_deploy_seconds}
            self.save(ctx, promoted, primary)
        return {"Distribution": self.output(ctx, promoted), "ETag": promoted["ETag"]}
