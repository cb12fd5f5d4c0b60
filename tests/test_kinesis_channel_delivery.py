"""Kinesis channels deliver for real: objects in S3 after DataFreshnessInSeconds (virtual clock), with the
key template, compression, storage class and SSE-KMS; bad records in the dead-letter location; errors in
CloudWatch Logs; resharding followed; nothing lost or duplicated across a restart."""
from __future__ import annotations

import gzip
import json
import os
import re
import signal

import cramjam
import pytest

from nimbus.server import free_port
from tests.support import (
    ACCOUNT,
    advance_clock,
    channel_role,
    create_channel,
    make_client,
    new_bucket,
    objects,
    on_demand_stream,
    s3_destination,
    serve_subprocess,
    start_server,
    virtual_now,
)


@pytest.fixture(scope="module")
def aws(client):
    return client


def _put(kinesis, stream: str, records: list[bytes], key: str = "k") -> None:
    kinesis.put_records(StreamName=stream, Records=[{"Data": r, "PartitionKey": key} for r in records])


def test_delivers_after_freshness_with_default_key_and_gzip(aws, endpoint):
    kinesis, s3 = aws("kinesis"), aws("s3")
    stream, stream_arn = on_demand_stream(aws, endpoint)
    target = new_bucket(aws("s3"))
    channel = create_channel(aws, stream_arn, channel_role(aws), s3_destination(target, CompressionType="GZIP"),
                             fmt="STRING")
    _put(kinesis, stream, [b"before-active"])  # no backfill: the channel is still CREATING
    advance_clock(endpoint, 1)
    start = virtual_now(endpoint)
    _put(kinesis, stream, [b"alpha ", b"beta "], key="a")
    _put(kinesis, stream, [b"gamma"], key="b")
    advance_clock(endpoint, 250)
    assert objects(s3, target) == {}
    advance_clock(endpoint, 60)
    delivered = objects(s3, target)
    assert len(delivered) == 1
    key, body = next(iter(delivered.items()))
    name, cid = channel["ChannelName"], channel["ChannelId"]
    stamp = f"{start:%Y}/{start:%m}/{start:%d}/{start:%H}"
    assert re.fullmatch(rf"kinesis-channel/{name}/{cid}/{stamp}/{name}-{cid}-{start:%Y-%m-%d-%H}-\d\d-[0-9a-f]{{16}}\.gz",
                        key), key
    assert sorted(gzip.decompress(body).split()) == [b"alpha", b"beta", b"gamma"]
    advance_clock(endpoint, 400)
    assert len(objects(s3, target)) == 1  # nothing new, nothing written again


def test_zstd_template_storage_class_and_sse_kms(aws, endpoint):
    kinesis, s3 = aws("kinesis"), aws("s3")
    stream, stream_arn = on_demand_stream(aws, endpoint)
    target = new_bucket(aws("s3"))
    key_arn = aws("kms").create_key()["KeyMetadata"]["Arn"]
    destination = s3_destination(target, CompressionType="ZSTD", StorageClass="INTELLIGENT_TIERING",
                                 OutputKeyTemplate="raw/!{stream-name}/!{yy}!{MM}!{dd}/part!{extension}")
    destination["DataFreshnessInSeconds"] = 600
    create_channel(aws, stream_arn, channel_role(aws), destination, EncryptionConfiguration={"EncryptionType": "KMS",
                                                                             "KeyId": key_arn})
    advance_clock(endpoint, 1)
    day = virtual_now(endpoint)
    _put(kinesis, stream, [b"\x00\x01binary", b"\xff\xfe"])
    advance_clock(endpoint, 301)
    assert objects(s3, target) == {}  # 600 s of freshness
    advance_clock(endpoint, 300)
    [key] = objects(s3, target)
    assert re.fullmatch(rf"raw/{stream}/{day:%y%m%d}/part-[0-9a-f]{{16}}\.zst", key), key
    head = s3.head_object(Bucket=target, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn
    assert head["StorageClass"] == "INTELLIGENT_TIERING"
    body = s3.get_object(Bucket=target, Key=key)["Body"].read()
    assert bytes(cramjam.zstd.decompress(body)) == b"\x00\x01binary\xff\xfe"


def test_bad_records_go_to_the_dead_letter_queue_and_the_log(aws, endpoint):
    kinesis, s3, logs = aws("kinesis"), aws("s3"), aws("logs")
    stream, stream_arn = on_demand_stream(aws, endpoint)
    target, dlq = new_bucket(aws("s3")), new_bucket(aws("s3"))
    destination = s3_destination(target)
    destination["DeadLetterQueueS3Configuration"] = {"BucketARN": f"arn:aws:s3:::{dlq}",
                                                     "ExpectedBucketOwner": ACCOUNT, "ErrorOutputPrefix": "bad/"}
    channel = create_channel(aws, stream_arn, channel_role(aws), destination, fmt="JSON",
                     LoggingConfiguration={"CloudWatchLogs": {"Enabled": True}})
    advance_clock(endpoint, 1)
    _put(kinesis, stream, [b'{"n": 1}', b"not json", b'{"n": 2}', b"\xff\xfe"])
    advance_clock(endpoint, 301)
    assert list(objects(s3, target).values()) == [b'{"n": 1}{"n": 2}']
    [(key, body)] = objects(s3, dlq).items()
    assert key.startswith(f"bad/{channel['ChannelName']}-{channel['ChannelId']}-")
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert [line["rawData"] for line in lines] == ["bm90IGpzb24=", "//4="]
    assert {line["errorCode"] for line in lines} == {"InvalidRecordFormat"}
    assert all(line["streamARN"] == stream_arn and line["shardId"].startswith("shardId-") for line in lines)
    group = f"/aws/kinesis/{channel['ChannelName']}/{channel['ChannelId']}"
    events = logs.get_log_events(logGroupName=group, logStreamName="DestinationDelivery")["events"]
    messages = [json.loads(e["message"]) for e in events]
    assert [m["errorCode"] for m in messages] == ["InvalidRecordFormat"] * 2
    assert messages[0]["sequenceNumber"] == lines[0]["sequenceNumber"]


def test_default_dead_letter_prefix_is_in_the_destination_bucket(aws, endpoint):
    kinesis, s3 = aws("kinesis"), aws("s3")
    stream, stream_arn = on_demand_stream(aws, endpoint)
    target = new_bucket(aws("s3"))
    channel = create_channel(aws, stream_arn, channel_role(aws), s3_destination(target), fmt="JSON")
    advance_clock(endpoint, 1)
    _put(kinesis, stream, [b"{oops"])
    advance_clock(endpoint, 301)
    [key] = objects(s3, target)
    assert key.startswith(f"kinesis-channel/errors/{channel['ChannelName']}/{channel['ChannelId']}/")


def test_follows_resharding_and_reads_an_encrypted_stream(aws, endpoint):
    kinesis, s3 = aws("kinesis"), aws("s3")
    stream, stream_arn = on_demand_stream(aws, endpoint)
    kinesis.start_stream_encryption(StreamName=stream, EncryptionType="KMS",
                                    KeyId=aws("kms").create_key()["KeyMetadata"]["KeyId"])
    advance_clock(endpoint, 1)
    target = new_bucket(aws("s3"))
    create_channel(aws, stream_arn, channel_role(aws), s3_destination(target), fmt="STRING")
    advance_clock(endpoint, 1)
    _put(kinesis, stream, [f"{i};".encode() for i in range(5)])
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]
    middle = (int(shard["HashKeyRange"]["StartingHashKey"]) + int(shard["HashKeyRange"]["EndingHashKey"])) // 2
    kinesis.split_shard(StreamName=stream, ShardToSplit=shard["ShardId"], NewStartingHashKey=str(middle))
    _put(kinesis, stream, [f"{i};".encode() for i in range(5, 10)])
    advance_clock(endpoint, 301)
    [body] = objects(s3, target).values()
    assert body == b"".join(f"{i};".encode() for i in range(10))  # one key: parents before children, in order


def test_restart_loses_and_duplicates_nothing(tmp_path):
    with start_server(tmp_path) as first:
        aws = lambda service: make_client(first.endpoint, service)  # noqa: E731
        stream, stream_arn = on_demand_stream(aws, first.endpoint)
        target = new_bucket(aws("s3"))
        create_channel(aws, stream_arn, channel_role(aws), s3_destination(target), fmt="STRING")
        advance_clock(first.endpoint, 1)
        _put(aws("kinesis"), stream, [b"a;", b"b;"])
        advance_clock(first.endpoint, 301)  # delivered and checkpointed
        _put(aws("kinesis"), stream, [b"c;", b"d;"])
        advance_clock(first.endpoint, 10)  # read ahead into memory, not yet delivered
    with start_server(tmp_path) as second:
        aws = lambda service: make_client(second.endpoint, service)  # noqa: E731
        advance_clock(second.endpoint, 301)
        _put(aws("kinesis"), stream, [b"e;"])
        advance_clock(second.endpoint, 301)
        bodies = sorted(objects(aws("s3"), target).values())
        assert bodies == [b"a;b;", b"c;d;", b"e;"]


def test_refused_delivery_is_logged_and_retried(aws, endpoint):
    kinesis, s3, logs = aws("kinesis"), aws("s3"), aws("logs")
    stream, stream_arn = on_demand_stream(aws, endpoint)
    target = new_bucket(aws("s3"))
    group = f"/custom/{target}"
    create_channel(aws, stream_arn, channel_role(aws), s3_destination(target), LoggingConfiguration={
        "CloudWatchLogs": {"Enabled": True, "LogGroupName": group, "LogStreamName": "errors"}})
    advance_clock(endpoint, 1)
    s3.delete_bucket(Bucket=target)
    _put(kinesis, stream, [b"kept"])
    advance_clock(endpoint, 301)
    # Each attempt (every real second while refused) is logged: at least the one on the clock jump.
    events = logs.get_log_events(logGroupName=group, logStreamName="errors")["events"]
    assert events and {json.loads(e["message"])["errorCode"] for e in events} == {"S3.NoSuchBucket"}
    s3.create_bucket(Bucket=target)
    advance_clock(endpoint, 1)
    assert list(objects(s3, target).values()) == [b"kept"]


def test_kill_9_while_records_are_buffered(tmp_path):
    port = free_port()
    endpoint, data_dir = f"http://127.0.0.1:{port}", str(tmp_path / "data")
    process = serve_subprocess(data_dir, port)
    try:
        aws = lambda service: make_client(endpoint, service)  # noqa: E731
        stream, stream_arn = on_demand_stream(aws, endpoint)
        target = new_bucket(aws("s3"))
        create_channel(aws, stream_arn, channel_role(aws), s3_destination(target), fmt="STRING")
        advance_clock(endpoint, 1)
        _put(aws("kinesis"), stream, [b"1;", b"2;"])
        advance_clock(endpoint, 301)
        _put(aws("kinesis"), stream, [f"{i};".encode() for i in range(3, 50)])
        advance_clock(endpoint, 5)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process = serve_subprocess(data_dir, port)
    try:
        advance_clock(endpoint, 301)
        bodies = sorted(objects(make_client(endpoint, "s3"), target).values(), key=len)
        assert bodies == [b"1;2;", b"".join(f"{i};".encode() for i in range(3, 50))]
    finally:
        process.kill()
        process.wait()


def test_a_crash_between_write_and_checkpoint_rewrites_the_same_object(tmp_path):
    """The store as a crash right after PutObject leaves it: intent recorded, checkpoint not yet moved."""
    from nimbus.services.kinesis.channel_delivery import progress_ns
    with start_server(tmp_path) as first:
        aws = lambda service: make_client(first.endpoint, service)  # noqa: E731
        stream, stream_arn = on_demand_stream(aws, first.endpoint)
        target = new_bucket(aws("s3"))
        channel = create_channel(aws, stream_arn, channel_role(aws), s3_destination(target), fmt="STRING")
        advance_clock(first.endpoint, 1)
        put = aws("kinesis").put_records(StreamName=stream, Records=[
            {"Data": d, "PartitionKey": "k"} for d in (b"a;", b"b;")])
        advance_clock(first.endpoint, 10)
        store, ns = first.runtime.store, progress_ns(ACCOUNT, "us-east-1")
        before = store.get(ns, channel["ChannelId"])
        advance_clock(first.endpoint, 301)
        delivered = objects(aws("s3"), target)
        assert list(delivered.values()) == [b"a;b;"]
        shard = str(int(put["Records"][0]["ShardId"].split("-")[1]))
        store.put(ns, channel["ChannelId"], {**before, "Intent": {shard: 1}})
    with start_server(tmp_path) as second:
        advance_clock(second.endpoint, 1)
        assert objects(make_client(second.endpoint, "s3"), target) == delivered
        assert second.runtime.store.get(ns, channel["ChannelId"])["Intent"] is None
