"""CloudTrail event history: every nimbus service's calls as AWS-shaped records, and LookupEvents."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests.support import call_every_service, unique


def lookup(ct, **kwargs) -> list[dict]:
    events, token = [], None
    while True:
        page = ct.lookup_events(**kwargs, **({"NextToken": token} if token else {}))
        events.extend(page["Events"])
        token = page.get("NextToken")
        if not token:
            return events


def record(event: dict) -> dict:
    return json.loads(event["CloudTrailEvent"])


def by_name(ct, name: str) -> list[dict]:
    return lookup(ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])


def test_every_service_is_recorded(aws, account):
    user = unique("u")
    aws("iam").create_user(UserName=user)
    aws("sts").get_caller_identity()
    key = aws("kms").create_key()["KeyMetadata"]["KeyId"]
    aws("kms").encrypt(KeyId=key, Plaintext=b"top secret")
    bucket = unique("ct-hist")
    aws("s3").create_bucket(Bucket=bucket)
    topic = aws("sns").create_topic(Name=unique("t"))["TopicArn"]
    group = unique("g")
    aws("logs").create_log_group(logGroupName=group)
    expected = call_every_service(aws)
    ct = aws("cloudtrail")
    sources = {e["EventSource"] for e in lookup(ct)}
    assert expected <= sources, expected - sources
    created = record(by_name(ct, "CreateUser")[0])
    assert created["requestParameters"] == {"userName": user}
    assert created["responseElements"]["user"]["userName"] == user
    assert created["awsRegion"] == "us-east-1" and created["eventSource"] == "iam.amazonaws.com"
    encrypt = record(by_name(ct, "Encrypt")[0])
    assert encrypt["requestParameters"]["plaintext"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert "top secret" not in json.dumps(encrypt)
    assert encrypt["resources"][0]["type"] == "AWS::KMS::Key"
    assert encrypt["resources"][0]["ARN"].endswith(key)
    topic_event = record(by_name(ct, "CreateTopic")[0])
    assert topic_event["responseElements"]["topicArn"] == topic
    bucket_event = record(by_name(ct, "CreateBucket")[0])
    assert bucket_event["requestParameters"]["bucketName"] == bucket
    assert any(e["EventName"] == "CreateLogGroup" for e in lookup(ct))


def test_record_schema(aws, account):
    ct = aws("cloudtrail")
    aws("kms").list_keys()
    rec = record(by_name(ct, "ListKeys")[0])
    assert rec["eventVersion"] >= "1.08"
    for field in ("userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
                  "userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly",
                  "eventType", "managementEvent", "recipientAccountId", "eventCategory", "tlsDetails"):
        assert field in rec, field
    assert rec["userIdentity"] == {"type": "Root", "principalId": account,
                                   "arn": f"arn:aws:iam::{account}:root", "accountId": account,
                                   "accessKeyId": account}
    assert rec["readOnly"] is True and rec["eventType"] == "AwsApiCall" and rec["managementEvent"] is True
    assert rec["eventCategory"] == "Management" and rec["recipientAccountId"] == account
    assert rec["userAgent"].startswith("Boto3/")
    datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ")


def test_errors_and_user_and_role_identities(aws, account, client):
    iam = aws("iam")
    user = unique("dev")
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    keys = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = client("kms", key=keys["AccessKeyId"], secret=keys["SecretAccessKey"])
    with pytest.raises(ClientError):
        as_user.describe_key(KeyId="alias/does-not-exist")
    ct = aws("cloudtrail")
    failed = record(by_name(ct, "DescribeKey")[0])
    assert failed["errorCode"] == "NotFoundException" and failed["errorMessage"]
    assert failed["userIdentity"]["type"] == "IAMUser" and failed["userIdentity"]["userName"] == user
    assert failed["userIdentity"]["accessKeyId"] == keys["AccessKeyId"]
    role = unique("r")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}))
    creds = aws("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="s1")["Credentials"]
    client("kms", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"]).list_aliases()
    session = record(by_name(ct, "ListAliases")[0])["userIdentity"]
    assert session["type"] == "AssumedRole" and session["arn"].endswith(f"assumed-role/{role}/s1")
    assert session["sessionContext"]["sessionIssuer"]["userName"] == role
    assert "policy" not in session["sessionContext"]
    events = lookup(ct, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "s1"}])
    assert any(e["EventName"] == "ListAliases" for e in events)


def test_service_calls_have_aws_service_identity(aws, account):
    ct = aws("cloudtrail")
    with pytest.raises(ClientError) as error:
        ct.create_trail(Name=unique("trail"), S3BucketName=unique("missing"))
    assert error.value.response["Error"]["Code"] == "S3BucketDoesNotExistException"
    head = record(by_name(ct, "HeadBucket")[0])
    assert head["userIdentity"] == {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
    assert head["sourceIPAddress"] == "cloudtrail.amazonaws.com"
    assert head["eventSource"] == "s3.amazonaws.com"


@pytest.mark.parametrize("attribute", ["EventId", "EventName", "ReadOnly", "Username", "ResourceType",
                                       "ResourceName", "EventSource", "AccessKeyId"])
def test_lookup_attributes(aws, account, attribute):
    ct = aws("cloudtrail")
    key = aws("kms").create_key(Description=unique("k"))["KeyMetadata"]
    aws("kms").encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    event = next(e for e in lookup(ct) if e["EventName"] == "Encrypt" and key["KeyId"] in e["CloudTrailEvent"])
    value = {"EventId": event["EventId"], "EventName": "Encrypt", "ReadOnly": "true", "Username": "root",
             "ResourceType": "AWS::KMS::Key", "ResourceName": key["Arn"], "EventSource": "kms.amazonaws.com",
             "AccessKeyId": account}[attribute]
    found = lookup(ct, LookupAttributes=[{"AttributeKey": attribute, "AttributeValue": value}])
    assert event["EventId"] in [e["EventId"] for e in found]
    if attribute != "Username" and attribute != "AccessKeyId":
        assert all(value in (e["EventId"], e["EventName"], e["ReadOnly"], e["EventSource"])
                   or any(value in (r["ResourceType"], r["ResourceName"]) for r in e["Resources"])
                   for e in found)
    if attribute == "ReadOnly":
        with pytest.raises(ClientError) as error:
            lookup(ct, LookupAttributes=[{"AttributeKey": attribute, "AttributeValue": "maybe"}])
        assert error.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    else:
        other = lookup(ct, LookupAttributes=[{"AttributeKey": attribute, "AttributeValue": "no-such-value"}])
        assert other == []


def test_newest_first_paging_and_time_range(aws):
    ct = aws("cloudtrail")
    sns = aws("sns")
    for _ in range(7):
        sns.list_topics()
    events = by_name(ct, "ListTopics")
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    first = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListTopics"}],
                             MaxResults=3)
    assert len(first["Events"]) == 3 and first["NextToken"]
    second = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListTopics"}],
                              MaxResults=3, NextToken=first["NextToken"])
    ids = [e["EventId"] for e in first["Events"] + second["Events"]]
    assert len(set(ids)) == 6 and ids == [e["EventId"] for e in events[:6]]
    future = datetime.now(UTC) + timedelta(days=400)
    assert ct.lookup_events(StartTime=future, EndTime=future + timedelta(hours=1))["Events"] == []
    recent = ct.lookup_events(StartTime=events[0]["EventTime"] - timedelta(seconds=1),
                              EndTime=events[0]["EventTime"] + timedelta(seconds=1))["Events"]
    assert events[0]["EventId"] in [e["EventId"] for e in recent]


def test_lookup_bad_input(aws):
    ct = aws("cloudtrail")
    start = datetime.now(UTC)
    with pytest.raises(ClientError) as error:
        ct.lookup_events(StartTime=start, EndTime=start - timedelta(hours=1))
    assert error.value.response["Error"]["Code"] == "InvalidTimeRangeException"
    with pytest.raises(ClientError) as error:
        ct.lookup_events(NextToken="not-a-token")
    assert error.value.response["Error"]["Code"] == "InvalidNextTokenException"
    token = ct.lookup_events(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as error:  # a token only continues the query that made it
        ct.lookup_events(MaxResults=1, NextToken=token,
                         LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
    assert error.value.response["Error"]["Code"] == "InvalidNextTokenException"
    with pytest.raises(ClientError) as error:
        ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "A"},
                                           {"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
    assert error.value.response["Error"]["Code"] == "InvalidLookupAttributesException"


def test_management_events_only(aws):
    s3 = aws("s3")
    bucket = unique("ct-data")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    ct = aws("cloudtrail")
    names = {e["EventName"] for e in lookup(ct)}
    assert "CreateBucket" in names and "PutObject" not in names


def test_lookup_events_with_the_aws_cli(aws, account, endpoint):
    import os
    import subprocess

    from tests.support import AWS_CLI
    name = unique("cli-topic")
    aws("sns").create_topic(Name=name)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([str(AWS_CLI), "--endpoint-url", endpoint, "cloudtrail", "lookup-events",
                          "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateTopic",
                          "--max-results", "5", "--output", "json"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    events = json.loads(out.stdout)["Events"]
    assert any(json.loads(e["CloudTrailEvent"])["requestParameters"] == {"name": name} for e in events)
