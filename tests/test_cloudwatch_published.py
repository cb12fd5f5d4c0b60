"""The metrics nimbus services publish about themselves, stored by CloudWatch as the owning account's:
Kinesis (stream and, with enhanced monitoring, shard level), Firehose (incoming and delivery to S3), S3
request metrics where a bucket's metrics configuration asks for them, and SNS's publishes and deliveries."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests

from tests.support import (
    active_delivery_stream,
    active_stream,
    flush,
    new_bucket,
    s3_config,
    unique,
    virtual_now,
)


def total(cw, endpoint, namespace, name, dims, statistic="Sum"):
    """The statistic over the last day, once the event bus has handed the metric to CloudWatch."""
    now = virtual_now(endpoint)
    points = cw.get_metric_statistics(Namespace=namespace, MetricName=name, Dimensions=dims,
                                      StartTime=now - timedelta(days=1), EndTime=now + timedelta(minutes=1),
                                      Period=86400, Statistics=[statistic])["Datapoints"]
    return sum(p[statistic] for p in points)


@pytest.fixture(scope="module")
def cw(client):
    return client("cloudwatch")


def eventually(read, expected, timeout=20.0) -> None:
    """Poll until ``read()`` returns ``expected`` or the deadline passes (the event bus works off the
    request path)."""
    deadline = time.monotonic() + timeout
    while (got := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert got == expected


def test_kinesis_stream_and_shard_metrics(kinesis, cw, endpoint):
    name = active_stream(kinesis, endpoint)
    kinesis.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingRecords"])
    kinesis.put_record(StreamName=name, Data=b"12345", PartitionKey="k")
    kinesis.put_records(StreamName=name, Records=[{"Data": b"ab", "PartitionKey": "k"}] * 3)
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert len(kinesis.get_records(ShardIterator=iterator)["Records"]) == 4
    stream = [{"Name": "StreamName", "Value": name}]
    eventually(lambda: total(cw, endpoint, "AWS/Kinesis", "IncomingRecords", stream), 4)
    assert total(cw, endpoint, "AWS/Kinesis", "IncomingBytes", stream) == 11
    assert total(cw, endpoint, "AWS/Kinesis", "PutRecord.Success", stream) == 1
    assert total(cw, endpoint, "AWS/Kinesis", "PutRecords.Records", stream) == 3
    eventually(lambda: total(cw, endpoint, "AWS/Kinesis", "GetRecords.Records", stream), 4)
    shard = stream + [{"Name": "ShardId", "Value": "shardId-000000000000"}]
    assert total(cw, endpoint, "AWS/Kinesis", "IncomingRecords", shard) == 4
    assert total(cw, endpoint, "AWS/Kinesis", "IncomingBytes", shard) == 0  # not enabled at shard level
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/Kinesis", Dimensions=stream)["Metrics"]}
    assert {"GetRecords.IteratorAgeMilliseconds", "GetRecords.Bytes", "PutRecords.Bytes"} <= names


def test_firehose_incoming_and_delivery_to_s3(firehose, s3, cw, endpoint):
    bucket = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(bucket))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"hello\n"})
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x\n"}, {"Data": b"y\n"}])
    flush(endpoint)
    stream = [{"Name": "DeliveryStreamName", "Value": name}]
    eventually(lambda: total(cw, endpoint, "AWS/Firehose", "DeliveryToS3.Records", stream), 3)
    assert total(cw, endpoint, "AWS/Firehose", "IncomingRecords", stream) == 3
    assert total(cw, endpoint, "AWS/Firehose", "IncomingBytes", stream) == 10
    assert total(cw, endpoint, "AWS/Firehose", "DeliveryToS3.Bytes", stream) == 10
    assert total(cw, endpoint, "AWS/Firehose", "DeliveryToS3.Success", stream, "Minimum") == 1
    assert total(cw, endpoint, "AWS/Firehose", "DeliveryToS3.DataFreshness", stream, "Maximum") >= 900


def test_s3_request_metrics_follow_the_metrics_configuration(server, s3, cw, endpoint):
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="logs/before", Body=b"x")  # no configuration yet: not counted
    # Requests are counted off the request path (AWS: "up to 15 minutes" before a new configuration counts),
    # so this one is settled before the configuration exists.
    server.runtime.events.flush()
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="logs", MetricsConfiguration={
        "Id": "logs", "Filter": {"Prefix": "logs/"}})
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="all", MetricsConfiguration={"Id": "all"})
    s3.put_object(Bucket=bucket, Key="logs/a", Body=b"12345")
    s3.get_object(Bucket=bucket, Key="logs/a")["Body"].read()
    s3.put_object(Bucket=bucket, Key="data/b", Body=b"1")
    try:
        s3.get_object(Bucket=bucket, Key="logs/missing")
    except s3.exceptions.NoSuchKey:
        pass
    logs = [{"Name": "BucketName", "Value": bucket}, {"Name": "FilterId", "Value": "logs"}]
    every = [{"Name": "BucketName", "Value": bucket}, {"Name": "FilterId", "Value": "all"}]
    eventually(lambda: total(cw, endpoint, "AWS/S3", "AllRequests", logs), 3)
    eventually(lambda: total(cw, endpoint, "AWS/S3", "PutRequests", every), 2)
    assert total(cw, endpoint, "AWS/S3", "GetRequests", logs) == 2
    assert total(cw, endpoint, "AWS/S3", "BytesDownloaded", logs) == 5
    assert total(cw, endpoint, "AWS/S3", "4xxErrors", logs) == 1


def test_sns_publish_and_delivery_metrics(client, cw, endpoint, receiver):
    sns = client("sns")
    name = unique("metrics-topic")
    topic = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    confirmation = json.loads(receiver.wait_for(1, "SubscriptionConfirmation")[-1]["body"])
    requests.get(confirmation["SubscribeURL"], timeout=10)
    for body in ("one", "three"):
        sns.publish(TopicArn=topic, Message=body)
    dims = [{"Name": "TopicName", "Value": name}]
    eventually(lambda: total(cw, endpoint, "AWS/SNS", "NumberOfMessagesPublished", dims), 2)
    assert total(cw, endpoint, "AWS/SNS", "PublishSize", dims) == 8
    eventually(lambda: total(cw, endpoint, "AWS/SNS", "NumberOfNotificationsDelivered", dims), 2)
