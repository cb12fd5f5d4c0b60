"""Resharding under load: a reader following AWS's parent-before-child rule reads every record once, in order."""
from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError

from tests.support import MAX_HASH_KEY, active_stream, read_shard, wait_active


def _producers(kinesis, name: str, stop: threading.Event, acknowledged: list, errors: list, count: int = 4):
    def produce(worker: int):
        counter = 0
        try:
            while not stop.is_set():
                batch = [{"Data": f"{worker}:{key}:{counter + i}".encode(), "PartitionKey": f"w{worker}-k{key}"}
                         for i in range(5) for key in range(6)]
                result = kinesis.put_records(StreamName=name, Records=batch)
                assert result["FailedRecordCount"] == 0
                acknowledged.extend(entry["Data"] for entry in batch)
                counter += 5
        except Exception as error:  # surfaced by the test
            errors.append(error)
    threads = [threading.Thread(target=produce, args=(w,)) for w in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _check_exactly_once_in_order(records, acknowledged):
    data = [r["Data"] for r in records]
    assert len(data) == len(set(data)), "a record was read twice"
    assert set(acknowledged) <= set(data), "an acknowledged record was not read"
    last: dict[str, int] = {}
    for record in records:
        worker, key, counter = record["Data"].decode().split(":")
        assert int(counter) > last.get(f"{worker}:{key}", -1), "records of one key out of order"
        last[f"{worker}:{key}"] = int(counter)


def test_split_and_merge_under_load_read_exactly_once_in_order(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=2)
    stop, acknowledged, errors = threading.Event(), [], []
    threads = _producers(kinesis, name, stop, acknowledged, errors)
    try:
        while len(acknowledged) < 500:
            threading.Event().wait(0.01)
        kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 126))
        wait_active(kinesis, endpoint, name)
        mark = len(acknowledged)
        while len(acknowledged) < mark + 500:
            threading.Event().wait(0.01)
        kinesis.merge_shards(StreamName=name, ShardToMerge="shardId-000000000003",
                             AdjacentShardToMerge="shardId-000000000001")
        wait_active(kinesis, endpoint, name)
        mark = len(acknowledged)
        while len(acknowledged) < mark + 500:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    shards = {s["ShardId"]: s for s in kinesis.list_shards(StreamName=name)["Shards"]}
    assert shards["shardId-000000000002"]["ParentShardId"] == "shardId-000000000000"
    assert shards["shardId-000000000002"]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(2 ** 126 - 1)}
    merged = shards["shardId-000000000004"]
    assert (merged["ParentShardId"], merged["AdjacentParentShardId"]) == ("shardId-000000000003", "shardId-000000000001")
    assert merged["HashKeyRange"] == {"StartingHashKey": str(2 ** 126), "EndingHashKey": str(MAX_HASH_KEY)}
    for closed in ("shardId-000000000000", "shardId-000000000001", "shardId-000000000003"):
        assert "EndingSequenceNumber" in shards[closed]["SequenceNumberRange"]
    assert "EndingSequenceNumber" not in merged["SequenceNumberRange"]
    _check_exactly_once_in_order(read_stream_following_lineage(kinesis, name), acknowledged)


def test_update_shard_count_scales_uniformly_under_load(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=3)
    stop, acknowledged, errors = threading.Event(), [], []
    threads = _producers(kinesis, name, stop, acknowledged, errors, count=2)
    try:
        for target in (5, 3, 2):
            mark = len(acknowledged)
            while len(acknowledged) < mark + 300:
                threading.Event().wait(0.01)
            result = kinesis.update_shard_count(StreamName=name, TargetShardCount=target,
                                                ScalingType="UNIFORM_SCALING")
            assert result["TargetShardCount"] == target
            wait_active(kinesis, endpoint, name)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    open_shards = kinesis.list_shards(StreamName=name, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
            for s in open_shards] == [(0, 2 ** 127 - 1), (2 ** 127, MAX_HASH_KEY)]
    _check_exactly_once_in_order(read_stream_following_lineage(kinesis, name), acknowledged)


def test_closed_shard_ends_with_null_iterator_and_child_shards(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    kinesis.put_record(StreamName=name, Data=b"before", PartitionKey="k")
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    page = kinesis.get_records(ShardIterator=iterator)
    assert [r["Data"] for r in page["Records"]] == [b"before"]
    assert "NextShardIterator" not in page or page["NextShardIterator"] is None
    assert sorted(c["ShardId"] for c in page["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
    assert all(c["ParentShards"] == ["shardId-000000000000"] for c in page["ChildShards"])


def test_bad_resharding_requests(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=3)
    cases = [
        (kinesis.split_shard, dict(ShardToSplit="shardId-000000000000", NewStartingHashKey="1"),
         "InvalidArgumentException"),
        (kinesis.split_shard, dict(ShardToSplit="shardId-000000000007", NewStartingHashKey="100"),
         "ResourceNotFoundException"),
        (kinesis.merge_shards, dict(ShardToMerge="shardId-000000000000", AdjacentShardToMerge="shardId-000000000002"),
         "InvalidArgumentException"),
        (kinesis.update_shard_count, dict(TargetShardCount=7, ScalingType="UNIFORM_SCALING"),
         "InvalidArgumentException"),
    ]
    for call, kwargs, expected in cases:
        with pytest.raises(ClientError) as error:
            call(StreamName=name, **kwargs)
        assert error.value.response["Error"]["Code"] == expected, kwargs
    kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 100))
    with pytest.raises(ClientError) as error:  # UPDATING
        kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000001", NewStartingHashKey=str(2 ** 126))
    assert error.value.response["Error"]["Code"] == "ResourceInUseException"
    wait_active(kinesis, endpoint, name)
    with pytest.raises(ClientError) as error:
        kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 90))
    assert error.value.response["Error"]["Code"] == "ResourceInUseException"


def read_stream_following_lineage(kinesis, name: str) -> list[dict]:
    """AWS's documented rule: read a shard only after its parent (and adjacent parent) were read to the end."""
    shards = []
    token = None
    while True:
        page = kinesis.list_shards(NextToken=token) if token else kinesis.list_shards(StreamName=name)
        shards += page["Shards"]
        token = page.get("NextToken")
        if not token:
            break
    done: set[str] = set()
    records: list[dict] = []
    pending = list(shards)
    while pending:
        ready = [s for s in pending if all(p in done for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId"))
                                          if p and any(x["ShardId"] == p for x in shards))]
        assert ready, "lineage has a cycle or a missing parent"
        for shard in ready:
            records += read_shard(kinesis, name, shard["ShardId"])
            done.add(shard["ShardId"])
            pending.remove(shard)
    return records
