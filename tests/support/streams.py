"""Kinesis streams and channels, and Firehose delivery streams."""
from __future__ import annotations

import json

from botocore.exceptions import ClientError

from tests.support.basics import ACCOUNT, advance_clock, unique

# --- Kinesis --------------------------------------------------------------------------------------

MAX_HASH_KEY = 2 ** 128 - 1


def wait_active(kinesis, endpoint: str, name: str) -> None:
    """Move the virtual clock past CREATING/UPDATING."""
    advance_clock(endpoint, 1)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"


def active_stream(kinesis, endpoint: str, prefix: str = "stream", **create) -> str:
    """A new ACTIVE stream (one shard unless ``create`` says otherwise)."""
    name = unique(prefix)
    kinesis.create_stream(StreamName=name, **({"ShardCount": 1} | create))
    wait_active(kinesis, endpoint, name)
    return name


def read_shard(kinesis, name: str, shard_id: str, limit: int = 10000) -> list[dict]:
    """Every record of a shard from TRIM_HORIZON to its end (closed) or its current tip (open)."""
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=limit)
        records += page["Records"]
        iterator = page.get("NextShardIterator")
        if not page["Records"] and page["MillisBehindLatest"] == 0:
            break
    return records


CHANNEL_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "kinesis.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def on_demand_stream(aws, endpoint: str) -> tuple[str, str]:
    """(name, ARN) of a new ACTIVE on-demand stream."""
    kinesis = aws("kinesis")
    name = unique("chs")
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    wait_active(kinesis, endpoint, name)
    return name, kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def channel_role(aws) -> str:
    """A role the Kinesis service may assume."""
    return aws("iam").create_role(RoleName=unique("channel-role"),
                                  AssumeRolePolicyDocument=CHANNEL_TRUST)["Role"]["Arn"]


def s3_destination(bucket_name: str, **storage) -> dict:
    return {"StorageConfiguration": {"BucketARN": f"arn:aws:s3:::{bucket_name}", "ExpectedBucketOwner": ACCOUNT,
                                     "CompressionType": "NONE", **storage}}


def create_channel(aws, stream_arn: str, role_arn: str, destination: dict, fmt: str = "BYTE_ARRAY",
                   **extra) -> dict:
    return aws("kinesis").create_channel(
        ChannelName=extra.pop("ChannelName", unique("channel")), ServiceExecutionRoleARN=role_arn,
        StreamConfigurationList=[{"StreamARN": stream_arn, "RecordConfiguration": {"RecordFormatType": fmt}}],
        S3DestinationConfiguration=destination, **extra)["ChannelDescription"]


# --- Firehose -------------------------------------------------------------------------------------

FIREHOSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"
FIREHOSE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def firehose_role(iam, name: str = "firehose", policy: dict | None = None) -> str:
    """A role Firehose may assume (``FIREHOSE_ROLE`` for the default account), with ``policy`` inline
    (default: S3 and Kinesis, as a delivery role needs); made once, so servers and modules share it."""
    try:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=FIREHOSE_TRUST)["Role"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    policy = policy or {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "kinesis:*", "kms:*"], "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="delivery", PolicyDocument=json.dumps(policy))
    return arn


def s3_config(bucket_name: str, **extra) -> dict:
    return {"RoleARN": FIREHOSE_ROLE, "BucketARN": f"arn:aws:s3:::{bucket_name}", **extra}


def active_delivery_stream(firehose, endpoint: str, **create) -> str:
    """Create a delivery stream and move the virtual clock past CREATING."""
    name = create.pop("DeliveryStreamName", None) or unique("stream")
    firehose.create_delivery_stream(DeliveryStreamName=name, **create)
    advance_clock(endpoint, 1)
    status = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert status["DeliveryStreamStatus"] == "ACTIVE"
    return name


def flush(endpoint: str, seconds: float = 901) -> None:
    """Jump past any buffering interval: the scheduler delivers before the clock call returns."""
    advance_clock(endpoint, seconds)
