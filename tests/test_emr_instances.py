"""Capacity added to running clusters (AddInstanceGroups, AddInstanceFleet) as the listings then show it,
EMR's refusals, and the resource-change event of a cluster that ends by itself."""
from __future__ import annotations

import time

import pytest

from tests.support import CLUSTER_DONE, emr_roles, emr_step, error_of, wait_cluster

FLEET = {"InstanceTypeConfigs": [{"InstanceType": "m5.xlarge", "WeightedCapacity": 1}]}


@pytest.fixture(scope="module")
def emr(aws):
    return aws("emr")


@pytest.fixture(scope="module")
def roles(aws):
    return emr_roles(aws("iam"))


def waiting_cluster(emr, roles, **instances) -> str:
    cluster_id = emr.run_job_flow(Name="capacity", ReleaseLabel="emr-7.5.0", Instances={
        "KeepJobFlowAliveWhenNoSteps": True, **instances}, **roles)["JobFlowId"]
    wait_cluster(emr, cluster_id, ("WAITING",))
    return cluster_id


def test_add_instance_groups(emr, roles):
    cluster_id = waiting_cluster(emr, roles, MasterInstanceType="m5.xlarge", InstanceCount=1)
    added = emr.add_instance_groups(JobFlowId=cluster_id, InstanceGroups=[
        {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2},
        {"Name": "spot tasks", "InstanceRole": "TASK", "InstanceType": "m5.2xlarge", "InstanceCount": 3,
         "Market": "SPOT", "BidPrice": "0.30"}])
    assert added["JobFlowId"] == cluster_id and added["ClusterArn"].endswith(cluster_id)
    groups = {g["Id"]: g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]}
    core, tasks = (groups[i] for i in added["InstanceGroupIds"])
    assert (core["InstanceGroupType"], core["RunningInstanceCount"], core["Status"]["State"]) == ("CORE", 2, "RUNNING")
    assert (tasks["Name"], tasks["Market"], tasks["BidPrice"], tasks["RunningInstanceCount"]) == (
        "spot tasks", "SPOT", "0.30", 3)
    assert len(emr.list_instances(ClusterId=cluster_id, InstanceGroupId=tasks["Id"])["Instances"]) == 3
    assert len(emr.list_instances(ClusterId=cluster_id)["Instances"]) == 6
    for groups_asked, words in [
        ([{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}], "master"),
        ([{"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1}], "Only one CORE"),
        ([{"InstanceRole": "TASK", "InstanceType": "huge", "InstanceCount": 1}], "not supported"),
    ]:
        error = error_of(emr.add_instance_groups, JobFlowId=cluster_id, InstanceGroups=groups_asked)
        assert (error.code, error.status) == ("ValidationException", 400) and words in error.message
    emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[{"InstanceGroupId": tasks["Id"], "InstanceCount": 1}])
    assert len(emr.list_instances(ClusterId=cluster_id, InstanceGroupId=tasks["Id"])["Instances"]) == 1
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
    error = error_of(emr.add_instance_groups, JobFlowId=cluster_id, InstanceGroups=[
        {"InstanceRole": "TASK", "InstanceType": "m5.xlarge", "InstanceCount": 1}])
    assert error.code == "ValidationException" and "may not be modified" in error.message
    assert error_of(emr.add_instance_groups, JobFlowId="j-NOPE", InstanceGroups=[
        {"InstanceRole": "TASK", "InstanceType": "m5.xlarge", "InstanceCount": 1}]).code == "InvalidRequestException"


def test_add_instance_fleet(emr, roles):
    cluster_id = waiting_cluster(emr, roles, InstanceFleets=[
        {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1, **FLEET}])
    added = emr.add_instance_fleet(ClusterId=cluster_id, InstanceFleet={
        "Name": "tasks", "InstanceFleetType": "TASK", "TargetSpotCapacity": 2, **FLEET})
    fleets = {f["Id"]: f for f in emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]}
    fleet = fleets[added["InstanceFleetId"]]
    assert (fleet["Name"], fleet["ProvisionedSpotCapacity"], fleet["Status"]["State"]) == ("tasks", 2, "RUNNING")
    assert len(emr.list_instances(ClusterId=cluster_id, InstanceFleetId=fleet["Id"])["Instances"]) == 2
    for fleet_asked, words in [({"InstanceFleetType": "TASK", **FLEET}, "only one TASK"),
                               ({"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 1, **FLEET}, "Only a TASK")]:
        error = error_of(emr.add_instance_fleet, ClusterId=cluster_id, InstanceFleet=fleet_asked)
        assert error.code == "ValidationException" and words in error.message
    error = error_of(emr.add_instance_groups, JobFlowId=cluster_id, InstanceGroups=[
        {"InstanceRole": "TASK", "InstanceType": "m5.xlarge", "InstanceCount": 1}])
    assert error.code == "ValidationException" and "instance fleets" in error.message
    emr.terminate_job_flows(JobFlowIds=[cluster_id])


def test_a_cluster_that_ends_by_itself_publishes_its_deletion(emr, roles, server):
    from nimbus.core.events import RESOURCE_CHANGE

    published: list = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, published.append)
    try:
        cluster_id = emr.run_job_flow(
            Name="transient", ReleaseLabel="emr-7.5.0", Steps=[emr_step("hello", "bash", "-c", "echo hello")],
            Instances={"MasterInstanceType": "m5.xlarge", "KeepJobFlowAliveWhenNoSteps": False}, **roles)["JobFlowId"]
        ended = wait_cluster(emr, cluster_id, CLUSTER_DONE)
        deadline = time.monotonic() + 10  # the engine publishes just after it stores the end
        while not any(e.change == "deleted" and e.resource_arn.endswith(cluster_id) for e in published) \
                and time.monotonic() < deadline:
            server.runtime.events.flush()
            time.sleep(0.1)
    finally:
        server.runtime.events.unsubscribe(RESOURCE_CHANGE, published.append)
    assert ended["Status"]["StateChangeReason"]["Code"] == "ALL_STEPS_COMPLETED"
    assert [e.change for e in published if e.resource_arn.endswith(cluster_id)] == ["created", "deleted"]
