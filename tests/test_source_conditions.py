"""aws:SourceArn and aws:SourceAccount in a service other than SNS: CloudTrail assumes the role that lets it
write to CloudWatch Logs on behalf of one trail, and the role's trust policy may trust CloudTrail for that
trail only (AWS's confused-deputy advice). The AssumeRole is the internal client's call with ``source=``;
the authorizer gives every policy both keys from it."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.support import advance_clock, error_of, make_client, start_server, unique


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    # Delivery happens on a clock jump: this module moves its own server's clock.
    with start_server(tmp_path_factory.mktemp("source-conditions")) as running:
        yield running


@pytest.fixture
def aws(own):
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")  # a fresh account: its own trails and history
    factory = lambda service: make_client(own.endpoint, service, key=account)  # noqa: E731
    factory.account = account
    return factory


def trust_policy(trail_arn: str, account: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceArn": trail_arn, "aws:SourceAccount": account}}}]})


def bucket_policy(bucket: str, account: str) -> str:
    service = {"Service": "cloudtrail.amazonaws.com"}
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": service, "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Effect": "Allow", "Principal": service, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*"}]})


def trail_logging_to_logs(aws, trust: dict[str, str]) -> tuple[str, str]:
    """A trail sending its events to a new log group through a role trusting CloudTrail for ``trust``
    (the source's trail ARN and account); returns the trail ARN and the group."""
    account, name, group, role = aws.account, unique("trail"), unique("group"), unique("role")
    bucket = unique("ct-bucket")
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{account}:trail/{name}"
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_bucket_policy(Bucket=bucket, Policy=bucket_policy(bucket, account))
    aws("logs").create_log_group(logGroupName=group)
    aws("iam").create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(
        trust.get("arn", trail_arn), trust.get("account", account)))
    aws("cloudtrail").create_trail(
        Name=name, S3BucketName=bucket, CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/{role}",
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{account}:log-group:{group}:*")
    aws("cloudtrail").start_logging(Name=name)
    return trail_arn, group


def delivered(aws, group: str) -> list[dict]:
    streams = aws("logs").describe_log_streams(logGroupName=group)["logStreams"]
    return [event for stream in streams for event in aws("logs").get_log_events(
        logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)["events"]]


def test_role_trust_grants_the_trail_it_names(own, aws):
    trail_arn, group = trail_logging_to_logs(aws, {})
    aws("sts").get_caller_identity()
    advance_clock(own.endpoint, 6)
    assert delivered(aws, group)
    status = aws("cloudtrail").get_trail_status(Name=trail_arn)
    assert "LatestCloudWatchLogsDeliveryError" not in status, status


@pytest.mark.parametrize("other", [{"arn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/other"},
                                   {"account": "999999999999"}], ids=["SourceArn", "SourceAccount"])
def test_role_trust_naming_another_source_refuses_the_trail(own, aws, other):
    # CloudTrail assumes the role for this trail when the trail is created: a trust naming another source
    # refuses it there, in CloudTrail's words.
    assert error_of(trail_logging_to_logs, aws, other).worded == (
        "InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role has adequate permissions.")
