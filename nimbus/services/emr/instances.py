"""A cluster's instances: the groups or fleets RunJobFlow asks for (spot bid prices recorded), checked as
EMR checks them, and ListInstanceGroups, ListInstanceFleets, ListInstances, ModifyInstanceGroups and
ModifyInstanceFleet. nimbus starts no EC2 instances: a group's instance count is the number of Spark
executors (local worker threads with the default engine) a step gets."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id, stable_id

from .documents import Cluster
from .state import ENDED, EmrState, save_cluster, validation

_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|[0-9]*xlarge|metal)$")
_ROLES = ("MASTER", "CORE", "TASK")


def _checked_type(instance_type: str) -> str:
    if not _INSTANCE_TYPE.match(instance_type or ""):
        raise validation(f"Instance type '{instance_type}' is not supported.")
    return instance_type


def new_group(config: dict, now: float) -> dict:
    role = config["InstanceRole"]
    count = config["InstanceCount"]
    if role == "MASTER" and count != 1:
        raise validation("The instance count for the master instance group must be 1.")
    if count < 0:
        raise validation("Instance count must be at least 0.")
    group = {"Id": random_id("ig-", 13), "Name": config.get("Name") or role.capitalize(),
             "Market": config.get("Market", "ON_DEMAND"), "InstanceGroupType": role,
             "InstanceType": _checked_type(config["InstanceType"]), "RequestedInstanceCount": count,
             "RunningInstanceCount": 0, "Configurations": config.get("Configurations", []),
             "Status": {"State": "PROVISIONING", "StateChangeReason": {}, "Timeline": {"CreationDateTime": now}}}
    if group["Market"] == "SPOT":
        if "BidPrice" in config:
            group["BidPrice"] = config["BidPrice"]
    return group


def new_fleet(config: dict, now: float) -> dict:
    role = config["InstanceFleetType"]
    on_demand, spot = config.get("TargetOnDemandCapacity", 0), config.get("TargetSpotCapacity", 0)
    if role == "MASTER" and on_demand + spot != 1:
        raise validation("The master instance fleet must have a target capacity of 1.")
    types = config.get("InstanceTypeConfigs") or []
    if not types:
        raise validation("An instance fleet must specify at least one instance type config.")
    for entry in types:
        _checked_type(entry["InstanceType"])
    return {"Id": random_id("if-", 13), "Name": config.get("Name") or role.capitalize(), "InstanceFleetType": role,
            "TargetOnDemandCapacity": on_demand, "TargetSpotCapacity": spot, "ProvisionedOnDemandCapacity": 0,
            "ProvisionedSpotCapacity": 0, "InstanceTypeSpecifications": [
                {k: v for k, v in entry.items() if k in ("InstanceType", "WeightedCapacity", "BidPrice",
                                                         "BidPriceAsPercentageOfOnDemandPrice")}
                for entry in types],
            "Status": {"State": "PROVISIONING", "StateChangeReason": {}, "Timeline": {"CreationDateTime": now}}}


def instance_layout(instances: dict, now: float) -> tuple[str, list[dict]]:
    """("INSTANCE_GROUP" or "INSTANCE_FLEET", the groups or fleets) of RunJobFlow's ``Instances``."""
    if instances.get("InstanceFleets"):
        if instances.get("InstanceGroups") or instances.get("MasterInstanceType"):
            raise validation("Please specify only one of InstanceFleets, InstanceGroups or "
                             "MasterInstanceType/SlaveInstanceType/InstanceCount.")
        fleets = [new_fleet(config, now) for config in instances["InstanceFleets"]]
        if [f["InstanceFleetType"] for f in fleets].count("MASTER") != 1:
            raise validation("Exactly one MASTER instance fleet is required.")
        return "INSTANCE_FLEET", fleets
    if instances.get("InstanceGroups"):
        if instances.get("MasterInstanceType"):
            raise validation("Please specify only one of InstanceGroups or "
                             "MasterInstanceType/SlaveInstanceType/InstanceCount.")
        groups = [new_group(config, now) for config in instances["InstanceGroups"]]
        roles = [g["InstanceGroupType"] for g in groups]
        if roles.count("MASTER") != 1:
            raise validation("Exactly one MASTER instance group is required.")
        if roles.count("CORE") > 1:
            raise validation("Only one CORE instance group is allowed.")
        return "INSTANCE_GROUP", groups
    if not instances.get("MasterInstanceType"):
        raise validation("Instance type for master instance group is required.")
    count = instances.get("InstanceCount", 1)
    if count < 1:
        raise validation("Instance count must be greater than 0.")
    configs = [{"InstanceRole": "MASTER", "InstanceType": instances["MasterInstanceType"], "InstanceCount": 1,
                "Name": "MASTER"}]
    if count > 1:
        configs.append({"InstanceRole": "CORE", "InstanceCount": count - 1, "Name": "CORE",
                        "InstanceType": instances.get("SlaveInstanceType") or instances["MasterInstanceType"]})
    return "INSTANCE_GROUP", [new_group(config, now) for config in configs]


def worker_count(cluster: Cluster) -> int:
    """How many executors a step gets: the cluster's running core and task capacity (at least one)."""
    total = sum(g["RunningInstanceCount"] for g in cluster.get("InstanceGroups", [])
                if g["InstanceGroupType"] != "MASTER")
    total += sum(f["ProvisionedOnDemandCapacity"] + f["ProvisionedSpotCapacity"]
                 for f in cluster.get("InstanceFleets", []) if f["InstanceFleetType"] != "MASTER")
    return max(total, 1)


def set_running(cluster: Cluster, now: float) -> None:
    """The instances are up: each group or fleet runs what it asked for."""
    for entry in cluster.get("InstanceGroups", []) + cluster.get("InstanceFleets", []):
        start_entry(entry, now)


def start_entry(entry: dict, now: float) -> None:
    """A group or fleet is up: it runs what it asked for."""
    if "RequestedInstanceCount" in entry:
        entry["RunningInstanceCount"] = entry["RequestedInstanceCount"]
    else:
        entry["ProvisionedOnDemandCapacity"] = entry["TargetOnDemandCapacity"]
        entry["ProvisionedSpotCapacity"] = entry["TargetSpotCapacity"]
    entry["Status"]["State"] = "RUNNING"
    entry["Status"]["Timeline"]["ReadyDateTime"] = now


def set_ended(cluster: Cluster, now: float) -> None:
    for collection in (cluster.get("InstanceGroups", []), cluster.get("InstanceFleets", [])):
        for entry in collection:
            entry["Status"]["State"] = "TERMINATED"
            entry["Status"]["Timeline"]["EndDateTime"] = now
            if "RunningInstanceCount" in entry:
                entry["RunningInstanceCount"] = 0


def _instances(cluster: Cluster) -> list[dict]:
    found = []
    for collection, count_of, member in (
            (cluster.get("InstanceGroups", []), lambda e: e["RequestedInstanceCount"], "InstanceGroupId"),
            (cluster.get("InstanceFleets", []),
             lambda e: e["TargetOnDemandCapacity"] + e["TargetSpotCapacity"], "InstanceFleetId")):
        for entry in collection:
            role = entry.get("InstanceGroupType") or entry.get("InstanceFleetType")
            instance_type = entry.get("InstanceType") or entry["InstanceTypeSpecifications"][0]["InstanceType"]
            for n in range(count_of(entry)):
                ec2_id = "i-" + stable_id("", f"{entry['Id']}/{n}", 17).lower()
                found.append({"Id": stable_id("ci-", f"{entry['Id']}/{n}", 13), "Ec2InstanceId": ec2_id,
                              "PrivateDnsName": f"ip-10-0-0-{len(found) + 10}.ec2.internal",
                              "PrivateIpAddress": f"10.0.0.{len(found) + 10}", member: entry["Id"],
                              "Market": entry.get("Market", "ON_DEMAND"), "InstanceType": instance_type,
                              "Status": {"State": "RUNNING" if entry["Status"]["State"] == "RUNNING"
                                         else entry["Status"]["State"].replace("PROVISIONING", "AWAITING_FULFILLMENT"),
                                         "StateChangeReason": {}, "Timeline": entry["Status"]["Timeline"]},
                              "Role": role})
    return found


class InstanceOps(EmrState):
    def list_instance_groups(self, ctx: RequestContext, params: dict) -> dict:
        return {"InstanceGroups": self.cluster(ctx, params["ClusterId"]).get("InstanceGroups", [])}

    def list_instance_fleets(self, ctx: RequestContext, params: dict) -> dict:
        return {"InstanceFleets": self.cluster(ctx, params["ClusterId"]).get("InstanceFleets", [])}

    def list_instances(self, ctx: RequestContext, params: dict) -> dict:
        found = _instances(self.cluster(ctx, params["ClusterId"]))
        if params.get("InstanceGroupId"):
            found = [i for i in found if i.get("InstanceGroupId") == params["InstanceGroupId"]]
        if params.get("InstanceFleetId"):
            found = [i for i in found if i.get("InstanceFleetId") == params["InstanceFleetId"]]
        roles = params.get("InstanceGroupTypes") or ([params["InstanceFleetType"]]
                                                     if params.get("InstanceFleetType") else None)
        if roles:
            found = [i for i in found if i["Role"] in roles]
        if params.get("InstanceStates"):
            found = [i for i in found if i["Status"]["State"] in params["InstanceStates"]]
        return {"Instances": [{k: v for k, v in i.items() if k != "Role"} for i in found]}

    def modify_instance_groups(self, ctx: RequestContext, params: dict) -> dict:
        for change in params.get("InstanceGroups") or []:
            with self.store.transaction():
                cluster = self._changeable(ctx, params.get("ClusterId"), change["InstanceGroupId"])
                group = next(g for g in cluster.get("InstanceGroups", []) if g["Id"] == change["InstanceGroupId"])
                if "InstanceCount" in change:
                    if group["InstanceGroupType"] == "MASTER":
                        raise validation("The master instance group cannot be resized.")
                    group["RequestedInstanceCount"] = group["RunningInstanceCount"] = change["InstanceCount"]
                save_cluster(self.store, cluster)
        return {}

    def modify_instance_fleet(self, ctx: RequestContext, params: dict) -> dict:
        change = params["InstanceFleet"]
        with self.store.transaction():
            cluster = self.cluster(ctx, params["ClusterId"])
            fleet = next((f for f in cluster.get("InstanceFleets", []) if f["Id"] == change["InstanceFleetId"]), None)
            if fleet is None:
                raise validation(f"Instance fleet {change['InstanceFleetId']} is not valid.")
            if cluster["Status"]["State"] in ENDED:
                raise validation("A job flow that is shutting down, terminated, or finished may not be modified.")
            for target, provisioned in (("TargetOnDemandCapacity", "ProvisionedOnDemandCapacity"),
                                        ("TargetSpotCapacity", "ProvisionedSpotCapacity")):
                if target in change:
                    fleet[target] = fleet[provisioned] = change[target]  # type: ignore[literal-required]
            save_cluster(self.store, cluster)
        return {}

    def _changeable(self, ctx: RequestContext, cluster_id: str | None, group_id: str) -> Cluster:
        clusters = [self.cluster(ctx, cluster_id)] if cluster_id else self.all_clusters(ctx)
        for cluster in clusters:
            if any(g["Id"] == group_id for g in cluster.get("InstanceGroups", [])):
                if cluster["Status"]["State"] in ENDED:
                    raise validation("A job flow that is shutting down, terminated, or finished may not be "
                                     "modified.")
                return cluster
        raise validation(f"Instance group {group_id} is not valid.")
