"""AWS::EMR::Cluster, Step, SecurityConfiguration, InstanceGroupConfig and InstanceFleetConfig: a stack makes a real cluster (ready
before the stack completes), adds a step that runs, and terminates the cluster when deleted."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import CLUSTER_DONE, emr_roles, settled_stack, stack_resources, steps_by_name, unique, wait_cluster

TEMPLATE = {
    "Resources": {
        "Encryption": {"Type": "AWS::EMR::SecurityConfiguration",
                       "Properties": {"SecurityConfiguration": {"EncryptionConfiguration": {
                           "EnableInTransitEncryption": False, "EnableAtRestEncryption": False}}}},
        "Cluster": {"Type": "AWS::EMR::Cluster", "Properties": {
            "Name": "from-a-stack", "ReleaseLabel": "emr-7.5.0", "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole", "SecurityConfiguration": {"Ref": "Encryption"},
            "Applications": [{"Name": "Spark"}],
            "Instances": {"MasterInstanceGroup": {"InstanceCount": 1, "InstanceType": "m5.xlarge"},
                          "CoreInstanceGroup": {"InstanceCount": 2, "InstanceType": "m5.xlarge", "Market": "SPOT",
                                                "BidPrice": "0.10"}},
            "Tags": [{"Key": "stack", "Value": "yes"}]}},
        "Hello": {"Type": "AWS::EMR::Step", "Properties": {
            "JobFlowId": {"Ref": "Cluster"}, "Name": "hello", "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["bash", "-c", "echo hello"]}}},
    },
    "Outputs": {"Dns": {"Value": {"Fn::GetAtt": ["Cluster", "MasterPublicDNS"]}}},
}


@pytest.fixture(scope="module")
def roles(aws):
    return emr_roles(aws("iam"))


def test_a_stack_makes_a_cluster_with_a_step_and_terminates_it_when_deleted(aws, roles):
    cf, emr = aws("cloudformation"), aws("emr")
    name = unique("emr-stack")
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE))["StackId"]
    stack = settled_stack(cf, name, timeout=180)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    resources = stack_resources(cf, name)
    cluster_id = resources["Cluster"]
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["SecurityConfiguration"] == resources["Encryption"]
    assert cluster["Tags"] == [{"Key": "stack", "Value": "yes"}]
    spot = [g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"] if g["Market"] == "SPOT"]
    assert spot[0]["BidPrice"] == "0.10"
    deadline = time.monotonic() + 60
    while steps_by_name(emr, cluster_id)["hello"]["Status"]["State"] != "COMPLETED":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert steps_by_name(emr, cluster_id)["hello"]["Id"] == resources["Hello"]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id, timeout=120)["StackStatus"] == "DELETE_COMPLETE"
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
    assert emr.list_security_configurations()["SecurityConfigurations"] == []


def _cluster(name: str, instances: dict) -> dict:
    return {"Type": "AWS::EMR::Cluster", "Properties": {
        "Name": name, "ReleaseLabel": "emr-7.5.0", "JobFlowRole": "EMR_EC2_DefaultRole",
        "ServiceRole": "EMR_DefaultRole", "Instances": instances}}


def _capacity_template(task_count: int, spot: int) -> dict:
    fleet = {"InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]}
    return {"Resources": {
        "Groups": _cluster("groups", {"MasterInstanceGroup": {"InstanceCount": 1, "InstanceType": "m5.xlarge"}}),
        "Fleets": _cluster("fleets", {"MasterInstanceFleet": {"TargetOnDemandCapacity": 1, **fleet}}),
        "Tasks": {"Type": "AWS::EMR::InstanceGroupConfig", "Properties": {
            "JobFlowId": {"Ref": "Groups"}, "InstanceRole": "TASK", "InstanceType": "m5.2xlarge",
            "InstanceCount": task_count, "Market": "SPOT", "BidPrice": "0.20", "Name": "tasks"}},
        "TaskFleet": {"Type": "AWS::EMR::InstanceFleetConfig", "Properties": {
            "ClusterId": {"Ref": "Fleets"}, "InstanceFleetType": "TASK", "Name": "task-fleet",
            "TargetSpotCapacity": spot, **fleet}},
    }}


def test_instance_group_and_fleet_configs_add_capacity_and_resize_it(aws, roles):
    cf, emr = aws("cloudformation"), aws("emr")
    name = unique("emr-capacity")
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(_capacity_template(2, 3)))["StackId"]
    assert settled_stack(cf, name, timeout=180)["StackStatus"] == "CREATE_COMPLETE"
    resources = stack_resources(cf, name)
    [tasks] = [g for g in emr.list_instance_groups(ClusterId=resources["Groups"])["InstanceGroups"]
               if g["InstanceGroupType"] == "TASK"]
    assert (tasks["Id"], tasks["Name"], tasks["BidPrice"], tasks["RunningInstanceCount"]) == (
        resources["Tasks"], "tasks", "0.20", 2)
    [fleet] = [f for f in emr.list_instance_fleets(ClusterId=resources["Fleets"])["InstanceFleets"]
               if f["InstanceFleetType"] == "TASK"]
    assert (fleet["Id"], fleet["ProvisionedSpotCapacity"]) == (resources["TaskFleet"], 3)
    cf.update_stack(StackName=name, TemplateBody=json.dumps(_capacity_template(4, 1)))
    assert settled_stack(cf, name, timeout=120)["StackStatus"] == "UPDATE_COMPLETE"
    assert [g["RunningInstanceCount"] for g in emr.list_instance_groups(ClusterId=resources["Groups"])[
        "InstanceGroups"] if g["Id"] == resources["Tasks"]] == [4]
    assert [f["ProvisionedSpotCapacity"] for f in emr.list_instance_fleets(ClusterId=resources["Fleets"])[
        "InstanceFleets"] if f["Id"] == resources["TaskFleet"]] == [1]
    assert stack_resources(cf, name)["Tasks"] == resources["Tasks"]  # resized in place, not replaced
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id, timeout=120)["StackStatus"] == "DELETE_COMPLETE"
