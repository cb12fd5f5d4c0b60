"""A front worker answers quick calls (STS GetCallerIdentity, KMS Encrypt...) as the primary does: on its event loop,
straight from the connection (gateway/direct_calls.py), not through ASGI and a hop to its thread pool."""
from __future__ import annotations

import http.client
import time
from urllib.parse import urlparse

import pytest

from tests.support import connection_held_by, make_client, signed, start_with_a_worker, thread_ticks

CALLS = 24  # each on a new connection: enough for both processes to accept some
CALLS_ON_ONE_CONNECTION = 1500
IDENTITY = b"Action=GetCallerIdentity&Version=2011-06-15"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with start_with_a_worker(tmp_path_factory.mktemp("quick-workers")) as running:
        yield running


def _worker_connection(pair) -> http.client.HTTPConnection:
    url = urlparse(pair.endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.sock = connection_held_by(pair, worker=True)
    return connection


def test_a_worker_answers_quick_calls_on_its_event_loop(pair):
    (worker,) = pair.pool.processes
    connection = _worker_connection(pair)
    url, headers = signed(pair.endpoint, "sts", body=IDENTITY, headers={"Content-Type": FORM})
    before = thread_ticks(worker.pid)
    for _ in range(CALLS_ON_ONE_CONNECTION):
        connection.request("POST", "/", body=IDENTITY, headers=headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        response.read()
    after = thread_ticks(worker.pid)
    connection.close()
    spent = {thread: ticks - before.get(thread, 0) for thread, ticks in after.items()}
    # On the ASGI path each call's handling (SigV4, STS, serialising) ran on a thread of the pool, more than half
    # of the worker's CPU; on the loop only the shipping of records is left to another thread.
    loop = spent.pop(worker.pid)
    assert loop >= 4 * sum(spent.values()), (loop, spent)


def test_a_quick_call_the_worker_does_not_answer_reaches_the_primary(pair):
    kinesis = make_client(pair.endpoint, "kinesis")
    kinesis.create_stream(StreamName="quick", ShardCount=1)
    deadline = time.monotonic() + 30
    while kinesis.describe_stream_summary(StreamName="quick")["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    published = pair.runtime.counters.records(0)[0]
    sequences = set()
    # PutRecord runs on the loop in the primary but is no worker's: in the worker it takes the forwarding path.
    while pair.runtime.counters.records(0)[0] == published or len(sequences) < CALLS:
        assert time.monotonic() < deadline, "the front worker accepted no connection"
        sequences.add(make_client(pair.endpoint, "kinesis").put_record(
            StreamName="quick", PartitionKey="k", Data=b"r")["SequenceNumber"])
        make_client(pair.endpoint, "sts").get_caller_identity()  # counts the worker's connections
    records = kinesis.get_records(ShardIterator=kinesis.get_shard_iterator(
        StreamName="quick", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
    assert {record["SequenceNumber"] for record in records["Records"]} == sequences
