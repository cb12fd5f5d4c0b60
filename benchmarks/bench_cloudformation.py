"""CloudFormation: create and delete a 100-resource stack (S3 buckets, SNS topics, Logs groups, SSM
parameters, IAM roles and managed policies), nimbus vs moto, and the same resources made and deleted by
calling their APIs directly, one after another, as one client would.

Every metric is higher-is-better: resources per second through a stack and directly, and the engine's
speed against the direct calls (``direct time / stack time``: 1.0 means the engine costs nothing; above 1
it makes independent resources at once, faster than a client calling one by one).
"""
from __future__ import annotations

import json
import statistics
import time
import uuid

from benchmarks.harness import running

PER_KIND = 20  # buckets, topics, log groups, parameters; half as many roles and managed policies
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def template() -> dict:
    resources: dict[str, dict] = {}
    for i in range(PER_KIND):
        resources[f"Bucket{i}"] = {"Type": "AWS::S3::Bucket"}
        resources[f"Topic{i}"] = {"Type": "AWS::SNS::Topic"}
        resources[f"Logs{i}"] = {"Type": "AWS::Logs::LogGroup"}
        resources[f"Param{i}"] = {"Type": "AWS::SSM::Parameter", "Properties": {  # moto needs a Name
            "Name": {"Fn::Sub": f"/${{AWS::StackName}}/p{i}"}, "Type": "String", "Value": f"v{i}"}}
    for i in range(PER_KIND // 2):
        resources[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}}
        # Not attached to the roles: moto's DeleteStack deletes a role before detaching its policies (DeleteConflict).
        resources[f"Policy{i}"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": POLICY}}
    assert len(resources) == 100
    return {"Resources": resources}


def _settle(cf, stack_id: str, wanted: str) -> None:
    deadline = time.monotonic() + 300
    while True:
        status = cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            if status != wanted:
                raise RuntimeError(f"stack ended {status}, not {wanted}")
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"stack still {status}")
        time.sleep(0.02)


def through_stack(target) -> tuple[float, float]:
    """(create seconds, delete seconds) of the 100-resource stack."""
    cf = target.client("cloudformation")
    body = json.dumps(template())
    start = time.perf_counter()
    stack_id = cf.create_stack(StackName=f"bench-{uuid.uuid4().hex[:8]}", TemplateBody=body,
                               Capabilities=["CAPABILITY_IAM"])["StackId"]
    _settle(cf, stack_id, "CREATE_COMPLETE")
    created = time.perf_counter() - start
    start = time.perf_counter()
    cf.delete_stack(StackName=stack_id)
    _settle(cf, stack_id, "DELETE_COMPLETE")
    return created, time.perf_counter() - start


def directly(target) -> tuple[float, float]:
    """(create seconds, delete seconds) of the same resources, through the same APIs the stack calls."""
    s3, sns, logs, ssm, iam = (target.client(s) for s in ("s3", "sns", "logs", "ssm", "iam"))
    run = uuid.uuid4().hex[:8]
    start = time.perf_counter()
    topics, policies = [], []
    for i in range(PER_KIND):
        s3.create_bucket(Bucket=f"bench-{run}-{i}")
        topics.append(sns.create_topic(Name=f"bench-{run}-{i}")["TopicArn"])
        logs.create_log_group(logGroupName=f"bench-{run}-{i}")
        ssm.put_parameter(Name=f"bench-{run}-{i}", Type="String", Value=f"v{i}")
    for i in range(PER_KIND // 2):
        iam.create_role(RoleName=f"bench-{run}-{i}", AssumeRolePolicyDocument=json.dumps(TRUST))
        policies.append(iam.create_policy(PolicyName=f"bench-{run}-{i}", PolicyDocument=json.dumps(POLICY))[
            "Policy"]["Arn"])
    created = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(PER_KIND // 2):
        iam.delete_policy(PolicyArn=policies[i])
        iam.delete_role(RoleName=f"bench-{run}-{i}")
    for i in range(PER_KIND):
        ssm.delete_parameter(Name=f"bench-{run}-{i}")
        logs.delete_log_group(logGroupName=f"bench-{run}-{i}")
        sns.delete_topic(TopicArn=topics[i])
        s3.delete_bucket(Bucket=f"bench-{run}-{i}")
    return created, time.perf_counter() - start


def warm_up(target) -> None:
    """One call to each service first: a server's lazy loading of a service is not the engine's cost."""
    target.client("s3").list_buckets()
    target.client("sns").list_topics()
    target.client("logs").describe_log_groups()
    target.client("ssm").describe_parameters()
    target.client("iam").list_roles()
    target.client("cloudformation").list_stacks()


def measure(target, rounds: int) -> dict:
    warm_up(target)
    stack = [through_stack(target) for _ in range(rounds)]
    direct = [directly(target) for _ in range(rounds)]
    stack_create, stack_delete = (statistics.median(s[n] for s in stack) for n in (0, 1))
    direct_create, direct_delete = (statistics.median(d[n] for d in direct) for n in (0, 1))
    return {"stack_create_resources_per_s": 100 / stack_create, "stack_delete_resources_per_s": 100 / stack_delete,
            "direct_create_resources_per_s": 100 / direct_create,
            "direct_delete_resources_per_s": 100 / direct_delete,
            "stack_vs_direct_create": direct_create / stack_create,
            "stack_vs_direct_delete": direct_delete / stack_delete}


def run(seconds: float) -> list[dict]:
    rounds = max(1, round(seconds / 3))
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            rows.append({"server": name, **measure(target, rounds)})
    return rows
