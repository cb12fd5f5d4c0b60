"""CreateDistribution(WithTags), GetDistribution(Config), UpdateDistribution, DeleteDistribution and
ListDistributions: ETags and If-Match on every change, InProgress -> Deployed on the virtual clock."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError

from .common import check_if_match, distribution_arn, new_domain_name, new_etag, new_id
from .configs import checked
from .deployment_policies import check_deployment_policy
from .documents import Distribution
from .functions import check_function_associations
from .invalidations import InvalidationOps
from .references import check_references
from .trusted import active_trusted_key_groups, check_trusted_signers

_SUMMARY_CONFIG = ("Aliases", "Origins", "OriginGroups", "DefaultCacheBehavior", "CacheBehaviors",
                   "CustomErrorResponses", "Comment", "PriceClass", "Enabled", "ViewerCertificate", "Restrictions",
                   "WebACLId", "HttpVersion", "IsIPV6Enabled", "Staging")


class DistributionOps(InvalidationOps):
    def create_distribution(self, ctx: RequestContext, params: dict) -> dict:
        return self._create(ctx, params["DistributionConfig"], {})

    def create_distribution_with_tags(self, ctx: RequestContext, params: dict) -> dict:
        given = params["DistributionConfigWithTags"]
        tags = {t["Key"]: t.get("Value", "") for t in given.get("Tags", {}).get("Items", [])}
        return self._create(ctx, given["DistributionConfig"], tags)

    def get_distribution(self, ctx: RequestContext, params: dict) -> dict:
        distribution = self.distribution(ctx, params["Id"])
        return {"Distribution": self.output(ctx, distribution), "ETag": distribution["ETag"]}

    def get_distribution_config(self, ctx: RequestContext, params: dict) -> dict:
        distribution = self.distribution(ctx, params["Id"])
        return {"DistributionConfig": distribution["DistributionConfig"], "ETag": distribution["ETag"]}

    def update_distribution(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            before = self.distribution(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), before["ETag"])
            config = checked(params["DistributionConfig"])
            self._check_references(ctx, config)
            if config["CallerReference"] != before["DistributionConfig"]["CallerReference"]:
                raise ServiceError("IllegalUpdate", "The update contains modifications that are not allowed: "
                                   "CallerReference cannot be changed.", status=400)
            self._check_aliases(ctx, config, before["Id"])
            now = ctx.clock.time()
            distribution: Distribution = {**before, "DistributionConfig": config, "ETag": new_etag(),
                                          "LastModifiedTime": now,
                                          "DeployedTime": now + self.runtime.config.cloudfront_deploy_seconds}
            self.save(ctx, distribution, before)
        return {"Distribution": self.output(ctx, distribution), "ETag": distribution["ETag"]}

    def delete_distribution(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            distribution = self.distribution(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), distribution["ETag"])
            if distribution["DistributionConfig"]["Enabled"]:
                raise ServiceError("DistributionNotDisabled", "The distribution you are trying to delete has not "
                                   "been disabled.", status=409)
            self.remove(ctx, distribution)
            self.forget_invalidations(ctx, distribution["Id"])
        return {}

    def list_distributions(self, ctx: RequestContext, params: dict) -> dict:
        limit = int(params.get("MaxItems") or 100)
        marker = params.get("Marker") or ""
        page, more = page_after(self.all_distributions(ctx), lambda d: d["Id"], marker, limit)
        listing = {"Marker": marker, "MaxItems": limit, "IsTruncated": more, "Quantity": len(page),
                   "Items": [self._summary(d) for d in page]}
        if more:
            listing["NextMarker"] = page[-1]["Id"]
        return {"DistributionList": listing}

    # -- helpers -----------------------------------------------------------------------------

    def _create(self, ctx: RequestContext, given: dict, tags: dict[str, str]) -> dict:
        with self.store.transaction():
            config = checked(given)
            self._check_references(ctx, config)
            same = next((d for d in self.all_distributions(ctx)
                         if d["DistributionConfig"]["CallerReference"] == config["CallerReference"]), None)
            if same is not None:
                if same["DistributionConfig"] != config:
                    raise ServiceError("DistributionAlreadyExists", "The caller reference you attempted to create "
                                       "the distribution with is associated with another distribution.", status=409)
                distribution = same  # the same request again: the same distribution, as AWS answers
            else:
                distribution = self._new_distribution(ctx, config, tags)
        return {"Distribution": self.output(ctx, distribution), "ETag": distribution["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/distribution/{distribution['Id']}"}

    def _new_distribution(self, ctx: RequestContext, config: dict, tags: dict[str, str]) -> Distribution:
        self._check_aliases(ctx, config, None)
        now = ctx.clock.time()
        distribution_id = new_id()
        distribution: Distribution = {
            "Id": distribution_id, "ARN": distribution_arn(ctx.account_id, distribution_id),
            "DomainName": new_domain_name(), "LastModifiedTime": now, "DistributionConfig": config,
            "ETag": new_etag(), "DeployedTime": now + self.runtime.config.cloudfront_deploy_seconds, "Tags": tags}
        self.save(ctx, distribution)
        return distribution

    def _check_references(self, ctx: RequestContext, config: dict) -> None:
        """What the configuration names exists: origin access, policies, trusted key groups, functions, a
        deployment policy."""
        check_references(self.store, ctx.account_id, config)
        check_trusted_signers(self.store, ctx.account_id, config)
        check_function_associations(self.store, ctx.account_id, config)
        check_deployment_policy(self.store, ctx.account_id, config)

    def _check_aliases(self, ctx: RequestContext, config: dict, own_id: str | None) -> None:
        for alias in config["Aliases"].get("Items", []):
            owner = self.alias_owner(alias)
            if owner is not None and owner["Id"] != own_id:
                raise ServiceError("CNAMEAlreadyExists", "One or more of the CNAMEs you provided are already "
                                   "associated with a different resource.", status=409)

    def output(self, ctx: RequestContext, distribution: Distribution) -> dict:
        """The ``Distribution`` shape of Create, Get and Update."""
        return {"Id": distribution["Id"], "ARN": distribution["ARN"], "Status": self.status(distribution),
                "LastModifiedTime": distribution["LastModifiedTime"],
                "InProgressInvalidationBatches": self.invalidations_in_progress(ctx, distribution["Id"]),
                "DomainName": distribution["DomainName"],
                "ActiveTrustedSigners": {"Enabled": False, "Quantity": 0},
                "ActiveTrustedKeyGroups": active_trusted_key_groups(self.store, ctx.account_id,
                                                                    distribution["DistributionConfig"]),
                "DistributionConfig": distribution["DistributionConfig"]}

    def _summary(self, distribution: Distribution) -> dict:
        config = distribution["DistributionConfig"]
        return {"Id": distribution["Id"], "ARN": distribution["ARN"], "Status": self.status(distribution),
                "LastModifiedTime": distribution["LastModifiedTime"], "DomainName": distribution["DomainName"],
                **{member: config[member] for member in _SUMMARY_CONFIG if member in config}}
