"""Services act for users only with the permissions they were given (Firehose's RoleARN, CloudTrail's
CloudWatchLogsRoleArn): the caller must pass the role, the service must be able to assume it, and at run
time the service calls as the role's session, authorized like any caller; another account's resource
needs that account's grant. Without --enforce-iam, on the shared server."""
from __future__ import annotations

import json

from tests.support import (
    FIREHOSE_TRUST,
    account_key,
    active_delivery_stream,
    active_stream,
    error_of,
    flush,
    make_client,
    new_bucket,
    objects,
    unique,
)

KINESIS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "kinesis.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def role(aws, trust: str = FIREHOSE_TRUST) -> str:
    return aws("iam").create_role(RoleName=unique("role"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]


def destination(role_arn: str, bucket: str) -> dict:
    return {"RoleARN": role_arn, "BucketARN": f"arn:aws:s3:::{bucket}",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}


def grant(principal_arn: str, actions: list[str], resource: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": actions, "Resource": resource}]})


def test_firehose_refuses_a_role_it_cannot_assume(aws):
    bucket = new_bucket(aws("s3"))
    for role_arn in (role(aws, KINESIS_TRUST), f"arn:aws:iam::{aws('sts').get_caller_identity()['Account']}:role/"
                                               f"{unique('missing')}"):
        assert error_of(aws("firehose").create_delivery_stream, DeliveryStreamName=unique("hose"),
                        ExtendedS3DestinationConfiguration=destination(role_arn, bucket)).worded == (
            "InvalidArgumentException", f"Firehose is unable to assume role {role_arn}. Please check the role provided.")


def test_firehose_refuses_another_account_s_role(aws, client):
    other = lambda service: client(service, key=account_key())  # noqa: E731
    foreign = role(other)
    assert error_of(aws("firehose").create_delivery_stream, DeliveryStreamName=unique("hose"),
                    ExtendedS3DestinationConfiguration=destination(foreign, new_bucket(aws("s3")))).code == \
        "InvalidArgumentException"


def test_firehose_writes_another_account_s_bucket_only_with_its_grant(aws, client, endpoint):
    owner_key = account_key()
    owner = lambda service: client(service, key=owner_key)  # noqa: E731
    bucket, role_arn = new_bucket(owner("s3")), role(aws)
    firehose = aws("firehose")
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=destination(role_arn, bucket))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"refused;"})
    flush(endpoint, 61)
    assert objects(owner("s3"), bucket) == {}  # no grant: the role is a stranger there
    failure = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "FailureDescription"]
    assert failure["Details"].startswith("S3.AccessDenied"), failure
    owner("s3").put_bucket_policy(Bucket=bucket, Policy=grant(role_arn, ["s3:PutObject"], f"arn:aws:s3:::{bucket}/*"))
    flush(endpoint, 61)
    assert b"".join(objects(owner("s3"), bucket).values()) == b"refused;"
    assert "FailureDescription" not in firehose.describe_delivery_stream(
        DeliveryStreamName=name)["DeliveryStreamDescription"]


def test_firehose_reads_another_account_s_stream_only_with_its_policy(aws, client, endpoint):
    owner_key = account_key()
    owner = lambda service: client(service, key=owner_key)  # noqa: E731
    kinesis = owner("kinesis")
    stream = active_stream(kinesis, endpoint)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    role_arn, bucket = role(aws), new_bucket(aws("s3"))
    create = {"DeliveryStreamType": "KinesisStreamAsSource",
              "KinesisStreamSourceConfiguration": {"KinesisStreamARN": stream_arn, "RoleARN": role_arn},
              "ExtendedS3DestinationConfiguration": destination(role_arn, bucket)}
    refused = error_of(aws("firehose").create_delivery_stream, DeliveryStreamName=unique("hose"), **create)
    assert refused.code == "InvalidArgumentException" and "kinesis:DescribeStreamSummary" in refused.message
    kinesis.put_resource_policy(ResourceARN=stream_arn, Policy=grant(role_arn, [
        "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"],
        stream_arn))
    active_delivery_stream(aws("firehose"), endpoint, **create)
    kinesis.put_record(StreamName=stream, Data=b"shared;", PartitionKey="k")
    flush(endpoint, 61)  # read into the buffer at this jump...
    flush(endpoint, 61)  # ...and delivered once its interval is over
    assert b"".join(objects(aws("s3"), bucket).values()) == b"shared;"


def test_cloudtrail_writes_only_where_the_bucket_policy_lets_it(aws, endpoint):
    from tests.support import trail_bucket
    account = aws("sts").get_caller_identity()["Account"]
    s3, ct = aws("s3"), aws("cloudtrail")
    assert error_of(ct.create_trail, Name=unique("trail"), S3BucketName=new_bucket(s3)).code == \
        "InsufficientS3BucketPolicyException"
    bucket, name = trail_bucket(s3, account), unique("trail")
    ct.create_trail(Name=name, S3BucketName=bucket)
    ct.start_logging(Name=name)
    s3.delete_bucket_policy(Bucket=bucket)  # CloudTrail is no member of the account: no grant, no write
    aws("sns").list_topics()
    flush(endpoint, 400)
    assert ct.get_trail_status(Name=name)["LatestDeliveryError"].startswith("AccessDenied")
    assert not [k for k in objects(s3, bucket) if "/CloudTrail/" in k]


def test_cloudtrail_log_group_must_be_the_trail_owner_s(aws, client):
    other = account_key()
    group = unique("group")
    client("logs", key=other).create_log_group(logGroupName=group)
    role_arn = role(aws, FIREHOSE_TRUST.replace("firehose", "cloudtrail"))
    from tests.support import trail_bucket
    bucket = trail_bucket(aws("s3"), aws("sts").get_caller_identity()["Account"])
    group_arn = f"arn:aws:logs:us-east-1:{other}:log-group:{group}:*"
    account = aws("sts").get_caller_identity()["Account"]
    assert error_of(aws("cloudtrail").create_trail, Name=unique("trail"), S3BucketName=bucket,
                    CloudWatchLogsLogGroupArn=group_arn, CloudWatchLogsRoleArn=role_arn).worded == (
        "InvalidCloudWatchLogsLogGroupArnException", f"The log group {group_arn} is not in account {account}.")


def test_cloudtrail_refuses_a_role_that_does_not_trust_it(aws):
    account = aws("sts").get_caller_identity()["Account"]
    group = unique("group")
    aws("logs").create_log_group(logGroupName=group)
    from tests.support import trail_bucket
    bucket = trail_bucket(aws("s3"), account)
    assert error_of(aws("cloudtrail").create_trail, Name=unique("trail"), S3BucketName=bucket,
                    CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{account}:log-group:{group}:*",
                    CloudWatchLogsRoleArn=role(aws)).worded == (
        "InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role has adequate permissions.")


def test_service_principal_is_no_member_of_the_account(aws, client):
    """S3 event notifications: the topic's default policy (its owner's account) does not let S3 publish
    (a guard: SNS refused this before service principals left their accounts, and must go on doing so)."""
    sns, s3 = aws("sns"), aws("s3")
    topic = sns.create_topic(Name=unique("events"))["TopicArn"]
    bucket = new_bucket(s3)
    refused = error_of(s3.put_bucket_notification_configuration, Bucket=bucket, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    assert refused.code == "InvalidArgument"


def _session_identity(record: dict, role_arn: str, session: str, service: str) -> None:
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    identity = record["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{account}:assumed-role/{name}/{session}"
    assert identity["sessionContext"]["sessionIssuer"]["arn"] == role_arn
    assert identity["invokedBy"] == service


def test_calls_are_recorded_as_the_role_s_session_and_the_assume_as_the_service(aws, endpoint):
    kinesis = aws("kinesis")
    stream = active_stream(kinesis, endpoint)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    role_arn = role(aws)
    active_delivery_stream(aws("firehose"), endpoint, DeliveryStreamType="KinesisStreamAsSource",
                           KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": role_arn},
                           ExtendedS3DestinationConfiguration=destination(role_arn, new_bucket(aws("s3"))))
    ct = aws("cloudtrail")

    def records(event_name: str) -> list[dict]:
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}])
        return [json.loads(e["CloudTrailEvent"]) for e in events["Events"]]

    described = [r for r in records("DescribeStreamSummary") if r["userIdentity"].get("invokedBy")]
    _session_identity(described[0], role_arn, "AWSFirehoseFromKinesis", "firehose.amazonaws.com")
    assumed = [r for r in records("AssumeRole") if r["requestParameters"]["roleArn"] == role_arn]
    assert assumed[0]["userIdentity"] == {"type": "AWSService", "invokedBy": "firehose.amazonaws.com"}


def test_passing_a_role_needs_iam_pass_role_with_enforce_iam(tmp_path):
    from tests.support import start_server
    with start_server(tmp_path, enforce_iam=True) as own:
        admin = lambda service: make_client(own.endpoint, service)  # noqa: E731
        iam = admin("iam")
        bucket = new_bucket(admin("s3"))
        role_arn = role(admin)
        user = unique("user")
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="firehose", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "firehose:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        firehose = make_client(own.endpoint, "firehose", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        create = {"DeliveryStreamName": unique("hose"),
                  "ExtendedS3DestinationConfiguration": destination(role_arn, bucket)}
        assert error_of(firehose.create_delivery_stream, **create).worded == (
            "AccessDeniedException", f"User: arn:aws:iam::000000000000:user/{user} is not authorized to perform: "
            f"iam:PassRole on resource: {role_arn} because no identity-based policy allows the iam:PassRole action")
        iam.put_user_policy(UserName=user, PolicyName="pass", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn,
                                                    "Condition": {"StringEquals": {
                                                        "iam:PassedToService": "firehose.amazonaws.com"}}}]}))
        firehose.create_delivery_stream(**create)


def test_a_role_without_s3_put_object_delivers_nothing_with_enforce_iam(tmp_path):
    from tests.support import advance_clock, start_server
    with start_server(tmp_path, enforce_iam=True) as own:
        admin = lambda service: make_client(own.endpoint, service)  # noqa: E731
        bucket, role_arn = new_bucket(admin("s3")), role(admin)
        name = role_arn.rsplit("/", 1)[-1]
        admin("iam").put_role_policy(RoleName=name, PolicyName="list", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
        firehose = admin("firehose")
        stream = active_delivery_stream(firehose, own.endpoint,
                                        ExtendedS3DestinationConfiguration=destination(role_arn, bucket))
        firehose.put_record(DeliveryStreamName=stream, Record={"Data": b"kept;"})
        advance_clock(own.endpoint, 61)
        assert objects(admin("s3"), bucket) == {}
        failure = firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"][
            "FailureDescription"]
        assert failure["Details"].startswith("S3.AccessDenied"), failure
        admin("iam").put_role_policy(RoleName=name, PolicyName="put", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                    "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
        advance_clock(own.endpoint, 61)
        assert b"".join(objects(admin("s3"), bucket).values()) == b"kept;"


def test_kinesis_channel_refuses_a_role_that_does_not_trust_kinesis(aws, endpoint):
    from tests.support import create_channel, on_demand_stream, s3_destination
    _, stream_arn = on_demand_stream(aws, endpoint)
    role_arn = role(aws)  # trusts Firehose, not Kinesis
    account = aws("sts").get_caller_identity()["Account"]
    target = s3_destination(new_bucket(aws("s3")))
    target["StorageConfiguration"]["ExpectedBucketOwner"] = account
    refused = error_of(create_channel, aws, stream_arn, role_arn, target)
    assert refused.code == "InvalidArgumentException"
    assert refused.message.startswith(f"The service execution role {role_arn} cannot be assumed by Kinesis")


def test_cloudtrail_needs_iam_pass_role_for_its_logs_role_with_enforce_iam(tmp_path):
    from tests.support import start_server, trail_bucket
    with start_server(tmp_path, enforce_iam=True) as own:
        admin = lambda service: make_client(own.endpoint, service)  # noqa: E731
        iam = admin("iam")
        bucket = trail_bucket(admin("s3"), "000000000000")
        group = unique("group")
        admin("logs").create_log_group(logGroupName=group)
        role_arn = role(admin, FIREHOSE_TRUST.replace("firehose", "cloudtrail"))
        user = unique("user")
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="trails", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["cloudtrail:*", "s3:*", "logs:*"], "Resource": "*"}]}))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        ct = make_client(own.endpoint, "cloudtrail", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        create = {"Name": unique("trail"), "S3BucketName": bucket, "CloudWatchLogsRoleArn": role_arn,
                  "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:000000000000:log-group:{group}:*"}
        refused = error_of(ct.create_trail, **create)
        assert refused.code == "AccessDeniedException" and f"iam:PassRole on resource: {role_arn}" in refused.message
        iam.put_user_policy(UserName=user, PolicyName="pass", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn}]}))
        assert ct.create_trail(**create)["CloudWatchLogsRoleArn"] == role_arn


def test_a_source_role_that_may_not_read_records_shows_the_failure_with_enforce_iam(tmp_path):
    from tests.support import advance_clock, start_server
    with start_server(tmp_path, enforce_iam=True) as own:
        admin = lambda service: make_client(own.endpoint, service)  # noqa: E731
        kinesis = admin("kinesis")
        stream = active_stream(kinesis, own.endpoint)
        stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
        role_arn = role(admin)
        admin("iam").put_role_policy(RoleName=role_arn.rsplit("/", 1)[-1], PolicyName="describe", PolicyDocument=(
            json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                "kinesis:DescribeStreamSummary", "kinesis:ListShards", "s3:*"]}]})))
        firehose = admin("firehose")
        name = active_delivery_stream(
            firehose, own.endpoint, DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": role_arn},
            ExtendedS3DestinationConfiguration=destination(role_arn, new_bucket(admin("s3"))))
        kinesis.put_record(StreamName=stream, Data=b"unread", PartitionKey="k")
        advance_clock(own.endpoint, 61)
        failure = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
            "FailureDescription"]
        assert failure["Details"].startswith("Kinesis.AccessDeniedException: User: arn:aws:sts::000000000000:"
                                             f"assumed-role/{role_arn.rsplit('/', 1)[-1]}/AWSFirehoseFromKinesis "
                                             "is not authorized to perform: kinesis:GetShardIterator"), failure
