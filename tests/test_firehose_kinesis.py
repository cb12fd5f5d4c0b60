"""KinesisStreamAsSource in the shared server: reads from TRIM_HORIZON, refuses direct puts."""
from __future__ import annotations

from tests.support import (
    FIREHOSE_ROLE,
    active_stream,
    advance_clock,
    error_of,
    flush,
    new_bucket,
    objects,
    s3_config,
    unique,
)


def test_reads_the_stream_from_trim_horizon(firehose, s3, kinesis, endpoint):
    source = active_stream(kinesis, endpoint, ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName=source)["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_records(StreamName=source, Records=[{"Data": f"early{i};".encode(), "PartitionKey": str(i)}
                                                    for i in range(10)])
    target = new_bucket(s3)
    name = unique("from-kinesis")
    firehose.create_delivery_stream(
        DeliveryStreamName=name, DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": s3_config(target)["RoleARN"]},
        ExtendedS3DestinationConfiguration=s3_config(target, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}))
    advance_clock(endpoint, 1)
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert described["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"] == arn
    assert error_of(firehose.put_record, DeliveryStreamName=name,
                    Record={"Data": b"direct"}).code == "InvalidArgumentException"
    kinesis.put_record(StreamName=source, Data=b"late;", PartitionKey="x")
    flush(endpoint, 1)  # the scheduler reads the source on this jump
    flush(endpoint, 61)
    delivered = b"".join(objects(s3, target).values()).decode().split(";")[:-1]
    assert sorted(delivered) == sorted([f"early{i}" for i in range(10)] + ["late"])


def test_source_stream_must_exist(firehose, s3):
    assert error_of(
        firehose.create_delivery_stream, DeliveryStreamName=unique("nosource"), DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/no-such-stream",
            "RoleARN": FIREHOSE_ROLE},
        ExtendedS3DestinationConfiguration=s3_config(new_bucket(s3))).worded == (
        "InvalidArgumentException", "Kinesis stream arn:aws:kinesis:us-east-1:000000000000:stream/no-such-stream "
                                    "does not exist.")
