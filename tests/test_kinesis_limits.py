"""Per-shard throughput limits: off by default, enforced with --enforce-limits."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support import active_stream, make_client, start_server


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("limited"), enforce_limits=True) as running:
        yield running


def test_writes_over_a_shards_mib_per_second_fail_per_record(limited):
    kinesis = make_client(limited.endpoint, "kinesis")
    name = active_stream(kinesis, limited.endpoint)
    result = kinesis.put_records(StreamName=name, Records=[{"Data": b"x" * 3000, "PartitionKey": "k"}] * 500)
    assert result["FailedRecordCount"] == 500 - (1024 * 1024) // 3000
    failed = [r for r in result["Records"] if "ErrorCode" in r]
    assert failed[0]["ErrorCode"] == "ProvisionedThroughputExceededException"
    assert "Rate exceeded for shard shardId-000000000000" in failed[0]["ErrorMessage"]
    assert all("SequenceNumber" in r for r in result["Records"][:349])
    assert all("ErrorCode" in r for r in result["Records"][349:])


def test_more_than_five_get_records_calls_a_second_are_throttled(limited):
    kinesis = make_client(limited.endpoint, "kinesis")
    name = active_stream(kinesis, limited.endpoint)
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="LATEST")["ShardIterator"]
    throttled = False
    for _ in range(100):  # six calls inside one second trip the limit
        try:
            iterator = kinesis.get_records(ShardIterator=iterator)["NextShardIterator"]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            throttled = True
            break
    assert throttled


def test_limits_are_off_by_default(client, endpoint):
    kinesis = client("kinesis")
    name = active_stream(kinesis, endpoint)
    for _ in range(3):
        result = kinesis.put_records(StreamName=name, Records=[{"Data": b"x" * 3000, "PartitionKey": "k"}] * 500)
        assert result["FailedRecordCount"] == 0
