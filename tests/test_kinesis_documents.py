"""Kinesis entities stored before documents were versioned (snake_case, no SchemaVersion) are served as
they were and rewritten in today's shape: streams with their shards and consumers, queues, channels and
their delivery checkpoints, account settings; the shard records they point at are read unchanged."""
from __future__ import annotations

import json
import os
import time

from nimbus.core.documents import VERSION_FIELD
from nimbus.services.kinesis.documents import STREAM
from nimbus.services.kinesis.sequence import record_number, sequence_number
from nimbus.services.kinesis.shard_log import LogDirectory, encode
from nimbus.store import open_store
from tests.support import ACCOUNT, CHANNEL_TRUST, advance_clock, make_client, new_bucket, objects, start_server

REGION = "us-east-1"
STREAM_ID = "c0885515ae864111a7f8f95c1997c271"
ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/legacy"
HALF = 2 ** 127
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "kinesis:DescribeStreamSummary",
    "Resource": ARN}]})


def _shard(index: int, start: int, end: int, created_ms: int, parent: int | None = None, closed_ms: int | None = None,
           end_count: int | None = None, end_seq: str | None = None) -> dict:
    return {"index": index, "start": start, "end": end, "parent": parent, "adjacent": None,
            "start_seq": sequence_number(index, created_ms, 0), "created_ms": created_ms, "end_count": end_count,
            "end_seq": end_seq, "closed_ms": closed_ms}


def legacy_documents(now: float, bucket: str) -> dict[tuple, dict]:
    """What this nimbus wrote before versions: a provisioned stream whose shard 0 (one record) was split
    into 2 and 3, with a consumer, a policy and metrics; a queue holding that record in flight; a channel
    delivering the stream to ``bucket``; the account's billing commitment."""
    created, split = int((now - 600) * 1000), int((now - 300) * 1000)
    arrival = created + 1000
    stream = {
        "id": STREAM_ID, "name": "legacy", "arn": ARN, "created": created / 1000, "mode": "PROVISIONED",
        "status": "UPDATING", "status_until": split / 1000 + 0.5, "retention_hours": 48,
        "shards": [_shard(0, 0, HALF - 1, created, closed_ms=split, end_count=1,
                          end_seq=record_number(0, arrival, 0)),
                   _shard(1, HALF, 2 ** 128 - 1, created),
                   _shard(2, 0, HALF // 2 - 1, split, parent=0), _shard(3, HALF // 2, HALF - 1, split, parent=0)],
        "next_shard_index": 4, "version": 1, "encryption": {"type": "NONE", "key_id": None},
        "monitoring": ["IncomingBytes"], "tags": {"team": "a"},
        "consumers": {"reader": {"name": "reader", "arn": f"{ARN}/consumer/reader:{int(now) - 500}",
                                 "created": now - 500, "status": "CREATING", "status_until": now - 499.5,
                                 "tags": {}, "policy": None}},
        "policy": POLICY, "consumer_policies": {}, "max_record_kib": 1024, "warm_mibps": None,
        "trim_floor_ms": created - 3600_000,
    }
    queue = {
        "id": "d7105a425abc4f783761bd0a59fbce5b", "name": "legacy-q",
        "arn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:queue/legacy-q", "created": now - 200, "status": "CREATING",
        "status_until": now - 199.5,
        "streams": [{"arn": ARN, "name": "legacy", "id": STREAM_ID, "created": created / 1000,
                     "start": {"Type": "TRIM_HORIZON"}, "cursors": {"0": 1}}],
        "visibility": 30, "dlq": {"TargetType": "BUILT_IN", "MaxReceiveCount": 5}, "tags": {},
        "inflight": {"0s0p0": {"s": 0, "h": 0, "p": 0, "c": 1, "f": now - 100, "v": now - 70,
                               "n": "f79e22807289ab44", "o": 1}},
        "dead": {}, "order": 1,
    }
    channel_id = "a0365ad9-7078-4e8c-984f-06280abef104"
    bucket_arn = f"arn:aws:s3:::{bucket}"
    channel = {
        "id": channel_id, "name": "legacy-channel", "arn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:channel/{channel_id}",
        "created": now - 100, "status": "CREATING", "status_until": now - 99.5, "settles_to": "ACTIVE",
        "reason": None, "role": f"arn:aws:iam::{ACCOUNT}:role/channel-role", "kind": "S3",
        "destination": {
            "DataFreshnessInSeconds": 300,
            "StorageConfiguration": {"BucketARN": bucket_arn, "ExpectedBucketOwner": ACCOUNT, "CompressionType": "NONE",
                                     "StorageClass": "STANDARD", "OutputKeyTemplate": "legacy/!{stream-name}"},
            "DeadLetterQueueS3Configuration": {"BucketARN": bucket_arn, "ExpectedBucketOwner": ACCOUNT,
                                               "ErrorOutputPrefix": "errors/"}},
        "stream": {"arn": ARN, "name": "legacy", "id": STREAM_ID, "created": created / 1000},
        "record": {"RecordFormatType": "STRING"}, "encryption": None, "key_arn": None,
        "logging": {"CloudWatchLogs": {"Enabled": False}}, "tags": {}, "account": ACCOUNT, "region": REGION,
        "active_ms": int((now - 99.5) * 1000),
    }
    progress = {"shards": {"1": {"next": 0, "done": False}, "2": {"next": 0, "done": False}}, "intent": None}
    settings = {"commitment": {"Status": "ENABLED", "StartedAt": now - 1000}}
    return {(ns("streams"), "legacy"): stream, (ns("queues"), "legacy-q"): queue,
            (ns("channels"), channel_id): channel, (ns("channel-progress"), channel_id): progress,
            (ns("account"), "settings"): settings}


def ns(kind: str) -> tuple[str, ...]:
    return ("kinesis", ACCOUNT, REGION, kind)


def write_legacy_data_dir(data_dir: str, bucket: str) -> dict[tuple, dict]:
    now = time.time()
    documents = legacy_documents(now, bucket)
    store = open_store(data_dir)
    for (namespace, key), document in documents.items():
        store.put(namespace, key, document)
    store.close()
    arrival = documents[(ns("streams"), "legacy")]["shards"][0]["created_ms"] + 1000
    logs = LogDirectory(os.path.join(data_dir, "kinesis"))
    logs.log(STREAM_ID, 0).append([encode(arrival, 0, b"k", b"one")], [arrival])
    logs.log(STREAM_ID, 0).close()
    return documents


def test_a_stream_document_of_version_0_reads_in_todays_shape():
    stream = STREAM.load(legacy_documents(time.time(), "b")[(ns("streams"), "legacy")])
    assert {k: stream["Shards"][2][k] for k in ("ShardIndex", "ParentShardIndex", "StartingHashKey", "EndPosition")} \
        == {"ShardIndex": 2, "ParentShardIndex": 0, "StartingHashKey": 0, "EndPosition": None}
    assert stream["Consumers"]["reader"]["ConsumerName"] == "reader"
    assert stream["Encryption"] == {"EncryptionType": "NONE", "KeyId": None, "DataKey": None, "DataKeyOf": None}
    assert "consumer_policies" not in stream and stream["ReshardCount"] == 1 and stream[VERSION_FIELD] == 1


def test_kinesis_data_written_before_versions_is_served_and_rewritten_versioned(tmp_path):
    with start_server(tmp_path) as first:  # the bucket the legacy channel delivers to, as the role it names
        bucket = new_bucket(make_client(first.endpoint, "s3"))
        make_client(first.endpoint, "iam").create_role(RoleName="channel-role", AssumeRolePolicyDocument=CHANNEL_TRUST)
    data_dir = str(tmp_path / "data")
    documents = write_legacy_data_dir(data_dir, bucket)
    with start_server(tmp_path) as server:
        kinesis, s3 = make_client(server.endpoint, "kinesis"), make_client(server.endpoint, "s3")
        description = kinesis.describe_stream(StreamName="legacy")["StreamDescription"]
        assert (description["StreamStatus"], description["RetentionPeriodHours"]) == ("ACTIVE", 48)
        assert description["EnhancedMonitoring"] == [{"ShardLevelMetrics": ["IncomingBytes"]}]
        shards = {s["ShardId"]: s for s in description["Shards"]}
        assert shards["shardId-000000000002"]["ParentShardId"] == "shardId-000000000000"
        assert "EndingSequenceNumber" in shards["shardId-000000000000"]["SequenceNumberRange"]
        iterator = kinesis.get_shard_iterator(StreamName="legacy", ShardId="shardId-000000000000",
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        read = kinesis.get_records(ShardIterator=iterator)
        assert [r["Data"] for r in read["Records"]] == [b"one"]
        assert sorted(c["ShardId"] for c in read["ChildShards"]) == ["shardId-000000000002", "shardId-000000000003"]
        [consumer] = kinesis.list_stream_consumers(StreamARN=ARN)["Consumers"]
        assert (consumer["ConsumerName"], consumer["ConsumerStatus"]) == ("reader", "ACTIVE")
        assert json.loads(kinesis.get_resource_policy(ResourceARN=ARN)["Policy"]) == json.loads(POLICY)
        assert kinesis.list_tags_for_stream(StreamName="legacy")["Tags"] == [{"Key": "team", "Value": "a"}]
        assert kinesis.describe_account_settings()["MinimumThroughputBillingCommitment"]["Status"] == "ENABLED"
        kinesis.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})
        queue_arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:queue/legacy-q"
        [again] = kinesis.receive_queue_records(QueueARN=queue_arn, Limit=5)["QueueRecords"]
        assert (again["Data"], again["ReceiveCount"]) == (b"one", 2)
        channel_arn = next(d["arn"] for (namespace, _), d in documents.items() if namespace == ns("channels"))
        channel = kinesis.describe_channel(ChannelARN=channel_arn)["ChannelDescription"]
        assert (channel["ChannelName"], channel["ChannelStatus"]) == ("legacy-channel", "ACTIVE")
        kinesis.add_tags_to_stream(StreamName="legacy", Tags={"owner": "b"})
        kinesis.tag_resource(ResourceARN=channel_arn, Tags={"owner": "b"})
        kinesis.put_record(StreamName="legacy", Data=b"two", PartitionKey="k")
        advance_clock(server.endpoint, 301)
        assert list(objects(s3, bucket).values()) == [b"two"]
    store = open_store(data_dir)
    for (namespace, key), old in documents.items():
        stored = store.get(namespace, key)
        assert stored[VERSION_FIELD] == 1, namespace
        assert not set(old) & set(stored), f"{namespace[-1]} kept old field names: {set(old) & set(stored)}"
    stream = store.get(ns("streams"), "legacy")
    assert stream["Tags"] == {"team": "a", "owner": "b"} and stream["Shards"][0]["EndPosition"] == 1
    assert stream["Consumers"]["reader"]["ConsumerARN"].startswith(f"{ARN}/consumer/reader:")
    store.close()
