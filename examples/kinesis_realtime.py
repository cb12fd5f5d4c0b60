"""Kinesis for things in real time, step by step, against a running nimbus.

From the analytics notes: Kinesis Streams ingest records by shard (shards are how a stream scales)
and consumers read them in close to real time; Kinesis Firehose streams data into AWS "like a
firehose": it needs a destination (here S3), and data goes in through API calls or from a stream.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/kinesis_realtime.py
"""
from __future__ import annotations

import gzip
import json
import uuid
from collections import defaultdict

from common import clients, wait_for

SENSORS = 8
READINGS = 25  # per sensor


def stream_active(kinesis, name):
    return wait_for(f"{name} ACTIVE", lambda: kinesis.describe_stream_summary(StreamName=name)
                    ["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")


def read_everything(kinesis, name) -> list[dict]:
    """Read every shard from its start, parents before children, as a consumer must after resharding."""
    shards = kinesis.list_shards(StreamName=name)["Shards"]
    done, records = set(), []
    while len(done) < len(shards):
        for shard in shards:
            parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} - {None}
            if shard["ShardId"] in done or not parents <= done:
                continue
            iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator:
                page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
                records.extend(dict(r, ShardId=shard["ShardId"]) for r in page["Records"])
                if not page["Records"] and page["MillisBehindLatest"] == 0:
                    break  # an open shard: caught up with the producer
                iterator = page.get("NextShardIterator")
            done.add(shard["ShardId"])
    return records


def delivery_role(iam) -> str:
    """The role Firehose acts as: it must trust firehose.amazonaws.com, and may read the stream and
    write the bucket (as in AWS, Firehose refuses a role it cannot assume)."""
    try:
        return iam.get_role(RoleName="firehose-delivery")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        pass
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "firehose.amazonaws.com"}}]}
    arn = iam.create_role(RoleName="firehose-delivery", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    access = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "s3:PutObject", "s3:GetObject", "s3:ListBucket", "kinesis:DescribeStreamSummary", "kinesis:ListShards",
        "kinesis:GetShardIterator", "kinesis:GetRecords"]}]}
    iam.put_role_policy(RoleName="firehose-delivery", PolicyName="delivery", PolicyDocument=json.dumps(access))
    return arn


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    kinesis, firehose, s3 = aws("kinesis"), aws("firehose"), aws("s3")
    role = delivery_role(aws("iam"))
    suffix = uuid.uuid4().hex[:8]

    # Step 1: a stream with two shards; each shard owns half of the partition-key hash space.
    stream = f"sensors-{suffix}"
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    stream_active(kinesis, stream)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    print(f"1. stream {stream} is ACTIVE with 2 shards")

    # Step 2: producers put readings; the partition key (the sensor) picks the shard.
    def put(batch: int):
        records = [{"Data": json.dumps({"sensor": s, "batch": batch, "reading": r}).encode() + b"\n",
                    "PartitionKey": f"sensor-{s}"} for r in range(READINGS) for s in range(SENSORS)]
        result = kinesis.put_records(StreamName=stream, Records=records)
        assert result["FailedRecordCount"] == 0
        return result["Records"]

    placed = defaultdict(int)
    for entry in put(batch=1):
        placed[entry["ShardId"]] += 1
    print(f"2. put {SENSORS * READINGS} readings: {dict(placed)}")

    # Step 3: a consumer reads them back in close to real time, in order per sensor.
    records = read_everything(kinesis, stream)
    ordered = all(_in_order(records, s) for s in range(SENSORS))
    print(f"3. read {len(records)} records back; each sensor's readings in order: {ordered}")

    # Step 4: scale out. Four shards: the two parents close and four children take over.
    kinesis.update_shard_count(StreamName=stream, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    stream_active(kinesis, stream)
    put(batch=2)
    shards = kinesis.list_shards(StreamName=stream)["Shards"]
    open_shards = [s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
    records = read_everything(kinesis, stream)
    print(f"4. resharded to {len(open_shards)} open shards ({len(shards)} in all); "
          f"read {len(records)} records, each exactly once: {len({r['SequenceNumber'] for r in records}) == len(records)}")

    # Step 5: Firehose reads the stream and delivers it to S3, gzipped, without a buffering delay.
    bucket = f"sensor-archive-{suffix}"
    s3.create_bucket(Bucket=bucket)
    delivery = f"archive-{suffix}"
    firehose.create_delivery_stream(
        DeliveryStreamName=delivery, DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn,
                                          "RoleARN": role},
        ExtendedS3DestinationConfiguration={
            "RoleARN": role, "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "from-stream/", "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})

    def archived(prefix):
        lines = []
        for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines.extend((gzip.decompress(body) if prefix == "from-stream/" else body).splitlines())
        return lines

    expected = 2 * SENSORS * READINGS
    from_stream = wait_for("archive of the stream", lambda: len(archived("from-stream/")) == expected
                           and archived("from-stream/"))
    print(f"5. Firehose delivered {len(from_stream)} readings from the stream to s3://{bucket}/from-stream/")

    # Step 6: data also goes straight in through API calls (DirectPut), buffered and concatenated.
    direct = f"clicks-{suffix}"
    firehose.create_delivery_stream(
        DeliveryStreamName=direct, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": role, "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "direct/", "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})
    wait_for(f"{direct} ACTIVE", lambda: firehose.describe_delivery_stream(DeliveryStreamName=direct)
             ["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE")
    batch = firehose.put_record_batch(DeliveryStreamName=direct, Records=[
        {"Data": f'{{"click": {i}}}\n'.encode()} for i in range(50)])
    clicks = wait_for("direct puts in S3", lambda: len(archived("direct/")) == 50 and archived("direct/"))
    print(f"6. PutRecordBatch of 50 (failed: {batch['FailedPutCount']}); {len(clicks)} clicks in s3://{bucket}/direct/")

    firehose.delete_delivery_stream(DeliveryStreamName=delivery)
    return {"placed": dict(placed), "ordered": ordered, "open_shards": len(open_shards), "read": len(records),
            "from_stream": len(from_stream), "clicks": len(clicks)}


def _in_order(records: list[dict], sensor: int) -> bool:
    readings = [json.loads(r["Data"]) for r in records]
    mine = [(r["batch"], r["reading"]) for r in readings if r["sensor"] == sensor]
    return mine == sorted(mine)


if __name__ == "__main__":
    main()
