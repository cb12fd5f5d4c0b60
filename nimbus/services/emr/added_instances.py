"""Capacity added to a running cluster: AddInstanceGroups (task groups, or a core group where there is
none) and AddInstanceFleet (a task fleet). The new capacity is the cluster's as soon as it runs: the next
step gets its executors (instances.worker_count), and ListInstanceGroups, ListInstanceFleets and
ListInstances show it."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .documents import Cluster
from .instances import new_fleet, new_group, start_entry
from .state import ENDED, EmrState, save_cluster, validation

MAX_TASK_GROUPS = 48  # EMR's limit on task instance groups per cluster


def _open(cluster: Cluster, collection: str) -> None:
    if cluster["Status"]["State"] in ENDED:
        raise validation("A job flow that is shutting down, terminated, or finished may not be modified.")
    if cluster.get("InstanceCollectionType", "INSTANCE_GROUP") != collection:
        raise validation("Instance groups cannot be added to a cluster that uses instance fleets."
                         if collection == "INSTANCE_GROUP" else
                         "Instance fleets cannot be added to a cluster that uses instance groups.")


def _started(cluster: Cluster, entries: list[dict], now: float) -> None:
    """Capacity added once the cluster's instances are up runs at once; before, it starts with them."""
    if cluster["Status"]["State"] in ("RUNNING", "WAITING"):
        for entry in entries:
            start_entry(entry, now)


class AddedInstanceOps(EmrState):
    def add_instance_groups(self, ctx: RequestContext, params: dict) -> dict:
        now = ctx.clock.time()
        with self.store.transaction():
            cluster = self.cluster(ctx, params["JobFlowId"])
            _open(cluster, "INSTANCE_GROUP")
            groups = cluster.setdefault("InstanceGroups", [])
            added = [new_group(config, now) for config in params["InstanceGroups"]]
            roles = [g["InstanceGroupType"] for g in groups + added]
            if any(g["InstanceGroupType"] == "MASTER" for g in added):
                raise validation("A master instance group cannot be added to a running cluster.")
            if roles.count("CORE") > 1:
                raise validation("Only one CORE instance group is allowed.")
            if roles.count("TASK") > MAX_TASK_GROUPS:
                raise validation(f"A cluster can have at most {MAX_TASK_GROUPS} task instance groups.")
            groups.extend(added)
            _started(cluster, added, now)
            save_cluster(self.store, cluster)
        self.emit(ctx, cluster, "updated")
        return {"JobFlowId": cluster["Id"], "InstanceGroupIds": [g["Id"] for g in added],
                "ClusterArn": cluster["ClusterArn"]}

    def add_instance_fleet(self, ctx: RequestContext, params: dict) -> dict:
        now = ctx.clock.time()
        with self.store.transaction():
            cluster = self.cluster(ctx, params["ClusterId"])
            _open(cluster, "INSTANCE_FLEET")
            fleet = new_fleet(params["InstanceFleet"], now)
            if fleet["InstanceFleetType"] != "TASK":
                raise validation("Only a TASK instance fleet can be added to a running cluster.")
            if any(f["InstanceFleetType"] == "TASK" for f in cluster.get("InstanceFleets", [])):
                raise validation("A cluster can have only one TASK instance fleet.")
            cluster.setdefault("InstanceFleets", []).append(fleet)
            _started(cluster, [fleet], now)
            save_cluster(self.store, cluster)
        self.emit(ctx, cluster, "updated")
        return {"ClusterId": cluster["Id"], "InstanceFleetId": fleet["Id"], "ClusterArn": cluster["ClusterArn"]}
