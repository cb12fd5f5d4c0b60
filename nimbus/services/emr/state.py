"""What every EMR module shares: finding and saving clusters and steps, AWS's words for a cluster that is
not there, and the engine that runs clusters (engine.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.resource_change import Change
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .documents import CLUSTER, SECURITY_CONFIGURATION, STEP, Cluster, SecurityConfiguration, Step

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

    from .engine import Engine

clusters_ns = Namespace("emr", "clusters")
steps_ns = Namespace("emr", "steps")
security_ns = Namespace("emr", "security-configurations")

# A cluster in one of these states takes no more steps and no changes.
ENDED = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")


def invalid_request(message: str, code: str | None = None) -> ServiceError:
    fields = {"ErrorCode": code} if code else {}
    return ServiceError("InvalidRequestException", message, status=400, **fields)


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, status=400)


def step_key(step: Step) -> str:
    """Steps list in the order they were added."""
    return f"{step['ClusterId']}/{step['Seq']:08d}"


def save_cluster(store, cluster: Cluster) -> None:
    CLUSTER.put(store, clusters_ns(cluster["AccountId"], cluster["Region"]), cluster["Id"], cluster)


def save_step(store, cluster: Cluster, step: Step) -> None:
    STEP.put(store, steps_ns(cluster["AccountId"], cluster["Region"]), step_key(step), step)


def cluster_steps(store, cluster: Cluster) -> list[Step]:
    return [doc for _, doc in STEP.scan(store, steps_ns(cluster["AccountId"], cluster["Region"]),
                                        prefix=cluster["Id"] + "/")]


def _configuration(cluster: Cluster) -> dict:
    return {k: cluster[k] for k in ("Id", "Name", "ClusterArn", "ReleaseLabel", "Status", "Applications",  # type: ignore[literal-required]
                                    "TerminationProtected", "VisibleToAllUsers", "Tags", "ServiceRole",
                                    "JobFlowRole", "InstanceCollectionType", "StepConcurrencyLevel") if k in cluster}


class EmrState(BaseProvider):
    engine: Engine

    def __init__(self, runtime: Runtime):
        super().__init__(runtime)
        from .engine import Engine  # the engine imports the topics' helpers
        self.engine = Engine(runtime)

    def close(self) -> None:
        self.engine.close()
        super().close()

    def resume(self) -> None:
        """At start-up: every cluster that had not ended goes on (startup.py)."""
        for ns in self.store.namespaces(("emr",)):
            if len(ns) == 4 and ns[3] == "clusters":
                for _, cluster in CLUSTER.scan(self.store, ns):
                    if cluster["Status"]["State"] not in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
                        self.engine.resume(cluster)

    def emit(self, ctx: RequestContext, cluster: Cluster, change: Change) -> None:
        """Tell AWS Config (resource-change events) of a cluster created, changed or terminated by request."""
        ctx.emit_resource_change("AWS::EMR::Cluster", cluster["ClusterArn"], change,
                                 None if change == "deleted" else lambda: _configuration(cluster))

    def find_cluster(self, ctx: RequestContext, cluster_id: str) -> Cluster | None:
        return CLUSTER.get(self.store, clusters_ns(ctx.account_id, ctx.region), cluster_id)

    def cluster(self, ctx: RequestContext, cluster_id: str) -> Cluster:
        """The cluster named, or AWS's InvalidRequestException."""
        found = self.find_cluster(ctx, cluster_id)
        if found is None:
            raise invalid_request(f"Cluster id '{cluster_id}' is not valid.")
        return found

    def all_clusters(self, ctx: RequestContext) -> list[Cluster]:
        return [doc for _, doc in CLUSTER.scan(self.store, clusters_ns(ctx.account_id, ctx.region))]

    def find_security_configuration(self, ctx: RequestContext, name: str) -> SecurityConfiguration | None:
        return SECURITY_CONFIGURATION.get(self.store, security_ns(ctx.account_id, ctx.region), name)
