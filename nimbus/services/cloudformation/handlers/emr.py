"""AWS::EMR::Cluster, Step, SecurityConfiguration, InstanceGroupConfig and InstanceFleetConfig, through
EMR's own API. A cluster is created when it is ready for work (RUNNING or WAITING), as CloudFormation waits
for it; a step resource is added to its cluster and left to run; a group or fleet is added to its
cluster."""
from __future__ import annotations

import json
import time

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, required, tag_list

_READY = ("RUNNING", "WAITING")
_ENDED = ("TERMINATED", "TERMINATED_WITH_ERRORS")
_INSTANCE_GROUPS = (("MasterInstanceGroup", "MASTER"), ("CoreInstanceGroup", "CORE"))
_INSTANCE_FLEETS = (("MasterInstanceFleet", "MASTER"), ("CoreInstanceFleet", "CORE"))


def _configurations(entries) -> list[dict]:
    return [{"Classification": e.get("Classification"), "Properties": e.get("ConfigurationProperties") or {},
             **({"Configurations": _configurations(e["Configurations"])} if e.get("Configurations") else {})}
            for e in entries or []]


def _group(template: dict, role: str) -> dict:
    group = {"InstanceRole": role, "InstanceType": template["InstanceType"],
             "InstanceCount": int(template["InstanceCount"]), "Market": template.get("Market", "ON_DEMAND")}
    for member in ("Name", "BidPrice"):
        if template.get(member):
            group[member] = template[member]
    return group


def _fleet(template: dict, role: str) -> dict:
    return {"InstanceFleetType": role, "TargetOnDemandCapacity": int(template.get("TargetOnDemandCapacity", 0)),
            "TargetSpotCapacity": int(template.get("TargetSpotCapacity", 0)),
            "InstanceTypeConfigs": template.get("InstanceTypeConfigs") or [],
            **({"Name": template["Name"]} if template.get("Name") else {})}


def _instances(template: dict) -> dict:
    instances: dict = {"KeepJobFlowAliveWhenNoSteps": boolean(template.get("KeepJobFlowAliveWhenNoSteps", True)),
                       "TerminationProtected": boolean(template.get("TerminationProtected", False))}
    groups = [_group(template[k], role) for k, role in _INSTANCE_GROUPS if template.get(k)]
    groups += [_group(g, "TASK") for g in template.get("TaskInstanceGroups") or []]
    fleets = [_fleet(template[k], role) for k, role in _INSTANCE_FLEETS if template.get(k)]
    if groups:
        instances["InstanceGroups"] = groups
    if fleets:
        instances["InstanceFleets"] = fleets
    for member in ("Ec2KeyName", "Ec2SubnetId"):
        if template.get(member):
            instances[member] = template[member]
    return instances


def step_config(template: dict) -> dict:
    jar = template["HadoopJarStep"]
    return {"Name": template["Name"], "ActionOnFailure": template.get("ActionOnFailure", "CONTINUE"),
            "HadoopJarStep": {"Jar": jar["Jar"], "Args": jar.get("Args") or [],
                              **({"MainClass": jar["MainClass"]} if jar.get("MainClass") else {}),
                              **({"Properties": jar["StepProperties"]} if jar.get("StepProperties") else {})}}


class Cluster(Handler):
    type_name = "AWS::EMR::Cluster"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Name", "Instances", "JobFlowRole", "ServiceRole")
        params: dict = {"Name": properties["Name"], "Instances": _instances(properties["Instances"]),
                        "JobFlowRole": properties["JobFlowRole"], "ServiceRole": properties["ServiceRole"],
                        "ReleaseLabel": properties.get("ReleaseLabel", "emr-7.5.0"),
                        "VisibleToAllUsers": boolean(properties.get("VisibleToAllUsers", True)),
                        "Applications": [{"Name": a["Name"]} for a in properties.get("Applications") or []],
                        "Configurations": _configurations(properties.get("Configurations")),
                        "BootstrapActions": properties.get("BootstrapActions") or [],
                        "Steps": [step_config(s) for s in properties.get("Steps") or []],
                        "Tags": tag_list(properties.get("Tags"))}
        for member in ("LogUri", "SecurityConfiguration", "AutoTerminationPolicy"):
            if properties.get(member):
                params[member] = properties[member]
        if properties.get("StepConcurrencyLevel"):
            params["StepConcurrencyLevel"] = int(properties["StepConcurrencyLevel"])
        cluster_id = api.call("emr", "RunJobFlow", params)["JobFlowId"]
        deadline = time.monotonic() + 600
        while True:
            status = api.call("emr", "DescribeCluster", {"ClusterId": cluster_id})["Cluster"]["Status"]
            if status["State"] in _READY or (status["State"] in _ENDED and not params["Instances"][
                    "KeepJobFlowAliveWhenNoSteps"] and status["StateChangeReason"].get("Code") == "ALL_STEPS_COMPLETED"):
                break
            if status["State"] in _ENDED or status["State"] == "TERMINATING" or time.monotonic() > deadline:
                raise ServiceError("InvalidRequest", f"Cluster {cluster_id} failed to start: "
                                   f"{status['StateChangeReason'].get('Message', status['State'])}")
            time.sleep(0.2)
        return Created(cluster_id, {"Id": cluster_id, "MasterPublicDNS": "ip-10-0-0-10.ec2.internal",
                                    "Arn": api.arn("elasticmapreduce", f"cluster/{cluster_id}")})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        protected = boolean(new["Instances"].get("TerminationProtected", False))
        if protected != boolean(old["Instances"].get("TerminationProtected", False)):
            api.call("emr", "SetTerminationProtection", {"JobFlowIds": [physical_id], "TerminationProtected": protected})
        if old.get("Tags") != new.get("Tags"):
            dropped = {t["Key"] for t in tag_list(old.get("Tags"))} - {t["Key"] for t in tag_list(new.get("Tags"))}
            if dropped:
                api.call("emr", "RemoveTags", {"ResourceId": physical_id, "TagKeys": sorted(dropped)})
            if new.get("Tags"):
                api.call("emr", "AddTags", {"ResourceId": physical_id, "Tags": tag_list(new["Tags"])})
        return {"Id": physical_id, "MasterPublicDNS": "ip-10-0-0-10.ec2.internal",
                "Arn": api.arn("elasticmapreduce", f"cluster/{physical_id}")}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        try:
            api.call("emr", "SetTerminationProtection", {"JobFlowIds": [physical_id], "TerminationProtected": False})
        except ServiceError:
            pass  # already ended
        api.call("emr", "TerminateJobFlows", {"JobFlowIds": [physical_id]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        cluster = api.call("emr", "DescribeCluster", {"ClusterId": physical_id})["Cluster"]
        live: dict = {"Name": cluster["Name"], "ReleaseLabel": cluster["ReleaseLabel"],
                      "ServiceRole": cluster["ServiceRole"], "VisibleToAllUsers": cluster["VisibleToAllUsers"]}
        if cluster.get("Tags"):
            live["Tags"] = cluster["Tags"]
        return live


class Step(Handler):
    type_name = "AWS::EMR::Step"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "JobFlowId", "Name", "HadoopJarStep")
        [step_id] = api.call("emr", "AddJobFlowSteps", {"JobFlowId": properties["JobFlowId"],
                                                        "Steps": [step_config(properties)]})["StepIds"]
        return Created(step_id, {"Id": step_id})

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        """A step cannot be removed from its cluster; deleting the resource forgets it, as AWS does."""


class SecurityConfiguration(Handler):
    type_name = "AWS::EMR::SecurityConfiguration"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "SecurityConfiguration")
        name = properties.get("Name") or api.physical_name(10280)
        document = properties["SecurityConfiguration"]
        api.call("emr", "CreateSecurityConfiguration", {"Name": name, "SecurityConfiguration": document
                                                        if isinstance(document, str) else json.dumps(document)})
        return Created(name, {})

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("emr", "DeleteSecurityConfiguration", {"Name": physical_id})


class InstanceGroupConfig(Handler):
    """A task (or core) group added to a running cluster; its InstanceCount is resized in place, and
    deleting it resizes it to 0 (EMR has no call that removes an instance group)."""
    type_name = "AWS::EMR::InstanceGroupConfig"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "JobFlowId", "InstanceRole", "InstanceType", "InstanceCount")
        group = _group(properties, properties["InstanceRole"])
        if properties.get("Configurations"):
            group["Configurations"] = _configurations(properties["Configurations"])
        [group_id] = api.call("emr", "AddInstanceGroups", {"JobFlowId": properties["JobFlowId"],
                                                           "InstanceGroups": [group]})["InstanceGroupIds"]
        return Created(group_id, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        self._resize(api, new["JobFlowId"], physical_id, int(new["InstanceCount"]))
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        try:
            self._resize(api, properties["JobFlowId"], physical_id, 0)
        except ServiceError:
            pass  # the cluster has ended: so has the group

    @staticmethod
    def _resize(api: Api, cluster_id: str, group_id: str, count: int) -> None:
        api.call("emr", "ModifyInstanceGroups", {"ClusterId": cluster_id, "InstanceGroups": [
            {"InstanceGroupId": group_id, "InstanceCount": count}]})


class InstanceFleetConfig(Handler):
    """A task fleet added to a running cluster; its target capacities change in place, and deleting it
    sets them to 0."""
    type_name = "AWS::EMR::InstanceFleetConfig"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "ClusterId", "InstanceFleetType")
        fleet_id = api.call("emr", "AddInstanceFleet", {
            "ClusterId": properties["ClusterId"],
            "InstanceFleet": _fleet(properties, properties["InstanceFleetType"])})["InstanceFleetId"]
        return Created(fleet_id, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        self._target(api, new["ClusterId"], physical_id, int(new.get("TargetOnDemandCapacity", 0)),
                     int(new.get("TargetSpotCapacity", 0)))
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        try:
            self._target(api, properties["ClusterId"], physical_id, 0, 0)
        except ServiceError:
            pass  # the cluster has ended: so has the fleet

    @staticmethod
    def _target(api: Api, cluster_id: str, fleet_id: str, on_demand: int, spot: int) -> None:
        api.call("emr", "ModifyInstanceFleet", {"ClusterId": cluster_id, "InstanceFleet": {
            "InstanceFleetId": fleet_id, "TargetOnDemandCapacity": on_demand, "TargetSpotCapacity": spot}})
