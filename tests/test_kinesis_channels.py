"""Kinesis channels: the control plane (create, describe, list, update, delete) and what it rejects."""
from __future__ import annotations

import re

import pytest

from tests.support import (
    ACCOUNT,
    advance_clock,
    channel_role,
    create_channel,
    error_of,
    new_bucket,
    on_demand_stream,
    s3_destination,
    unique,
)

DEFAULT_TEMPLATE = ("kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/"
                    "!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}")


@pytest.fixture(scope="module")
def aws(client):
    return client


@pytest.fixture(scope="module")
def setup(aws, endpoint):
    """A stream, a role and a bucket shared by the module's channel tests."""
    name, arn = on_demand_stream(aws, endpoint)
    return {"stream": name, "stream_arn": arn, "role": channel_role(aws), "bucket": new_bucket(aws("s3"))}


def test_lifecycle_with_aws_defaults(aws, endpoint, setup):
    kinesis = aws("kinesis")
    name = unique("life")
    created = create_channel(aws, setup["stream_arn"], setup["role"], s3_destination(setup["bucket"]), ChannelName=name,
                     Tags={"team": "data"})
    channel_id = created["ChannelId"]
    assert created["ChannelStatus"] == "CREATING"
    assert created["ChannelARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:channel/{channel_id}"
    assert re.fullmatch(r"[0-9a-f-]{36}", channel_id)
    destination = created["S3DestinationConfiguration"]
    assert destination["DataFreshnessInSeconds"] == 300
    assert destination["StorageConfiguration"]["OutputKeyTemplate"] == DEFAULT_TEMPLATE
    assert destination["StorageConfiguration"]["StorageClass"] == "STANDARD"
    assert destination["DeadLetterQueueS3Configuration"] == {
        "BucketARN": f"arn:aws:s3:::{setup['bucket']}", "ExpectedBucketOwner": ACCOUNT,
        "ErrorOutputPrefix": f"kinesis-channel/errors/{name}/{channel_id}/"}
    assert created["LoggingConfiguration"] == {"CloudWatchLogs": {"Enabled": False}}
    assert created["StreamConfigurationList"][0]["StreamARN"] == setup["stream_arn"]
    arn = created["ChannelARN"]

    advance_clock(endpoint, 1)
    assert kinesis.describe_channel(ChannelARN=arn)["ChannelDescription"]["ChannelStatus"] == "ACTIVE"

    updated = kinesis.update_channel(ChannelARN=arn, S3DestinationConfiguration={"DataFreshnessInSeconds": 600},
                                     LoggingConfiguration={"CloudWatchLogs": {"Enabled": True}})["ChannelDescription"]
    assert updated["ChannelStatus"] == "UPDATING"
    assert updated["S3DestinationConfiguration"]["DataFreshnessInSeconds"] == 600
    assert updated["LoggingConfiguration"]["CloudWatchLogs"] == {
        "Enabled": True, "LogGroupName": f"/aws/kinesis/{name}/{channel_id}", "LogStreamName": "DestinationDelivery"}
    assert error_of(kinesis.update_channel, ChannelARN=arn,
                    S3DestinationConfiguration={"DataFreshnessInSeconds": 400}) == ("ResourceInUseException", 400)
    advance_clock(endpoint, 1)
    assert kinesis.describe_channel(ChannelARN=arn)["ChannelDescription"]["ChannelStatus"] == "ACTIVE"

    kinesis.delete_channel(ChannelARN=arn)
    assert kinesis.describe_channel(ChannelARN=arn)["ChannelDescription"]["ChannelStatus"] == "DELETING"
    advance_clock(endpoint, 1)
    assert error_of(kinesis.describe_channel, ChannelARN=arn) == ("ResourceNotFoundException", 400)
    assert error_of(kinesis.delete_channel, ChannelARN=arn) == ("ResourceNotFoundException", 400)
    # The name and the stream's S3 slot are free again.
    create_channel(aws, setup["stream_arn"], setup["role"], s3_destination(setup["bucket"]), ChannelName=name)


def test_list_channels_filters_by_stream_and_pages(aws, endpoint, setup):
    kinesis = aws("kinesis")
    other_name, other_arn = on_demand_stream(aws, endpoint)
    mine = [create_channel(aws, arn, setup["role"], s3_destination(setup["bucket"]))["ChannelARN"]
            for arn in (other_arn,)]
    listed = kinesis.list_channels(StreamFilter=[{"StreamARN": other_arn}])["ChannelSummaries"]
    assert [c["ChannelARN"] for c in listed] == mine
    assert listed[0]["ChannelDestinationType"] == "S3"
    assert listed[0]["Streams"][0]["StreamARN"] == other_arn

    seen, token = [], None
    while True:
        page = kinesis.list_channels(MaxResults=1, **({"NextToken": token} if token else {}))
        assert len(page["ChannelSummaries"]) <= 1
        seen += [c["ChannelARN"] for c in page["ChannelSummaries"]]
        token = page.get("NextToken")
        if not token:
            break
    assert set(mine) <= set(seen) and len(seen) == len(set(seen))
    assert error_of(kinesis.list_channels, NextToken="bm90LWEtdG9rZW4=") == ("InvalidArgumentException", 400)


def test_delete_stream_with_a_channel_is_refused(aws, endpoint, setup):
    kinesis = aws("kinesis")
    name, arn = on_demand_stream(aws, endpoint)
    channel = create_channel(aws, arn, setup["role"], s3_destination(setup["bucket"]))
    assert error_of(kinesis.delete_stream, StreamName=name) == ("ResourceInUseException", 400)
    kinesis.delete_channel(ChannelARN=channel["ChannelARN"])
    advance_clock(endpoint, 1)
    kinesis.delete_stream(StreamName=name)


def test_s3_tables_destination_is_validated_then_failed(aws, endpoint, setup):
    kinesis = aws("kinesis")
    name, arn = on_demand_stream(aws, endpoint)
    tables = {"DeadLetterQueueS3Configuration": {"BucketARN": f"arn:aws:s3:::{setup['bucket']}",
                                                 "ExpectedBucketOwner": ACCOUNT},
              "S3TablesConfigurationList": [{"TableBucketARN": f"arn:aws:s3tables:us-east-1:{ACCOUNT}:bucket/tables",
                                             "Namespace": "sales", "TableName": "orders", "CompressionType": "ZSTD"}]}
    config = [{"StreamARN": arn, "RecordConfiguration": {"RecordFormatType": "STRING"}}]
    assert error_of(kinesis.create_channel, ChannelName=unique("t"), ServiceExecutionRoleARN=setup["role"],
                    StreamConfigurationList=config,
                    S3TablesDestinationConfiguration=tables) == ("InvalidArgumentException", 400)
    config[0]["RecordConfiguration"] = {"RecordFormatType": "GSR_JSON"}
    created = kinesis.create_channel(ChannelName=unique("t"), ServiceExecutionRoleARN=setup["role"],
                                     StreamConfigurationList=config,
                                     S3TablesDestinationConfiguration=tables)["ChannelDescription"]
    assert created["ChannelStatus"] == "CREATING"
    assert created["S3TablesDestinationConfiguration"]["DataFreshnessInSeconds"] == 300
    advance_clock(endpoint, 1)
    described = kinesis.describe_channel(ChannelARN=created["ChannelARN"])["ChannelDescription"]
    assert described["ChannelStatus"] == "FAILED"
    assert "S3 Tables" in described["ChannelStatusReason"]
    summary = kinesis.list_channels(StreamFilter=[{"StreamARN": arn}])["ChannelSummaries"][0]
    assert summary["ChannelDestinationType"] == "S3_TABLES" and summary["ChannelStatus"] == "FAILED"
    # An S3 channel may still join it: one of each destination type per stream.
    create_channel(aws, arn, setup["role"], s3_destination(setup["bucket"]))


def _kms_key(aws, disabled: bool = False) -> str:
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    if disabled:
        kms.disable_key(KeyId=key)
    return key


@pytest.mark.parametrize("case, expected", [
    ("both destinations", "InvalidArgumentException"),
    ("no destination", "InvalidArgumentException"),
    ("missing stream", "ResourceNotFoundException"),
    ("provisioned stream", "ValidationException"),
    ("missing role", "InvalidArgumentException"),
    ("GSR_JSON to S3", "InvalidArgumentException"),
    ("freshness too low", "InvalidArgumentException"),
    ("freshness too high", "InvalidArgumentException"),
    ("missing bucket", "ResourceNotFoundException"),
    ("wrong bucket owner", "AccessDeniedException"),
    ("missing dlq bucket", "ResourceNotFoundException"),
    ("compression without extension", "InvalidArgumentException"),
    ("unknown template variable", "InvalidArgumentException"),
    ("missing key", "KMSNotFoundException"),
    ("disabled key", "KMSDisabledException"),
    ("kinesis service key", "InvalidArgumentException"),
    ("duplicate name", "ResourceInUseException"),
    ("second S3 channel on the stream", "LimitExceededException"),
])
def test_create_channel_rejects(aws, endpoint, setup, case, expected):
    kinesis = aws("kinesis")
    _, stream_arn = on_demand_stream(aws, endpoint)
    role_arn, destination = setup["role"], s3_destination(setup["bucket"])
    params = {"ChannelName": unique("bad"), "ServiceExecutionRoleARN": role_arn,
              "StreamConfigurationList": [{"StreamARN": stream_arn,
                                           "RecordConfiguration": {"RecordFormatType": "JSON"}}],
              "S3DestinationConfiguration": destination}
    storage = destination["StorageConfiguration"]
    if case == "both destinations":
        params["S3TablesDestinationConfiguration"] = {
            "DeadLetterQueueS3Configuration": {"BucketARN": storage["BucketARN"], "ExpectedBucketOwner": ACCOUNT},
            "S3TablesConfigurationList": [{"TableBucketARN": f"arn:aws:s3tables:us-east-1:{ACCOUNT}:bucket/tables",
                                           "Namespace": "n", "TableName": "t", "CompressionType": "NONE"}]}
    elif case == "no destination":
        del params["S3DestinationConfiguration"]
    elif case == "missing stream":
        params["StreamConfigurationList"][0]["StreamARN"] = stream_arn + "-gone"
    elif case == "provisioned stream":
        name = unique("prov")
        kinesis.create_stream(StreamName=name, ShardCount=1)
        advance_clock(endpoint, 1)
        params["StreamConfigurationList"][0]["StreamARN"] = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"
    elif case == "missing role":
        params["ServiceExecutionRoleARN"] = f"arn:aws:iam::{ACCOUNT}:role/{unique('nobody')}"
    elif case == "GSR_JSON to S3":
        params["StreamConfigurationList"][0]["RecordConfiguration"]["RecordFormatType"] = "GSR_JSON"
    elif case == "freshness too low":
        destination["DataFreshnessInSeconds"] = 299
    elif case == "freshness too high":
        destination["DataFreshnessInSeconds"] = 901
    elif case == "missing bucket":
        storage["BucketARN"] = f"arn:aws:s3:::{unique('nobucket')}"
    elif case == "wrong bucket owner":
        storage["ExpectedBucketOwner"] = "111122223333"
    elif case == "missing dlq bucket":
        destination["DeadLetterQueueS3Configuration"] = {"BucketARN": f"arn:aws:s3:::{unique('nodlq')}",
                                                         "ExpectedBucketOwner": ACCOUNT}
    elif case == "compression without extension":
        storage.update(CompressionType="GZIP", OutputKeyTemplate="data/!{channel-name}/!{yyyy}")
    elif case == "unknown template variable":
        storage["OutputKeyTemplate"] = "data/!{partition-key}/!{yyyy}"
    elif case == "missing key":
        params["EncryptionConfiguration"] = {"EncryptionType": "KMS",
                                             "KeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{unique('k')}"}
    elif case == "disabled key":
        params["EncryptionConfiguration"] = {"EncryptionType": "KMS", "KeyId": _kms_key(aws, disabled=True)}
    elif case == "kinesis service key":
        params["EncryptionConfiguration"] = {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    elif case == "duplicate name":
        _, other = on_demand_stream(aws, endpoint)
        create_channel(aws, other, role_arn, s3_destination(setup["bucket"]), ChannelName=params["ChannelName"])
    elif case == "second S3 channel on the stream":
        create_channel(aws, stream_arn, role_arn, s3_destination(setup["bucket"]))
    assert error_of(kinesis.create_channel, **params)[0] == expected


def test_update_and_lookups_reject(aws, endpoint, setup):
    kinesis = aws("kinesis")
    _, stream_arn = on_demand_stream(aws, endpoint)
    arn = create_channel(aws, stream_arn, setup["role"], s3_destination(setup["bucket"]))["ChannelARN"]
    assert error_of(kinesis.update_channel, ChannelARN=arn,
                    S3DestinationConfiguration={"DataFreshnessInSeconds": 600}) == ("ResourceInUseException", 400)
    advance_clock(endpoint, 1)
    assert error_of(kinesis.update_channel, ChannelARN=arn,
                    S3TablesDestinationConfiguration={"DataFreshnessInSeconds": 600})[0] == "InvalidArgumentException"
    assert error_of(kinesis.update_channel, ChannelARN=arn,
                    S3DestinationConfiguration={"DataFreshnessInSeconds": 100})[0] == "InvalidArgumentException"
    missing = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:channel/{unique('none')}"
    for call in (kinesis.describe_channel, kinesis.delete_channel):
        assert error_of(call, ChannelARN=missing) == ("ResourceNotFoundException", 400)
    assert error_of(kinesis.update_channel, ChannelARN=missing,
                    S3DestinationConfiguration={"DataFreshnessInSeconds": 600})[0] == "ResourceNotFoundException"


def test_channel_tags_through_the_resource_operations(aws, endpoint, setup):
    kinesis = aws("kinesis")
    _, stream_arn = on_demand_stream(aws, endpoint)
    arn = create_channel(aws, stream_arn, setup["role"], s3_destination(setup["bucket"]), ChannelName=unique("tags"),
                 Tags={"team": "data"})["ChannelARN"]
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    kinesis.tag_resource(ResourceARN=arn, Tags={"env": "test"})
    kinesis.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "test"}]
    missing = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert error_of(kinesis.tag_resource, ResourceARN=missing, Tags={"a": "b"}) == ("ResourceNotFoundException", 400)
