"""Helpers the Kinesis tests share: unique active streams, the virtual clock, and AWS's resharding-aware reader."""
from __future__ import annotations

from datetime import UTC

import pytest
import requests

from tests.conftest import advance_clock
from tests.support import unique  # noqa: F401 (re-exported)

MAX_HASH_KEY = 2 ** 128 - 1


@pytest.fixture
def kinesis(client):
    """A boto3 Kinesis client of the shared test server (import this fixture into a test module)."""
    return client("kinesis")


def error_code(error) -> str:
    return error.value.response["Error"]["Code"]


def advance(endpoint: str, seconds: float) -> None:
    advance_clock(endpoint, seconds)


def virtual_now(endpoint: str):
    """The server's virtual time (other tests move it forward by hours)."""
    from datetime import datetime
    epoch = requests.get(f"{endpoint}/_nimbus/clock", timeout=5).json()["epoch"]
    return datetime.fromtimestamp(epoch, tz=UTC)


def active_stream(kinesis, endpoint: str, prefix: str = "stream", **create) -> str:
    """Create a stream and move the virtual clock past CREATING."""
    name = unique(prefix)
    kinesis.create_stream(StreamName=name, **({"ShardCount": 1} | create))
    advance(endpoint, 1)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    return name


def wait_active(kinesis, endpoint: str, name: str) -> None:
    advance(endpoint, 1)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"


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
