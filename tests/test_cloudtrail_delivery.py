"""CloudTrail delivery on its own server (the tests move its clock by hours and days): log files in S3,
SNS notifications, CloudWatch Logs, failures and retries, data events."""
from __future__ import annotations

import json
import re
import time

import pytest

from tests.support import (
    Endpoint,
    account_key,
    advance_clock,
    all_records,
    bucket_policy,
    call_every_service,
    log_files,
    make_client,
    read_records,
    start_server,
    trail_bucket,
    unique,
    validate_logs,
    virtual_now,
)

FILE_KEY = re.compile(r"^(?:pfx/)?AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
                      r"\1_CloudTrail_\2_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$")


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("cloudtrail")) as running:
        yield running


@pytest.fixture
def account():
    return account_key()


@pytest.fixture
def aws(own, account):
    """Clients of a fresh account per test (AWS allows five trails per region)."""
    def factory(service, **kw):
        factory.account = account
        return make_client(own.endpoint, service, key=account, **kw)
    return factory


def logging_trail(aws, **options) -> tuple[str, str]:
    bucket = trail_bucket(aws("s3"), aws.account, options.get("S3KeyPrefix", ""))
    name = unique("trail")
    aws("cloudtrail").create_trail(Name=name, S3BucketName=bucket, **options)
    aws("cloudtrail").start_logging(Name=name)
    return name, bucket


def test_files_hold_every_service_s_calls(own, aws):
    name, bucket = logging_trail(aws, S3KeyPrefix="pfx")
    s3, kms = aws("s3"), aws("kms")
    user = unique("u")
    aws("iam").create_user(UserName=user)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.encrypt(KeyId=key, Plaintext=b"payload")
    aws("sts").get_caller_identity()
    aws("sns").create_topic(Name=unique("t"))
    aws("logs").create_log_group(logGroupName=unique("g"))
    other = unique("ct-other")
    s3.create_bucket(Bucket=other)
    expected = call_every_service(aws)
    advance_clock(own.endpoint, 6)
    keys = log_files(s3, bucket)
    assert keys and all(FILE_KEY.match(k) for k in keys), keys
    head = s3.head_object(Bucket=bucket, Key=keys[0])
    assert head["ServerSideEncryption"] == "AES256"
    records = all_records(s3, bucket)
    sources = {r["eventSource"] for r in records}
    assert expected <= sources, expected - sources
    encrypt = next(r for r in records if r["eventName"] == "Encrypt")
    assert encrypt["requestParameters"]["plaintext"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert any(r["eventName"] == "StartLogging" for r in records)
    # Management events only by default: no object-level calls, not even CloudTrail's own writes.
    assert not any(r["eventName"] == "PutObject" for r in records)
    status = aws("cloudtrail").get_trail_status(Name=name)
    assert status["LatestDeliveryTime"] and "LatestDeliveryError" not in status


def test_the_default_interval_delivers_without_clock_jumps(own, aws):
    name, bucket = logging_trail(aws)
    aws("kms").list_keys()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not log_files(aws("s3"), bucket):
        time.sleep(0.2)
    assert any(r["eventName"] == "ListKeys" for r in all_records(aws("s3"), bucket))


def test_failed_delivery_shows_in_status_and_is_retried(own, aws):
    s3 = aws("s3")
    name, bucket = logging_trail(aws)
    advance_clock(own.endpoint, 6)
    for key in log_files(s3, bucket):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
    marker = unique("marker")
    aws("sns").create_topic(Name=marker)
    advance_clock(own.endpoint, 6)
    status = aws("cloudtrail").get_trail_status(Name=name)
    assert status["LatestDeliveryError"].startswith("NoSuchBucket")
    s3.create_bucket(Bucket=bucket)  # a new bucket: CloudTrail may write only once its policy says so
    s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy(bucket, aws.account))
    advance_clock(own.endpoint, 6)
    status = aws("cloudtrail").get_trail_status(Name=name)
    assert "LatestDeliveryError" not in status
    assert any(r["eventName"] == "CreateTopic" and r["requestParameters"]["name"] == marker
               for r in all_records(s3, bucket))


def test_stopped_trail_delivers_no_more(own, aws):
    name, bucket = logging_trail(aws)
    aws("cloudtrail").stop_logging(Name=name)
    marker = unique("after-stop")
    aws("sns").create_topic(Name=marker)
    advance_clock(own.endpoint, 6)
    assert not any(marker in json.dumps(r) for r in all_records(aws("s3"), bucket))


def test_sns_notification_per_file(own, aws):
    sns = aws("sns")
    topic = sns.create_topic(Name=unique("ct-notify"))["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "SNS:Publish", "Resource": topic}]}))
    endpoint = Endpoint()
    try:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
        confirm = json.loads(endpoint.wait_for(1, "SubscriptionConfirmation")[0]["body"])
        sns.confirm_subscription(TopicArn=topic, Token=confirm["Token"])
        name, bucket = logging_trail(aws, SnsTopicName=topic)
        aws("kms").list_aliases()
        advance_clock(own.endpoint, 6)
        message = json.loads(json.loads(endpoint.wait_for(1, "Notification")[0]["body"])["Message"])
        assert message["s3Bucket"] == bucket
        assert message["s3ObjectKey"][0] in log_files(aws("s3"), bucket)
        status = aws("cloudtrail").get_trail_status(Name=name)
        assert status["LatestNotificationTime"] and "LatestNotificationError" not in status
    finally:
        endpoint.close()


def test_cloudwatch_logs_delivery(own, aws, account):
    logs = aws("logs")
    group = unique("ct-group")
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:us-east-1:{account}:log-group:{group}:*"
    role = unique("ct-role")
    aws("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    name, _ = logging_trail(aws, CloudWatchLogsLogGroupArn=group_arn,
                            CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/{role}")
    marker = unique("to-logs")
    aws("sns").create_topic(Name=marker)
    own.runtime.events.flush()  # the call's record reaches CloudTrail before the clock moves
    advance_clock(own.endpoint, 6)
    assert any(e["record"].get("requestParameters", {}) == {"name": marker} for e in _stream(aws, group, account))
    assert aws("cloudtrail").get_trail_status(Name=name)["LatestCloudWatchLogsDeliveryTime"]


def _trusting_cloudtrail(aws, role: str) -> None:
    aws("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))


def _logs_trail(aws, account) -> tuple[str, str, str]:
    group, role = unique("ct-retried"), unique("ct-role")
    aws("logs").create_log_group(logGroupName=group)
    _trusting_cloudtrail(aws, role)
    name, _ = logging_trail(aws, CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{account}:log-group:{group}:*",
                            CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/{role}")
    return name, group, role


def _stream(aws, group: str, account: str) -> list[dict]:
    """Every event of the trail's stream, oldest first, with its record parsed."""
    events, token = [], None
    while True:
        page = aws("logs").get_log_events(logGroupName=group, logStreamName=f"{account}_CloudTrail_us-east-1",
                                          startFromHead=True, **({"nextToken": token} if token else {}))
        events += page["events"]
        if not page["events"] or page["nextForwardToken"] == token:
            return [{**e, "record": json.loads(e["message"])} for e in events]
        token = page["nextForwardToken"]


def test_cloudwatch_logs_delivery_is_retried_until_the_group_is_back(own, aws, account):
    logs, ct = aws("logs"), aws("cloudtrail")
    name, group, _ = _logs_trail(aws, account)
    before = unique("before")
    aws("sns").create_topic(Name=before)
    # Which tick delivers the first call depends on when the trail's interval started (and, under load, on
    # when the call's record reached CloudTrail: a real-time tick may deliver just before it does), so the
    # clock moves until that call shows in the group (bounded).
    for _ in range(5):
        advance_clock(own.endpoint, 6)
        first = ct.get_trail_status(Name=name)
        if "LatestCloudWatchLogsDeliveryTime" in first and any(
                e["record"].get("requestParameters") == {"name": before} for e in _stream(aws, group, account)):
            break
    assert first.get("LatestCloudWatchLogsDeliveryTime") and "LatestCloudWatchLogsDeliveryError" not in first
    logs.delete_log_group(logGroupName=group)
    markers = [unique("while-gone") for _ in range(3)]
    for marker in markers:
        aws("sns").create_topic(Name=marker)
    advance_clock(own.endpoint, 6)
    aws("kms").list_keys()
    advance_clock(own.endpoint, 6)  # a second failing tick: nothing is sent twice later
    status = ct.get_trail_status(Name=name)
    assert status["LatestCloudWatchLogsDeliveryError"].startswith("ResourceNotFoundException"), status
    assert status["LatestCloudWatchLogsDeliveryTime"] == first["LatestCloudWatchLogsDeliveryTime"]
    assert "LatestDeliveryError" not in status  # S3 files went out meanwhile
    logs.create_log_group(logGroupName=group)
    advance_clock(own.endpoint, 6)
    events = _stream(aws, group, account)
    records = [e["record"] for e in events]
    assert [r["requestParameters"]["name"] for r in records if r["eventName"] == "CreateTopic"] == markers
    assert any(r["eventName"] == "ListKeys" for r in records)
    assert len({r["eventID"] for r in records}) == len(records)  # exactly once
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    status = ct.get_trail_status(Name=name)
    assert "LatestCloudWatchLogsDeliveryError" not in status
    assert status["LatestCloudWatchLogsDeliveryTime"] > first["LatestCloudWatchLogsDeliveryTime"]


def test_cloudwatch_logs_delivery_waits_for_a_role_cloudtrail_may_assume(own, aws, account):
    name, group, role = _logs_trail(aws, account)
    advance_clock(own.endpoint, 6)
    aws("iam").delete_role(RoleName=role)
    marker = unique("no-role")
    aws("sns").create_topic(Name=marker)
    advance_clock(own.endpoint, 3601)  # the hour's session is over: CloudTrail must assume the role again
    status = aws("cloudtrail").get_trail_status(Name=name)
    assert status["LatestCloudWatchLogsDeliveryError"].startswith("AccessDenied"), status
    assert "sts:AssumeRole" in status["LatestCloudWatchLogsDeliveryError"]
    assert not any(marker in e["message"] for e in _stream(aws, group, account))
    _trusting_cloudtrail(aws, role)
    advance_clock(own.endpoint, 6)
    assert sum(marker in e["message"] for e in _stream(aws, group, account)) == 1
    assert "LatestCloudWatchLogsDeliveryError" not in aws("cloudtrail").get_trail_status(Name=name)


def test_cloudwatch_logs_get_nothing_from_while_the_trail_was_stopped(own, aws, account):
    ct = aws("cloudtrail")
    name, group, _ = _logs_trail(aws, account)
    advance_clock(own.endpoint, 6)
    ct.stop_logging(Name=name)
    unlogged = unique("while-stopped")
    aws("sns").create_topic(Name=unlogged)
    ct.start_logging(Name=name)
    logged = unique("restarted")
    aws("sns").create_topic(Name=logged)
    advance_clock(own.endpoint, 6)
    messages = [e["message"] for e in _stream(aws, group, account)]
    assert sum(logged in m for m in messages) == 1 and not any(unlogged in m for m in messages)


def test_s3_data_events_for_chosen_buckets(own, aws):
    s3, ct = aws("s3"), aws("cloudtrail")
    name, bucket = logging_trail(aws)
    watched, unwatched = unique("ct-watched"), unique("ct-unwatched")
    s3.create_bucket(Bucket=watched)
    s3.create_bucket(Bucket=unwatched)
    ct.put_event_selectors(TrailName=name, EventSelectors=[{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": False,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{watched}/"]}]}])
    s3.put_object(Bucket=watched, Key="in.txt", Body=b"secret body")
    s3.get_object(Bucket=watched, Key="in.txt")["Body"].read()
    s3.put_object(Bucket=unwatched, Key="out.txt", Body=b"x")
    advance_clock(own.endpoint, 6)
    records = all_records(s3, bucket)
    puts = [r for r in records if r["eventName"] == "PutObject"]
    assert [r["requestParameters"]["bucketName"] for r in puts] == [watched]
    assert puts[0]["eventCategory"] == "Data" and puts[0]["managementEvent"] is False
    assert puts[0]["requestParameters"]["key"] == "in.txt"
    assert any(r["type"] == "AWS::S3::Object" and r["ARN"] == f"arn:aws:s3:::{watched}/in.txt"
               for r in puts[0]["resources"])
    assert "secret body" not in json.dumps(records)
    assert not any(r["eventName"] == "GetObject" for r in records)  # write-only
    assert not any(r["managementEvent"] for r in records if r["eventTime"] >= puts[0]["eventTime"])


def test_advanced_selectors_exclude_kms(own, aws):
    ct = aws("cloudtrail")
    name, bucket = logging_trail(aws)
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=[{"Name": "no kms", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]}]}])
    aws("kms").list_keys()
    marker = unique("kept")
    aws("sns").create_topic(Name=marker)
    advance_clock(own.endpoint, 6)
    records = [r for r in all_records(aws("s3"), bucket) if r["eventName"] != "PutEventSelectors"]
    assert any(marker in json.dumps(r) for r in records)
    assert not any(r["eventSource"] == "kms.amazonaws.com" for r in records)


def test_kms_encrypted_trail(own, aws, account):
    kms = aws("kms")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*",
         "Resource": "*"}]})
    key = kms.create_key(Policy=policy)["KeyMetadata"]["Arn"]
    name, bucket = logging_trail(aws, KmsKeyId=key)
    aws("sns").list_topics()
    advance_clock(own.endpoint, 6)
    keys = log_files(aws("s3"), bucket)
    assert keys
    head = aws("s3").head_object(Bucket=bucket, Key=keys[0])
    if head["ServerSideEncryption"] == "aws:kms":
        assert head["SSEKMSKeyId"] == key
    else:  # this S3 has no SSE-KMS yet: the trail's key still makes the data key (recorded as CloudTrail's)
        generated = [r for r in all_records(aws("s3"), bucket) if r["eventName"] == "GenerateDataKey"]
        advance_clock(own.endpoint, 6)
        generated += [r for r in all_records(aws("s3"), bucket) if r["eventName"] == "GenerateDataKey"]
        assert any(r["userIdentity"].get("invokedBy") == "cloudtrail.amazonaws.com" for r in generated)
    assert read_records(aws("s3"), bucket, keys[0])


def test_history_keeps_ninety_days(own, aws):
    ct = aws("cloudtrail", region="eu-west-1")
    marker = unique("old")
    aws("sns", region="eu-west-1").create_topic(Name=marker)
    assert any(marker in e["CloudTrailEvent"] for e in ct.lookup_events()["Events"])
    advance_clock(own.endpoint, 89 * 86400)
    assert any(marker in e["CloudTrailEvent"] for e in ct.lookup_events()["Events"])
    advance_clock(own.endpoint, 2 * 86400)
    assert not any(marker in e["CloudTrailEvent"] for e in ct.lookup_events()["Events"])


def test_history_trails_and_chains_survive_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        aws = lambda service: make_client(first.endpoint, service)  # noqa: E731
        aws.account = "000000000000"
        name, bucket = logging_trail(aws, EnableLogFileValidation=True)
        arn = aws("cloudtrail").get_trail(Name=name)["Trail"]["TrailARN"]
        start = virtual_now(first.endpoint)
        aws("kms").list_keys()
        advance_clock(first.endpoint, 6)
        advance_clock(first.endpoint, 3600)
        before = unique("before-restart")
        aws("sns").create_topic(Name=before)  # recorded, not yet delivered
    with start_server(tmp_path) as second:
        aws = lambda service: make_client(second.endpoint, service)  # noqa: E731
        events = aws("cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}])["Events"]
        assert any(before in e["CloudTrailEvent"] for e in events)
        assert aws("cloudtrail").get_trail_status(Name=name)["IsLogging"] is True
        advance_clock(second.endpoint, 6)
        assert any(before in json.dumps(r) for r in all_records(aws("s3"), bucket))
        advance_clock(second.endpoint, 3600)
        result = validate_logs(second.endpoint, arn, start, virtual_now(second.endpoint))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "2/2 digest files valid" in result.stdout


def test_multi_region_trail_collects_every_region(own, aws):
    name, bucket = logging_trail(aws, IsMultiRegionTrail=True, EnableLogFileValidation=True)
    marker = unique("west")
    aws("sns", region="us-west-2").create_topic(Name=marker)
    aws("iam").list_users()
    advance_clock(own.endpoint, 6)
    keys = log_files(aws("s3"), bucket)
    west = [k for k in keys if "/CloudTrail/us-west-2/" in k]
    assert west and any(marker in json.dumps(r) for r in read_records(aws("s3"), bucket, west[0]))
    assert any(r["eventSource"] == "iam.amazonaws.com" and r["awsRegion"] == "us-east-1"
               for r in all_records(aws("s3"), bucket))
    advance_clock(own.endpoint, 3600)
    listed = [o["Key"] for o in aws("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert any("/CloudTrail-Digest/us-west-2/" in k and f"_us-west-2_{name}_us-east-1_" in k for k in listed)


def test_single_region_trail_stays_home(own, aws):
    name, bucket = logging_trail(aws)
    marker = unique("elsewhere")
    aws("sns", region="eu-central-1").create_topic(Name=marker)
    aws("kms").list_keys()
    advance_clock(own.endpoint, 6)
    records = all_records(aws("s3"), bucket)
    assert records and not any(marker in json.dumps(r) for r in records)


def test_policy_change_shows_as_delivery_error(own, aws):
    s3 = aws("s3")
    name, bucket = logging_trail(aws)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    marker = unique("denied")
    aws("sns").create_topic(Name=marker)
    advance_clock(own.endpoint, 6)
    assert aws("cloudtrail").get_trail_status(Name=name)["LatestDeliveryError"].startswith("AccessDenied")
    s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy(bucket, aws.account))
    advance_clock(own.endpoint, 6)
    assert "LatestDeliveryError" not in aws("cloudtrail").get_trail_status(Name=name)
    assert any(marker in json.dumps(r) for r in all_records(s3, bucket))


def test_data_events_for_all_buckets_and_advanced_selectors(own, aws):
    s3, ct = aws("s3"), aws("cloudtrail")
    name, bucket = logging_trail(aws)
    data = unique("ct-all")
    s3.create_bucket(Bucket=data)
    ct.put_event_selectors(TrailName=name, EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    s3.put_object(Bucket=data, Key="k1", Body=b"1")
    s3.get_object(Bucket=data, Key="k1")["Body"].read()
    advance_clock(own.endpoint, 6)
    names = {(r["eventName"], (r["requestParameters"] or {}).get("bucketName")) for r in all_records(s3, bucket)}
    assert ("PutObject", data) in names and ("GetObject", data) in names
    # CloudTrail's own file writes are not fed back into the trail.
    assert ("PutObject", bucket) not in names
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=[{"Name": "reads of k2", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "readOnly", "Equals": ["true"]}, {"Field": "resources.ARN", "EndsWith": ["/k2"]}]}])
    s3.put_object(Bucket=data, Key="k2", Body=b"2")
    s3.get_object(Bucket=data, Key="k2")["Body"].read()
    s3.get_object(Bucket=data, Key="k1")["Body"].read()
    advance_clock(own.endpoint, 6)
    later = [r for r in all_records(s3, bucket)
             if r["eventCategory"] == "Data" and r["requestParameters"].get("key") == "k2"]
    assert [(r["eventName"], r["requestParameters"]["key"]) for r in later] == [("GetObject", "k2")]


def test_another_trail_sees_cloudtrail_s_own_writes(own, aws):
    s3, ct = aws("s3"), aws("cloudtrail")
    _, watched_bucket = logging_trail(aws)  # this trail's files land in watched_bucket
    watcher, bucket = logging_trail(aws)
    ct.put_event_selectors(TrailName=watcher, EventSelectors=[{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": False,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{watched_bucket}/"]}]}])
    aws("kms").list_keys()
    # The first trail writes a file, and on a later delivery the watcher delivers that write. Which tick does
    # which depends on when each trail's interval started, so the clock moves until the write shows (bounded).
    writes: list[dict] = []
    for _ in range(5):
        advance_clock(own.endpoint, 6)
        writes = [r for r in all_records(s3, bucket) if r["eventName"] == "PutObject"]
        if writes:
            break
    assert writes and writes[0]["userIdentity"] == {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
    assert writes[0]["sourceIPAddress"] == "cloudtrail.amazonaws.com"
    assert writes[0]["requestParameters"]["bucketName"] == watched_bucket
