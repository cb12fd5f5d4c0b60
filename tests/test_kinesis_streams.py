"""Kinesis streams: lifecycle on the virtual clock, descriptions, listing, settings, tags, policies, consumers."""
from __future__ import annotations

import json
from pathlib import Path

from tests.support import MAX_HASH_KEY, active_stream, advance_clock, error_of, read_shard, unique, wait_active


def test_stream_goes_creating_active_updating_deleting_on_the_virtual_clock(kinesis, endpoint):
    name = unique("life")
    kinesis.create_stream(StreamName=name, ShardCount=2)
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "CREATING"
    assert error_of(kinesis.put_record, StreamName=name, Data=b"x",
                    PartitionKey="k").code == "ResourceNotFoundException"
    assert error_of(kinesis.create_stream, StreamName=name, ShardCount=1).code == "ResourceInUseException"
    wait_active(kinesis, endpoint, name)
    kinesis.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    assert kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamStatus"] == "UPDATING"
    kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="k")  # an UPDATING stream takes records
    wait_active(kinesis, endpoint, name)
    kinesis.delete_stream(StreamName=name)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "DELETING"
    advance_clock(endpoint, 1)
    assert error_of(kinesis.describe_stream, StreamName=name).code == "ResourceNotFoundException"
    assert name not in kinesis.list_streams(Limit=10000)["StreamNames"]
    kinesis.create_stream(StreamName=name, ShardCount=1)  # the name is free again, with a fresh log
    wait_active(kinesis, endpoint, name)
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert kinesis.get_records(ShardIterator=iterator)["Records"] == []


def test_shards_split_the_hash_space_evenly_as_aws_does(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=3)
    description = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    ranges = [(s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"]) for s in description["Shards"]]
    assert ranges == [("0", "113427455640312821154458202477256070484"),
                      ("113427455640312821154458202477256070485", "226854911280625642308916404954512140969"),
                      ("226854911280625642308916404954512140970", str(MAX_HASH_KEY))]
    assert description["StreamARN"] == f"arn:aws:kinesis:us-east-1:000000000000:stream/{name}"
    assert description["RetentionPeriodHours"] == 24 and description["StreamModeDetails"]["StreamMode"] == "PROVISIONED"
    assert all(len(s["SequenceNumberRange"]["StartingSequenceNumber"]) == 56 for s in description["Shards"])
    assert kinesis.describe_stream(StreamName=name, Limit=2)["StreamDescription"]["HasMoreShards"] is True
    rest = kinesis.describe_stream(StreamName=name, ExclusiveStartShardId="shardId-000000000000")
    assert [s["ShardId"] for s in rest["StreamDescription"]["Shards"]] == ["shardId-000000000001",
                                                                           "shardId-000000000002"]
    by_arn = kinesis.describe_stream_summary(StreamARN=description["StreamARN"])["StreamDescriptionSummary"]
    assert by_arn["OpenShardCount"] == 3


def test_on_demand_streams_and_mode_switch(kinesis, endpoint):
    name = unique("ondemand")
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    wait_active(kinesis, endpoint, name)
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"]["StreamMode"] == "ON_DEMAND" and summary["OpenShardCount"] == 4
    assert error_of(kinesis.update_shard_count, StreamName=name, TargetShardCount=2,
                    ScalingType="UNIFORM_SCALING").code == "ValidationException"
    kinesis.update_stream_mode(StreamARN=summary["StreamARN"], StreamModeDetails={"StreamMode": "PROVISIONED"})
    wait_active(kinesis, endpoint, name)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamModeDetails"] == {
        "StreamMode": "PROVISIONED"}
    assert error_of(kinesis.create_stream, StreamName=unique("bad")).code == "InvalidArgumentException"


def test_list_streams_and_shards_page_with_tokens_and_filters(kinesis, endpoint):
    names = sorted(active_stream(kinesis, endpoint, prefix="listed") for _ in range(3))
    first = kinesis.list_streams(ExclusiveStartStreamName=names[0][:-1], Limit=2)
    assert first["HasMoreStreams"] and len(first["StreamNames"]) == 2
    assert first["StreamSummaries"][0]["StreamARN"].endswith(first["StreamNames"][0])
    name = active_stream(kinesis, endpoint, ShardCount=5)
    page = kinesis.list_shards(StreamName=name, MaxResults=2)
    shards = page["Shards"]
    while page.get("NextToken"):
        page = kinesis.list_shards(NextToken=page["NextToken"], MaxResults=2)
        shards += page["Shards"]
    assert [s["ShardId"] for s in shards] == [f"shardId-00000000000{i}" for i in range(5)]
    assert error_of(kinesis.list_shards, StreamName=name, NextToken="x").code == "InvalidArgumentException"
    kinesis.merge_shards(StreamName=name, ShardToMerge="shardId-000000000000", AdjacentShardToMerge="shardId-000000000001")
    latest = kinesis.list_shards(StreamName=name, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [s["ShardId"] for s in latest] == [f"shardId-00000000000{i}" for i in (2, 3, 4, 5)]
    horizon = kinesis.list_shards(StreamName=name, ShardFilter={"Type": "AT_TRIM_HORIZON"})["Shards"]
    assert [s["ShardId"] for s in horizon] == [f"shardId-00000000000{i}" for i in range(5)]
    after = kinesis.list_shards(StreamName=name, ShardFilter={"Type": "AFTER_SHARD_ID",
                                                              "ShardId": "shardId-000000000003"})["Shards"]
    assert [s["ShardId"] for s in after] == ["shardId-000000000004", "shardId-000000000005"]
    advance_clock(endpoint, 25 * 3600)  # the closed parents pass retention and drop out of listings
    listed = kinesis.list_shards(StreamName=name)["Shards"]
    assert [s["ShardId"] for s in listed] == [f"shardId-00000000000{i}" for i in (2, 3, 4, 5)]


def test_retention_bounds(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    for call, hours in ((kinesis.increase_stream_retention_period, 8761),
                        (kinesis.decrease_stream_retention_period, 23),
                        (kinesis.decrease_stream_retention_period, 48)):
        assert error_of(call, StreamName=name, RetentionPeriodHours=hours).code == "InvalidArgumentException"
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=8760)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 8760


def test_tags_both_flavours(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, Tags={"team": "data"})
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    kinesis.add_tags_to_stream(StreamName=name, Tags={"env": "test", "tier": "1"})
    tags = kinesis.list_tags_for_stream(StreamName=name)
    assert tags["Tags"] == [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "data"},
                            {"Key": "tier", "Value": "1"}] and tags["HasMoreTags"] is False
    assert kinesis.list_tags_for_stream(StreamName=name, Limit=1)["HasMoreTags"] is True
    kinesis.remove_tags_from_stream(StreamName=name, TagKeys=["tier"])
    kinesis.tag_resource(ResourceARN=arn, Tags={"owner": "me"})
    kinesis.untag_resource(ResourceARN=arn, TagKeys=["env"])
    assert {t["Key"] for t in kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"]} == {"team", "owner"}
    assert error_of(kinesis.add_tags_to_stream, StreamName=name,
                    Tags={f"k{i}": "v" for i in range(50)}).code == "InvalidArgumentException"
    assert error_of(kinesis.list_tags_for_resource, ResourceARN=arn + "-missing").code == "ResourceNotFoundException"


def test_resource_policies_are_stored(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "AWS": "arn:aws:iam::111122223333:root"}, "Action": "kinesis:GetRecords", "Resource": arn}]})
    kinesis.put_resource_policy(ResourceARN=arn, Policy=policy)
    assert json.loads(kinesis.get_resource_policy(ResourceARN=arn)["Policy"]) == json.loads(policy)
    kinesis.delete_resource_policy(ResourceARN=arn)
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    assert error_of(kinesis.put_resource_policy, ResourceARN=arn, Policy="not json").code == "InvalidArgumentException"


def test_encryption_setting_and_records_stay_readable(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    wait_active(kinesis, endpoint, name)
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["EncryptionType"] == "KMS" and summary["KeyId"] == "alias/aws/kinesis"
    put = kinesis.put_record(StreamName=name, Data=b"secret", PartitionKey="k")
    assert put["EncryptionType"] == "KMS"
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=put["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"secret"]
    kinesis.stop_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    wait_active(kinesis, endpoint, name)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["EncryptionType"] == "NONE"


def test_limits_settings_and_monitoring(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=2)
    limits = kinesis.describe_limits()
    assert limits["OpenShardCount"] >= 2 and limits["ShardLimit"] >= limits["OpenShardCount"]
    enabled = kinesis.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingBytes"])
    assert enabled["CurrentShardLevelMetrics"] == [] and enabled["DesiredShardLevelMetrics"] == ["IncomingBytes"]
    disabled = kinesis.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingBytes"])
    assert disabled["DesiredShardLevelMetrics"] == []
    assert kinesis.describe_account_settings()["MinimumThroughputBillingCommitment"]["Status"] == "DISABLED"
    committed = kinesis.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})
    assert committed["MinimumThroughputBillingCommitment"]["Status"] == "ENABLED"
    assert "StartedAt" in kinesis.describe_account_settings()["MinimumThroughputBillingCommitment"]
    kinesis.update_account_settings(MinimumThroughputBillingCommitment={"Status": "DISABLED"})
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    kinesis.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=2048)
    big = kinesis.put_record(StreamName=name, Data=b"x" * (1536 * 1024), PartitionKey="k")
    assert big["SequenceNumber"]


def test_consumers_register_describe_list_deregister(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="app")["Consumer"]
    assert consumer["ConsumerStatus"] == "CREATING" and consumer["ConsumerARN"].startswith(arn + "/consumer/app:")
    assert error_of(kinesis.register_stream_consumer, StreamARN=arn,
                    ConsumerName="app").code == "ResourceInUseException"
    advance_clock(endpoint, 1)
    described = kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]
    assert described["ConsumerStatus"] == "ACTIVE" and described["StreamARN"] == arn
    assert kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="app")["ConsumerDescription"][
        "ConsumerARN"] == consumer["ConsumerARN"]
    assert [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]] == ["app"]
    assert error_of(kinesis.delete_stream, StreamName=name).code == "ResourceInUseException"
    kinesis.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
    advance_clock(endpoint, 1)
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    assert error_of(kinesis.describe_stream_consumer,
                    ConsumerARN=consumer["ConsumerARN"]).code == "ResourceNotFoundException"


def test_subscribe_to_shard_streams_events_to_boto3(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="fanout")["Consumer"]
    assert error_of(kinesis.subscribe_to_shard, ConsumerARN=consumer["ConsumerARN"], ShardId="shardId-000000000000",
                    StartingPosition={"Type": "TRIM_HORIZON"}).code == "ResourceInUseException"
    advance_clock(endpoint, 1)
    kinesis.put_records(StreamName=name, Records=[{"Data": f"e{i}".encode(), "PartitionKey": "k"} for i in range(3)])
    response = kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId="shardId-000000000000",
                                          StartingPosition={"Type": "TRIM_HORIZON"})
    stream = response["EventStream"]
    received, continuation = [], None
    for event in stream:
        shard_event = event["SubscribeToShardEvent"]
        received += [r["Data"] for r in shard_event["Records"]]
        continuation = shard_event["ContinuationSequenceNumber"]
        if len(received) == 3:
            kinesis.put_record(StreamName=name, Data=b"live", PartitionKey="k")
        if len(received) == 4:
            break
    stream.close()
    assert received == [b"e0", b"e1", b"e2", b"live"]
    again = kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId="shardId-000000000000",
                                       StartingPosition={"Type": "AFTER_SEQUENCE_NUMBER",
                                                         "SequenceNumber": continuation})
    kinesis.put_record(StreamName=name, Data=b"after", PartitionKey="k")
    for event in again["EventStream"]:
        records = event["SubscribeToShardEvent"]["Records"]
        if records:
            assert [r["Data"] for r in records] == [b"after"]
            break
    again["EventStream"].close()


def test_subscription_ends_with_child_shards_once_a_closed_shard_is_read(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="ender")["Consumer"]
    advance_clock(endpoint, 1)
    kinesis.put_record(StreamName=name, Data=b"only", PartitionKey="k")
    kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    events = list(kinesis.subscribe_to_shard(ConsumerARN=consumer["ConsumerARN"], ShardId="shardId-000000000000",
                                             StartingPosition={"Type": "TRIM_HORIZON"})["EventStream"])
    assert [r["Data"] for e in events for r in e["SubscribeToShardEvent"]["Records"]] == [b"only"]
    assert len(events[-1]["SubscribeToShardEvent"]["ChildShards"]) == 2


def test_missing_streams_are_resource_not_found(kinesis):
    missing = unique("missing")
    for call in (kinesis.describe_stream, kinesis.describe_stream_summary, kinesis.delete_stream,
                 kinesis.list_shards, kinesis.list_tags_for_stream):
        assert error_of(call, StreamName=missing).code == "ResourceNotFoundException", call
    assert error_of(kinesis.get_shard_iterator, StreamName=missing, ShardId="shardId-000000000000",
                    ShardIteratorType="LATEST").code == "ResourceNotFoundException"


def test_records_are_sealed_on_disk_under_the_kms_data_key_and_a_disabled_key_stops_them(kinesis, endpoint,
                                                                                          server, client):
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    name = active_stream(kinesis, endpoint)
    kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key)
    wait_active(kinesis, endpoint, name)
    secret = b"top secret " + unique("marker").encode()
    put = kinesis.put_record(StreamName=name, Data=secret, PartitionKey="k")
    assert put["EncryptionType"] == "KMS"
    logs = Path(server.runtime.config.data_dir) / "kinesis"
    assert not any(secret in f.read_bytes() for f in logs.rglob("*.log"))
    assert [r["Data"] for r in read_shard(kinesis, name, put["ShardId"])] == [secret]
    kms.disable_key(KeyId=key)
    assert error_of(kinesis.put_record, StreamName=name, Data=b"x", PartitionKey="k").code == "KMSDisabledException"
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=put["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert error_of(kinesis.get_records, ShardIterator=iterator).code == "KMSDisabledException"
    kms.enable_key(KeyId=key)
    assert [r["Data"] for r in read_shard(kinesis, name, put["ShardId"])] == [secret]
    assert error_of(kinesis.start_stream_encryption, StreamName=name, EncryptionType="KMS",
                    KeyId="alias/does-not-exist").code == "KMSNotFoundException"
