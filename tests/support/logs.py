"""CloudWatch Logs: log groups with a stream, and the virtual clock in epoch milliseconds."""
from __future__ import annotations

import json
import time

from tests.support.basics import unique, virtual_now


def virtual_now_ms(endpoint: str) -> int:
    return int(virtual_now(endpoint).timestamp() * 1000)


def group_with_stream(logs, stream: str = "app") -> str:
    """A new log group holding one stream."""
    group = f"/test/{unique('group')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return group


def logs_key(kms, account: str, region: str = "us-east-1") -> str:
    """The ARN of a KMS key whose policy lets CloudWatch Logs use it, as AWS documents the policy."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": f"logs.{region}.amazonaws.com"},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*", "Condition": {"ArnLike": {
             "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}}}]}
    return kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]


LOGS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def logs_role(iam) -> str:
    """A role CloudWatch Logs may assume (to deliver subscription records)."""
    return iam.create_role(RoleName=unique("cwl-role"), AssumeRolePolicyDocument=LOGS_TRUST)["Role"]["Arn"]


def insights_finished(logs, query_id: str, deadline: float = 30.0) -> dict:
    """GetQueryResults once the Insights query has ended (or the deadline passed)."""
    until = time.monotonic() + deadline
    while True:
        answer = logs.get_query_results(queryId=query_id)
        if answer["status"] not in ("Scheduled", "Running") or time.monotonic() > until:
            return answer
        time.sleep(0.05)
