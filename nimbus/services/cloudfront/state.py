"""What every CloudFront module shares: finding and saving distributions, the names viewers reach them by,
their status on the virtual clock, and the edge's cache."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.resource_change import Change
from nimbus.services.base import BaseProvider

from .cache import EdgeCache
from .common import EDGE_NAMES_NS, GLOBAL, distributions_ns, no_such_distribution
from .disk_cache import DiskTier
from .documents import DISTRIBUTION, EDGE_NAME, Distribution, EdgeName
from .functions_runtime import FunctionRunner
from .hit_plans import HitPlans
from .recent_names import RecentNames

DISTRIBUTION_TYPE = "AWS::CloudFront::Distribution"
CONFIG_REGION = "us-east-1"


def edge_names(distribution: Distribution) -> list[str]:
    """The keys of the names a viewer reaches the distribution by: its id, domain name and aliases."""
    aliases = distribution["DistributionConfig"].get("Aliases", {}).get("Items", [])
    hosts = [distribution["DomainName"], *aliases]
    return [f"id:{distribution['Id']}", *(f"host:{h.lower()}" for h in hosts)]


class CloudFrontState(BaseProvider):
    cache: EdgeCache
    functions: FunctionRunner

    def __init__(self, runtime):
        super().__init__(runtime)
        config = runtime.config
        disk = None if config.ephemeral else DiskTier(config.data_dir, config.cloudfront_cache_disk_bytes,
                                                      runtime.vault)
        self.cache = EdgeCache(config.cloudfront_cache_bytes, disk)
        self.recent_names = RecentNames()
        self.hit_plans = HitPlans()
        self.functions = FunctionRunner(config.cloudfront_function_budget_ms)

    def close(self) -> None:
        super().close()
        self.functions.close()

    def find(self, account: str, distribution_id: str) -> Distribution | None:
        return DISTRIBUTION.get(self.store, distributions_ns(account, GLOBAL), distribution_id)

    def distribution(self, ctx: RequestContext, distribution_id: str) -> Distribution:
        found = self.find(ctx.account_id, distribution_id)
        if found is None:
            raise no_such_distribution()
        return found

    def all_distributions(self, ctx: RequestContext) -> list[Distribution]:
        return [d for _, d in DISTRIBUTION.scan(self.store, distributions_ns(ctx.account_id, GLOBAL))]

    def save(self, ctx: RequestContext, distribution: Distribution, before: Distribution | None = None) -> None:
        """Store the distribution and keep the index of the names viewers use in step with it."""
        for name in set(edge_names(before) if before else ()) - set(edge_names(distribution)):
            self.store.delete(EDGE_NAMES_NS, name)
        entry: EdgeName = {"Account": ctx.account_id, "Id": distribution["Id"]}
        for name in edge_names(distribution):
            EDGE_NAME.put(self.store, EDGE_NAMES_NS, name, entry)
        change = "updated" if before is not None or self.find(ctx.account_id, distribution["Id"]) else "created"
        DISTRIBUTION.put(self.store, distributions_ns(ctx.account_id, GLOBAL), distribution["Id"], distribution)
        self.recent_names.forget()
        self._announce(ctx, distribution, change)

    def remove(self, ctx: RequestContext, distribution: Distribution) -> None:
        for name in edge_names(distribution):
            self.store.delete(EDGE_NAMES_NS, name)
        self.store.delete(distributions_ns(ctx.account_id, GLOBAL), distribution["Id"])
        self.recent_names.forget()
        self.cache.forget(distribution["Id"])
        self._announce(ctx, distribution, "deleted")

    def _announce(self, ctx: RequestContext, distribution: Distribution, change: Change) -> None:
        # AWS Config records distributions, a global service's resources, in US East (N. Virginia).
        configuration = None if change == "deleted" else (lambda: dict(distribution))
        ctx.emit_resource_change(DISTRIBUTION_TYPE, distribution["ARN"], change, configuration, region=CONFIG_REGION)

    def alias_owner(self, alias: str) -> EdgeName | None:
        return EDGE_NAME.get(self.store, EDGE_NAMES_NS, f"host:{alias.lower()}")

    def reached_by(self, name: str) -> Distribution | None:
        """The distribution a viewer's name (``id:E...`` or ``host:...``) reaches, in whichever account."""
        generation = self.recent_names.generation
        entry = EDGE_NAME.get(self.store, EDGE_NAMES_NS, name)
        found = None if entry is None else self.find(entry["Account"], entry["Id"])
        self.recent_names.remember(name, found, generation)
        return found

    def status(self, distribution: Distribution) -> str:
        return "Deployed" if self.clock.time() >= distribution["DeployedTime"] else "InProgress"
