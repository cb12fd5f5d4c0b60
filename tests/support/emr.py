"""EMR helpers: the two default roles a cluster needs, a step's shape, and waiting for a cluster's state."""
from __future__ import annotations

import json
import time

__all__ = ["CLUSTER_DONE", "STEPS_DONE", "emr_roles", "emr_step", "steps_by_name", "wait_cluster"]

CLUSTER_DONE = ("TERMINATED", "TERMINATED_WITH_ERRORS")
STEPS_DONE = ("COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED")


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]})


def emr_roles(iam) -> dict:
    """EMR_DefaultRole and the EMR_EC2_DefaultRole instance profile, as `aws emr create-default-roles` makes
    them: RunJobFlow's ServiceRole and JobFlowRole."""
    iam.create_role(RoleName="EMR_DefaultRole", AssumeRolePolicyDocument=_trust("elasticmapreduce.amazonaws.com"))
    iam.create_role(RoleName="EMR_EC2_DefaultRole", AssumeRolePolicyDocument=_trust("ec2.amazonaws.com"))
    iam.create_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")
    iam.add_role_to_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole", RoleName="EMR_EC2_DefaultRole")
    return {"ServiceRole": "EMR_DefaultRole", "JobFlowRole": "EMR_EC2_DefaultRole"}


def emr_step(name: str, *args: str, jar: str = "command-runner.jar", action: str = "CONTINUE",
             main_class: str | None = None) -> dict:
    jar_step: dict = {"Jar": jar, "Args": list(args), **({"MainClass": main_class} if main_class else {})}
    return {"Name": name, "ActionOnFailure": action, "HadoopJarStep": jar_step}


def wait_cluster(emr, cluster_id: str, states, deadline: float = 240) -> dict:
    end = time.monotonic() + deadline
    while True:
        cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        if cluster["Status"]["State"] in states:
            return cluster
        if time.monotonic() > end:
            raise AssertionError(f"cluster {cluster_id} is still {cluster['Status']}")
        time.sleep(0.3)


def steps_by_name(emr, cluster_id: str) -> dict:
    return {s["Name"]: s for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
