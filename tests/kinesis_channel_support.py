"""Helpers the channel tests share: an on-demand stream, a role, a bucket, and a channel on them."""
from __future__ import annotations

import json

from tests.kinesis_support import advance
from tests.support import unique

ACCOUNT = "000000000000"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "kinesis.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def on_demand_stream(aws, endpoint: str) -> tuple[str, str]:
    """(name, ARN) of a new ACTIVE on-demand stream."""
    kinesis = aws("kinesis")
    name = unique("chs")
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    advance(endpoint, 1)
    return name, kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def role(aws) -> str:
    return aws("iam").create_role(RoleName=unique("channel-role"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def bucket(aws) -> str:
    name = unique("chbucket")
    aws("s3").create_bucket(Bucket=name)
    return name


def s3_destination(bucket_name: str, **storage) -> dict:
    return {"StorageConfiguration": {"BucketARN": f"arn:aws:s3:::{bucket_name}", "ExpectedBucketOwner": ACCOUNT,
                                     "CompressionType": "NONE", **storage}}


def create(aws, stream_arn: str, role_arn: str, destination: dict, fmt: str = "BYTE_ARRAY", **extra) -> dict:
    return aws("kinesis").create_channel(
        ChannelName=extra.pop("ChannelName", unique("channel")), ServiceExecutionRoleARN=role_arn,
        StreamConfigurationList=[{"StreamARN": stream_arn, "RecordConfiguration": {"RecordFormatType": fmt}}],
        S3DestinationConfiguration=destination, **extra)["ChannelDescription"]


def objects(s3, bucket_name: str, prefix: str = "") -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket_name, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket_name, Key=o["Key"])["Body"].read() for o in listed}
