"""Resource-change events are a contract (core/resource_change.py): every service's events, published
while boto3 drives the API, name a known CloudFormation type, created|updated|deleted, and an ARN of
the calling account and region; the configuration is only built when someone listens."""
from __future__ import annotations

import json
import uuid

import pytest

from nimbus.core.context import RequestContext
from nimbus.core.events import RESOURCE_CHANGE, ResourceChangeEvent
from nimbus.core.identity import service_principal
from nimbus.core.resource_change import RESOURCE_TYPES, contract_errors
from tests.support import (
    ACCOUNT,
    advance_clock,
    analytics_role,
    distribution_config,
    legacy_behaviour,
    public_key_config,
    retire,
    s3_origin,
    service_role,
    trail_bucket,
    unique,
)

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


@pytest.fixture
def published(server):
    events: list[ResourceChangeEvent] = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, events.append)
    yield events
    server.runtime.events.flush()
    server.runtime.events.unsubscribe(RESOURCE_CHANGE, events.append)


def drive_iam(client) -> str:
    iam = client("iam")
    user, group, role = unique("user"), unique("group"), unique("role")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.update_role(RoleName=role, Description="changed")
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=POLICY)
    policy = iam.create_policy(PolicyName=unique("policy"), PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=policy)
    iam.create_policy_version(PolicyArn=policy, PolicyDocument=POLICY, SetAsDefault=True)
    iam.detach_role_policy(RoleName=role, PolicyArn=policy)
    iam.delete_policy_version(PolicyArn=policy, VersionId="v1")
    iam.delete_policy(PolicyArn=policy)
    iam.delete_user(UserName=user)
    iam.delete_group(GroupName=group)
    return role_arn


def drive_the_rest(client, endpoint, role_arn: str) -> None:
    kms = client("kms")
    key = kms.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    kms.enable_key(KeyId=key)
    kms.replicate_key(KeyId=key, ReplicaRegion="eu-west-1")

    logs, group = client("logs"), unique("/events/group")
    logs.create_log_group(logGroupName=group)
    logs.put_log_group_deletion_protection(logGroupIdentifier=group, deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName=group)
    destination = unique("destination")
    logs.put_destination(destinationName=destination, roleArn=service_role(client("iam"), "logs.amazonaws.com"),
                         targetArn=f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{destination}")
    logs.put_destination_policy(destinationName=destination, accessPolicy="{}")
    logs.delete_destination(destinationName=destination)

    s3, bucket = client("s3"), unique("events-bucket")
    s3.create_bucket(Bucket=bucket)

    sns = client("sns")
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="shown")
    sns.delete_topic(TopicArn=topic)

    kinesis, stream = client("kinesis"), unique("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    advance_clock(endpoint, 1)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="events")["Consumer"]
    kinesis.tag_resource(ResourceARN=consumer["ConsumerARN"], Tags={"k": "v"})
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    kinesis.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)

    ssm, parameter = client("ssm"), unique("/events/parameter")
    ssm.put_parameter(Name=parameter, Value="v", Type="String")
    ssm.put_parameter(Name=parameter, Value="w", Type="String", Overwrite=True)
    ssm.delete_parameter(Name=parameter)
    datapipeline = client("datapipeline")
    pipeline = datapipeline.create_pipeline(name="events", uniqueId=unique("events"))["pipelineId"]
    datapipeline.delete_pipeline(pipelineId=pipeline)

    firehose, name = client("firehose"), unique("hose")
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
        "RoleARN": role_arn, "BucketARN": f"arn:aws:s3:::{bucket}"})
    advance_clock(endpoint, 1)
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    s3.delete_bucket(Bucket=bucket)

    cloudtrail, trail = client("cloudtrail"), unique("trail")
    cloudtrail.create_trail(Name=trail, S3BucketName=trail_bucket(s3, ACCOUNT))
    cloudtrail.update_trail(Name=trail, IncludeGlobalServiceEvents=False)
    cloudtrail.delete_trail(Name=trail)

    ecr, repository = client("ecr"), unique("events-repository")
    ecr.create_repository(repositoryName=repository)
    ecr.tag_resource(resourceArn=ecr.describe_repositories(repositoryNames=[repository])["repositories"][0][
        "repositoryArn"], tags=[{"Key": "k", "Value": "v"}])
    ecr.delete_repository(repositoryName=repository)

    cloudfront = client("cloudfront")
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", unique("origin"))], legacy_behaviour("s3")))["Distribution"]
    retire(cloudfront, distribution["Id"])
    kvs = unique("events-kvs")
    cloudfront.delete_key_value_store(Name=kvs, IfMatch=cloudfront.create_key_value_store(Name=kvs)["ETag"])
    realtime = unique("events-realtime")
    cloudfront.create_realtime_log_config(Name=realtime, SamplingRate=5, Fields=["c-ip"], EndPoints=[{
        "StreamType": "Kinesis", "KinesisStreamConfig": {"RoleARN": role_arn, "StreamARN": f"arn:aws:kinesis:us-east-1:"
                                                         f"{ACCOUNT}:stream/{realtime}"}}])
    cloudfront.delete_realtime_log_config(Name=realtime)
    created = cloudfront.create_public_key(PublicKeyConfig=public_key_config(unique("events-key")))
    cloudfront.delete_public_key(Id=created["PublicKey"]["Id"], IfMatch=created["ETag"])

    cloudwatch, alarm = client("cloudwatch"), unique("alarm")
    cloudwatch.put_metric_alarm(AlarmName=alarm, Namespace="Events", MetricName="M", Statistic="Sum", Period=60,
                                EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cloudwatch.tag_resource(ResourceARN=cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["AlarmArn"],
                            Tags=[{"Key": "k", "Value": "v"}])
    cloudwatch.delete_alarms(AlarmNames=[alarm])
    metric_stream = unique("metric-stream")
    cloudwatch.put_metric_stream(Name=metric_stream, OutputFormat="json",
                                 FirehoseArn=f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/{name}",
                                 RoleArn=service_role(client("iam"), "streams.metrics.cloudwatch.amazonaws.com"))
    cloudwatch.stop_metric_streams(Names=[metric_stream])
    cloudwatch.delete_metric_stream(Name=metric_stream)

    analytics, app = client("kinesisanalytics"), unique("analytics")
    analytics.create_application(ApplicationName=app)
    analytics.update_application(ApplicationName=app, CurrentApplicationVersionId=1,
                                 ApplicationUpdate={"ApplicationCodeUpdate": "-- none"})
    created = analytics.describe_application(ApplicationName=app)["ApplicationDetail"]["CreateTimestamp"]
    analytics.delete_application(ApplicationName=app, CreateTimestamp=created)

    flink, app = client("kinesisanalyticsv2"), unique("flink")
    flink.create_application(ApplicationName=app, RuntimeEnvironment="SQL-1_0",
                             ServiceExecutionRole=analytics_role(client("iam"), unique("flink")))
    flink.update_application(ApplicationName=app, CurrentApplicationVersionId=1, ApplicationConfigurationUpdate={
        "ApplicationCodeConfigurationUpdate": {"CodeContentTypeUpdate": "PLAINTEXT",
                                               "CodeContentUpdate": {"TextContentUpdate": "-- none"}}})
    created = flink.describe_application(ApplicationName=app)["ApplicationDetail"]["CreateTimestamp"]
    flink.delete_application(ApplicationName=app, CreateTimestamp=created)

    sqs = client("sqs")
    queue = sqs.create_queue(QueueName=unique("events-queue"))["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"DelaySeconds": "1"})
    sqs.delete_queue(QueueUrl=queue)

    emr, security = client("emr"), unique("events-security")
    emr.create_security_configuration(Name=security, SecurityConfiguration="{}")
    emr.delete_security_configuration(Name=security)


def test_every_service_publishes_events_that_keep_the_contract(server, endpoint, client, published):
    drive_the_rest(client, endpoint, drive_iam(client))
    server.runtime.events.flush()

    assert published
    broken = {e.resource_arn: contract_errors(e) for e in published if contract_errors(e)}
    assert broken == {}
    seen = {(e.resource_type, e.change) for e in published}
    # Channels: test_kinesis_channels.py; stacks: test_cloudformation_config_events.py; EMR: test_emr.py.
    expected_types = set(RESOURCE_TYPES) - {"AWS::Kinesis::Channel", "AWS::CloudFormation::Stack",
                                            "AWS::EMR::Cluster"}
    assert expected_types <= {resource_type for resource_type, _ in seen}
    for resource_type in ("AWS::IAM::Role", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SNS::Topic",
                          "AWS::SSM::Parameter"):
        assert (resource_type, "updated") in seen
    for resource_type in ("AWS::KinesisFirehose::DeliveryStream", "AWS::Kinesis::Stream", "AWS::S3::Bucket",
                          "AWS::SSM::Parameter", "AWS::CloudTrail::Trail", "AWS::ECR::Repository",
                          "AWS::SQS::Queue"):
        assert {(resource_type, "created"), (resource_type, "deleted")} <= seen
    created = [e for e in published if e.change == "created"]
    assert all(isinstance(e.configuration, dict) for e in created)


def context(server, service: str = "sns") -> RequestContext:
    return RequestContext(runtime=server.runtime, request_id=str(uuid.uuid4()), service=service,
                          operation="Test", account_id="000000000000", region="us-east-1",
                          principal=service_principal("test.amazonaws.com"), internal=True)


def test_the_configuration_is_built_only_when_someone_subscribes(server):
    built = []

    def configuration():
        built.append(True)
        return {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t"}

    ctx = context(server)
    if not server.runtime.events.wants(RESOURCE_CHANGE):
        ctx.emit_resource_change("AWS::SNS::Topic", "arn:aws:sns:us-east-1:000000000000:t", "created", configuration)
        assert built == []
    received: list[ResourceChangeEvent] = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, received.append)
    try:
        ctx.emit_resource_change("AWS::SNS::Topic", "arn:aws:sns:us-east-1:000000000000:t", "created", configuration)
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(RESOURCE_CHANGE, received.append)
    assert built == [True] and received[0].configuration == {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t"}


@pytest.mark.parametrize("resource_type, change", [("AWS::SNS::Topic", "create"), ("AWS::SNS::Queue", "created")])
def test_a_change_or_type_outside_the_contract_fails_at_once(server, resource_type, change):
    with pytest.raises(ValueError):
        context(server).emit_resource_change(resource_type, "arn:aws:sns:us-east-1:000000000000:t", change)


@pytest.mark.parametrize("arn, problem", [
    ("arn:aws:sns:us-east-1:111111111111:t", "account"),
    ("arn:aws:sns:eu-west-1:000000000000:t", "region"),
    ("arn:aws:kms:us-east-1:000000000000:t", "sns ARN"),
    ("topic-t", "not an ARN"),
])
def test_contract_errors_name_an_arn_of_another_account_region_or_service(server, arn, problem):
    ctx = context(server)
    event = ResourceChangeEvent(time=ctx.clock.now(), request_id=ctx.request_id, account_id=ctx.account_id,
                                region=ctx.region, service="sns", resource_type="AWS::SNS::Topic",
                                resource_arn=arn, change="created", configuration={})
    assert any(problem in error for error in contract_errors(event))
