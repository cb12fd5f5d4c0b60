"""AWS Config records EMR security configurations, Flink applications, Kinesis stream consumers, CloudWatch metric
streams, Logs destinations and CloudFront's real-time log configurations, public keys and key value stores:
what existed before the recorder started is discovered, then each change and the deletion are recorded."""
from __future__ import annotations

import json

from tests.support import analytics_role, config_history, logs_role, service_role, start_recording, unique


def statuses(config, resource_type: str, resource_id: str) -> list[str]:
    return [item["configurationItemStatus"] for item in config_history(config, resource_type, resource_id)]


def test_emr_security_configurations(aws):
    emr, config = aws("emr"), aws("config")
    before = unique("before")
    emr.create_security_configuration(Name=before, SecurityConfiguration=json.dumps({"EncryptionConfiguration": {}}))
    start_recording(aws)
    name = unique("recorded")
    document = {"EncryptionConfiguration": {"EnableInTransitEncryption": False, "EnableAtRestEncryption": False}}
    emr.create_security_configuration(Name=name, SecurityConfiguration=json.dumps(document))
    latest = config_history(config, "AWS::EMR::SecurityConfiguration", name)[-1]
    assert latest["configuration"] == {"Name": name, "SecurityConfiguration": document}
    assert latest["resourceName"] == name and latest["awsRegion"] == "us-east-1"
    assert statuses(config, "AWS::EMR::SecurityConfiguration", before) == ["ResourceDiscovered"]
    emr.delete_security_configuration(Name=name)
    assert statuses(config, "AWS::EMR::SecurityConfiguration", name)[-1] == "ResourceDeleted"


def _flink_app(flink, role: str, name: str) -> None:
    flink.create_application(ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
                             ApplicationConfiguration={"ApplicationCodeConfiguration": {
                                 "CodeContentType": "ZIPFILE", "CodeContent": {"ZipFileContent": b"PK\x05\x06" + bytes(18)}}})


def test_flink_applications(aws):
    flink, config = aws("kinesisanalyticsv2"), aws("config")
    role = analytics_role(aws("iam"), unique("flink-config"))
    before = unique("before")
    _flink_app(flink, role, before)
    start_recording(aws)
    name = unique("recorded")
    _flink_app(flink, role, name)
    flink.update_application(ApplicationName=name, CurrentApplicationVersionId=1, ApplicationConfigurationUpdate={
        "EnvironmentPropertyUpdates": {"PropertyGroups": [{"PropertyGroupId": "app", "PropertyMap": {"k": "v"}}]}})
    arn = flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationARN"]
    flink.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "a"}])
    latest = config_history(config, "AWS::KinesisAnalyticsV2::Application", name)[-1]
    assert latest["configuration"]["ApplicationVersionId"] == 2 and latest["tags"] == {"team": "a"}
    assert "ApplicationStatus" not in latest["configuration"]
    assert [(r["resourceType"], r["resourceName"]) for r in latest["relationships"]] == [
        ("AWS::IAM::Role", role.rsplit("/", 1)[-1])]
    assert statuses(config, "AWS::KinesisAnalyticsV2::Application", before) == ["ResourceDiscovered"]
    created = flink.describe_application(ApplicationName=name)["ApplicationDetail"]["CreateTimestamp"]
    flink.delete_application(ApplicationName=name, CreateTimestamp=created)
    assert statuses(config, "AWS::KinesisAnalyticsV2::Application", name)[-1] == "ResourceDeleted"


def test_kinesis_stream_consumers(aws, endpoint):
    kinesis, config = aws("kinesis"), aws("config")
    stream = unique("fan-out")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    before = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="before")["Consumer"]["ConsumerARN"]
    start_recording(aws)
    arn = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="recorded")["Consumer"]["ConsumerARN"]
    kinesis.tag_resource(ResourceARN=arn, Tags={"team": "a"})
    latest = config_history(config, "AWS::Kinesis::StreamConsumer", arn)[-1]
    assert latest["resourceName"] == "recorded" and latest["tags"] == {"team": "a"}
    assert latest["configuration"]["StreamARN"] == stream_arn and latest["configuration"]["ConsumerARN"] == arn
    assert [(r["resourceType"], r["resourceName"]) for r in latest["relationships"]] == [("AWS::Kinesis::Stream", stream)]
    assert statuses(config, "AWS::Kinesis::StreamConsumer", before) == ["ResourceDiscovered"]
    kinesis.deregister_stream_consumer(ConsumerARN=arn)
    assert statuses(config, "AWS::Kinesis::StreamConsumer", arn)[-1] == "ResourceDeleted"
    kinesis.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)
    assert statuses(config, "AWS::Kinesis::StreamConsumer", before)[-1] == "ResourceDeleted"


def test_cloudwatch_metric_streams(aws):
    cw, config = aws("cloudwatch"), aws("config")
    role = service_role(aws("iam"), "streams.metrics.cloudwatch.amazonaws.com")
    hose = f"arn:aws:firehose:us-east-1:{role.split(':')[4]}:deliverystream/{unique('hose')}"
    before = unique("before")
    cw.put_metric_stream(Name=before, FirehoseArn=hose, RoleArn=role, OutputFormat="json")
    start_recording(aws)
    name = unique("recorded")
    arn = cw.put_metric_stream(Name=name, FirehoseArn=hose, RoleArn=role, OutputFormat="json")["Arn"]
    cw.stop_metric_streams(Names=[name])
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "a"}])
    latest = config_history(config, "AWS::CloudWatch::MetricStream", name)[-1]
    assert latest["configuration"]["State"] == "stopped" and latest["configuration"]["FirehoseArn"] == hose
    assert latest["tags"] == {"team": "a"} and latest["arn"] == arn
    assert {r["resourceType"] for r in latest["relationships"]} == {"AWS::KinesisFirehose::DeliveryStream",
                                                                     "AWS::IAM::Role"}
    assert statuses(config, "AWS::CloudWatch::MetricStream", before) == ["ResourceDiscovered"]
    cw.delete_metric_stream(Name=name)
    assert statuses(config, "AWS::CloudWatch::MetricStream", name)[-1] == "ResourceDeleted"


def test_logs_destinations(aws):
    logs, config = aws("logs"), aws("config")
    role = logs_role(aws("iam"))
    target = f"arn:aws:kinesis:us-east-1:{role.split(':')[4]}:stream/{unique('central')}"
    before = unique("before")
    logs.put_destination(destinationName=before, targetArn=target, roleArn=role)
    start_recording(aws)
    name = unique("recorded")
    arn = logs.put_destination(destinationName=name, targetArn=target, roleArn=role)["destination"]["arn"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                                                 "Action": "logs:PutSubscriptionFilter", "Resource": arn}]})
    logs.put_destination_policy(destinationName=name, accessPolicy=policy)
    latest = config_history(config, "AWS::Logs::Destination", name)[-1]
    assert latest["configuration"] == {"DestinationName": name, "TargetArn": target, "RoleArn": role, "Arn": arn,
                                       "DestinationPolicy": policy}
    assert {(r["resourceType"], r["resourceName"]) for r in latest["relationships"]} == {
        ("AWS::IAM::Role", role.rsplit("/", 1)[-1]), ("AWS::Kinesis::Stream", target.rsplit("/", 1)[-1])}
    assert statuses(config, "AWS::Logs::Destination", before) == ["ResourceDiscovered"]
    logs.delete_destination(destinationName=name)
    assert statuses(config, "AWS::Logs::Destination", name)[-1] == "ResourceDeleted"
