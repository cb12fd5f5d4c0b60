"""AWS Config records EMR security configurations, Flink applications, Kinesis stream consumers, CloudWatch metric
streams, Logs destinations and CloudFront's real-time log configurations, public keys and key value stores:
what existed before the recorder started is discovered, then each change and the deletion are recorded."""
from __future__ import annotations

import json

from tests.support import (
    analytics_role,
    config_history,
    logs_role,
    public_key_config,
    service_role,
    start_recording,
    unique,
)


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
    assert config_history(config, "AWS::KinesisAnalyticsV2::Application", name)[-1]["configuration"][
        "ApplicationVersionId"] == 1
    flink.update_application(ApplicationName=name, CurrentApplicationVersionId=1, ApplicationConfigurationUpdate={
        "EnvironmentPropertyUpdates": {"PropertyGroups": [{"PropertyGroupId": "app", "PropertyMap": {"k": "v"}}]}})
    arn = flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationARN"]
    assert config_history(config, "AWS::KinesisAnalyticsV2::Application", name)[-1]["tags"] == {}
    flink.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "a"}])  # recorded by itself
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
    assert config_history(config, "AWS::Kinesis::StreamConsumer", arn)[-1]["tags"] == {}
    kinesis.tag_resource(ResourceARN=arn, Tags={"team": "a"})  # recorded by itself
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
    assert config_history(config, "AWS::CloudWatch::MetricStream", name)[-1]["configuration"]["State"] == "running"
    cw.stop_metric_streams(Names=[name])  # each change is recorded by itself
    assert config_history(config, "AWS::CloudWatch::MetricStream", name)[-1]["tags"] == {}
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
    assert "DestinationPolicy" not in config_history(config, "AWS::Logs::Destination", name)[-1]["configuration"]
    logs.put_destination_policy(destinationName=name, accessPolicy=policy)  # recorded by itself
    latest = config_history(config, "AWS::Logs::Destination", name)[-1]
    assert latest["configuration"] == {"DestinationName": name, "TargetArn": target, "RoleArn": role, "Arn": arn,
                                       "DestinationPolicy": policy}
    assert {(r["resourceType"], r["resourceName"]) for r in latest["relationships"]} == {
        ("AWS::IAM::Role", role.rsplit("/", 1)[-1]), ("AWS::Kinesis::Stream", target.rsplit("/", 1)[-1])}
    assert statuses(config, "AWS::Logs::Destination", before) == ["ResourceDiscovered"]
    logs.delete_destination(destinationName=name)
    assert statuses(config, "AWS::Logs::Destination", name)[-1] == "ResourceDeleted"


def _kinesis_endpoint(account: str) -> list[dict]:
    return [{"StreamType": "Kinesis", "KinesisStreamConfig": {
        "RoleARN": f"arn:aws:iam::{account}:role/realtime-logs", "StreamARN":
            f"arn:aws:kinesis:us-east-1:{account}:stream/realtime"}}]


def test_cloudfront_realtime_log_configs_public_keys_and_key_value_stores(aws, account):
    cloudfront, config = aws("cloudfront"), aws("config")
    before_key = cloudfront.create_public_key(PublicKeyConfig=public_key_config(unique("before")))["PublicKey"]["Id"]
    before_log = cloudfront.create_realtime_log_config(Name=unique("before"), SamplingRate=5, Fields=["c-ip"],
                                                       EndPoints=_kinesis_endpoint(account))["RealtimeLogConfig"]["ARN"]
    before_store = unique("before")
    cloudfront.create_key_value_store(Name=before_store)
    start_recording(aws)
    assert statuses(config, "AWS::CloudFront::PublicKey", before_key) == ["ResourceDiscovered"]
    assert statuses(config, "AWS::CloudFront::RealtimeLogConfig", before_log) == ["ResourceDiscovered"]
    assert statuses(config, "AWS::CloudFront::KeyValueStore", before_store) == ["ResourceDiscovered"]

    key_config = {**public_key_config(unique("key")), "Comment": "first"}
    created = cloudfront.create_public_key(PublicKeyConfig=key_config)
    key_id = created["PublicKey"]["Id"]
    assert statuses(config, "AWS::CloudFront::PublicKey", key_id) == ["ResourceDiscovered"]
    updated = cloudfront.update_public_key(Id=key_id, IfMatch=created["ETag"],
                                           PublicKeyConfig={**key_config, "Comment": "second"})
    latest = config_history(config, "AWS::CloudFront::PublicKey", key_id)[-1]
    assert latest["configuration"]["PublicKeyConfig"]["Comment"] == "second"
    assert (latest["awsRegion"], latest["arn"]) == ("us-east-1", f"arn:aws:cloudfront::{account}:public-key/{key_id}")
    cloudfront.delete_public_key(Id=key_id, IfMatch=updated["ETag"])
    assert statuses(config, "AWS::CloudFront::PublicKey", key_id)[-1] == "ResourceDeleted"

    name = unique("realtime")
    arn = cloudfront.create_realtime_log_config(Name=name, SamplingRate=50, Fields=["timestamp", "c-ip"],
                                                EndPoints=_kinesis_endpoint(account))["RealtimeLogConfig"]["ARN"]
    assert statuses(config, "AWS::CloudFront::RealtimeLogConfig", arn) == ["ResourceDiscovered"]
    cloudfront.update_realtime_log_config(Name=name, SamplingRate=100)
    latest = config_history(config, "AWS::CloudFront::RealtimeLogConfig", arn)[-1]
    assert (latest["resourceName"], latest["configuration"]["SamplingRate"]) == (name, 100)
    assert {(r["resourceType"], r["resourceName"]) for r in latest["relationships"]} == {
        ("AWS::Kinesis::Stream", "realtime"), ("AWS::IAM::Role", "realtime-logs")}
    cloudfront.delete_realtime_log_config(Name=name)
    assert statuses(config, "AWS::CloudFront::RealtimeLogConfig", arn)[-1] == "ResourceDeleted"

    store = unique("kvs")
    etag = cloudfront.create_key_value_store(Name=store, Comment="first")["ETag"]
    assert statuses(config, "AWS::CloudFront::KeyValueStore", store) == ["ResourceDiscovered"]
    etag = cloudfront.update_key_value_store(Name=store, Comment="second", IfMatch=etag)["ETag"]
    latest = config_history(config, "AWS::CloudFront::KeyValueStore", store)[-1]
    assert latest["configuration"]["Comment"] == "second" and latest["arn"].startswith("arn:aws:cloudfront::")
    cloudfront.delete_key_value_store(Name=store, IfMatch=etag)
    assert statuses(config, "AWS::CloudFront::KeyValueStore", store)[-1] == "ResourceDeleted"
