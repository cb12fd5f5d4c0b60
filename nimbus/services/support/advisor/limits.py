"""Service limit checks: usage against AWS's default quotas, yellow from 80% and red at 100%. Regional
quotas are reported for the home region and every region where the account uses the service."""
from __future__ import annotations

from collections.abc import Callable

from .catalog import LIMIT_COLUMNS, SERVICE_LIMITS, Check, register
from .reader import COLOUR, HOME_REGION, REGIONS, AccountReader, Outcome, Row, Status

WARNING_SHARE = 0.8
GLOBAL_REGION = "-"  # how AWS fills the Region column of a global quota (IAM)
IAM_USERS, IAM_ROLES, IAM_POLICIES, IAM_GROUPS = 5000, 1000, 1500, 300
CLOUDFORMATION_STACKS = 2000


def status_of(usage: int, limit: int) -> Status:
    return "error" if usage >= limit else "warning" if usage >= WARNING_SHARE * limit else "ok"


def limit_row(service: str, limit_name: str, region: str, limit: int, usage: int, resource: str) -> Row:
    status = status_of(usage, limit)
    return Row(status, resource, [region, service, limit_name, str(limit), str(usage), COLOUR[status]],
               None if region == GLOBAL_REGION else region)


def iam_quota(operation: str, items: str, limit: int, limit_name: str,
              params: dict | None = None) -> Callable[[AccountReader], Outcome]:
    def run(reader: AccountReader) -> Outcome:
        usage = sum(1 for _ in reader.pages("iam", operation, items, params))
        return Outcome([limit_row("IAM", limit_name, GLOBAL_REGION, limit, usage,
                                  f"arn:aws:iam::{reader.account}:root")])
    return run


def regional(usage_in: Callable[[AccountReader, str], tuple[int, int]], service: str, limit_name: str,
             resource: Callable[[str, str], str]) -> Callable[[AccountReader], Outcome]:
    def run(reader: AccountReader) -> Outcome:
        rows = []
        for region in REGIONS:
            usage, limit = usage_in(reader, region)
            if usage or region == HOME_REGION:
                rows.append(limit_row(service, limit_name, region, limit, usage, resource(region, reader.account)))
        return Outcome(rows)
    return run


def kinesis_shards(reader: AccountReader, region: str) -> tuple[int, int]:
    limits = reader.call("kinesis", "DescribeLimits", {}, region)
    return limits["OpenShardCount"], limits["ShardLimit"]


def cloudformation_stacks(reader: AccountReader, region: str) -> tuple[int, int]:
    live = [s for s in reader.pages("cloudformation", "ListStacks", "StackSummaries", {}, region,
                                    token=("NextToken", "NextToken"))
            if s["StackStatus"] != "DELETE_COMPLETE"]
    return len(live), CLOUDFORMATION_STACKS


def limit_check(check_id: str, name: str, services: tuple[str, ...], quota: str,
                 run: Callable[[AccountReader], Outcome]) -> None:
    register(Check(check_id, name, SERVICE_LIMITS, LIMIT_COLUMNS,
                   "Yellow: 80% of limit reached.<br>\nRed: 100% of limit reached.",
                   "If you expect to exceed the limit, request an increase in Service Quotas, or remove what is "
                   "no longer used.", services, run),
             f"Checks for usage that is more than 80% of the {quota} quota.")


limit_check("qS7VV0l7J9", "IAM Users", ("iam",), "IAM users",
             iam_quota("ListUsers", "Users", IAM_USERS, "Users"))
limit_check("oQ7TT0l7J9", "IAM Roles", ("iam",), "IAM roles",
             iam_quota("ListRoles", "Roles", IAM_ROLES, "Roles"))
limit_check("pR7UU0l7J9", "IAM Policies", ("iam",), "IAM policies",
             iam_quota("ListPolicies", "Policies", IAM_POLICIES, "Policies", {"Scope": "Local"}))
limit_check("sU7XX0l7J9", "IAM Group", ("iam",), "IAM group",
             iam_quota("ListGroups", "Groups", IAM_GROUPS, "Groups"))
limit_check("bW7HH0l7J9", "Kinesis Shards per Region", ("kinesis",), "Kinesis shards per Region",
             regional(kinesis_shards, "Kinesis", "Shards per region",
                      lambda region, account: f"arn:aws:kinesis:{region}:{account}:stream/*"))
limit_check("gW7HH0l7J9", "CloudFormation Stacks", ("cloudformation",), "CloudFormation stacks",
             regional(cloudformation_stacks, "CloudFormation", "Stacks",
                      lambda region, account: f"arn:aws:cloudformation:{region}:{account}:stack/*"))
