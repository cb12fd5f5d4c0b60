"""Kinesis records: PutRecord(s) routing, sequence numbers, iterators of every type, GetRecords, retention."""
from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.support import MAX_HASH_KEY, active_stream, advance_clock, error_of, read_shard, unique, virtual_now


def test_records_route_by_md5_of_the_partition_key_and_read_back_in_order(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=4)
    shards = kinesis.list_shards(StreamName=name)["Shards"]
    results = kinesis.put_records(StreamName=name, Records=[
        {"Data": f"record-{i}".encode(), "PartitionKey": f"key-{i % 7}"} for i in range(200)])
    assert results["FailedRecordCount"] == 0
    for i, result in enumerate(results["Records"]):
        hash_key = int(hashlib.md5(f"key-{i % 7}".encode()).hexdigest(), 16)
        owner = next(s for s in shards if int(s["HashKeyRange"]["StartingHashKey"]) <= hash_key
                     <= int(s["HashKeyRange"]["EndingHashKey"]))
        assert result["ShardId"] == owner["ShardId"]
    everything = []
    for shard in shards:
        records = read_shard(kinesis, name, shard["ShardId"])
        numbers = [int(r["SequenceNumber"]) for r in records]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        everything += records
    assert sorted(r["Data"] for r in everything) == sorted(f"record-{i}".encode() for i in range(200))
    per_key = {}
    for record in sorted(everything, key=lambda r: int(r["SequenceNumber"])):
        per_key.setdefault(record["PartitionKey"], []).append(int(record["Data"].split(b"-")[1]))
    assert all(values == sorted(values) for values in per_key.values())


def test_sequence_numbers_are_56_digit_strictly_increasing_and_unique_across_the_stream(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=3)
    numbers = []
    for i in range(30):
        numbers.append(kinesis.put_record(StreamName=name, Data=b"x", PartitionKey=str(i))["SequenceNumber"])
    assert all(len(n) == 56 and n.isdigit() for n in numbers)
    assert len(set(numbers)) == 30
    single = [kinesis.put_record(StreamName=name, Data=b"y", PartitionKey="same", ExplicitHashKey="5")
              for _ in range(5)]
    assert [int(r["SequenceNumber"]) for r in single] == sorted(int(r["SequenceNumber"]) for r in single)
    ordered = kinesis.put_record(StreamName=name, Data=b"z", PartitionKey="same", ExplicitHashKey="5",
                                 SequenceNumberForOrdering=single[-1]["SequenceNumber"])
    assert int(ordered["SequenceNumber"]) > int(single[-1]["SequenceNumber"])


def test_explicit_hash_key_picks_the_shard(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=2)
    low = kinesis.put_record(StreamName=name, Data=b"a", PartitionKey="k", ExplicitHashKey="0")
    high = kinesis.put_record(StreamName=name, Data=b"b", PartitionKey="k", ExplicitHashKey=str(MAX_HASH_KEY))
    assert (low["ShardId"], high["ShardId"]) == ("shardId-000000000000", "shardId-000000000001")


def test_every_iterator_type(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    shard = "shardId-000000000000"
    first = [kinesis.put_record(StreamName=name, Data=f"a{i}".encode(), PartitionKey="p") for i in range(3)]
    latest = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    advance_clock(endpoint, 10)
    boundary = virtual_now(endpoint) + timedelta(seconds=5)
    advance_clock(endpoint, 10)
    later = [kinesis.put_record(StreamName=name, Data=f"b{i}".encode(), PartitionKey="p") for i in range(2)]

    def read(**kwargs):
        iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, **kwargs)["ShardIterator"]
        return [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]]

    assert read(ShardIteratorType="TRIM_HORIZON") == [b"a0", b"a1", b"a2", b"b0", b"b1"]
    assert read(ShardIteratorType="AT_SEQUENCE_NUMBER",
                StartingSequenceNumber=first[1]["SequenceNumber"]) == [b"a1", b"a2", b"b0", b"b1"]
    assert read(ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                StartingSequenceNumber=first[1]["SequenceNumber"]) == [b"a2", b"b0", b"b1"]
    assert read(ShardIteratorType="AT_TIMESTAMP", Timestamp=boundary) == [b"b0", b"b1"]
    assert read(ShardIteratorType="LATEST") == []
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=latest)["Records"]] == [b"b0", b"b1"]
    assert later[0]["SequenceNumber"] > first[-1]["SequenceNumber"]


def test_get_records_limit_next_iterator_and_millis_behind(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    kinesis.put_records(StreamName=name, Records=[{"Data": bytes([i]), "PartitionKey": "p"} for i in range(25)])
    advance_clock(endpoint, 2)
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = kinesis.get_records(ShardIterator=iterator, Limit=10)
    assert [r["Data"] for r in page["Records"]] == [bytes([i]) for i in range(10)]
    assert page["MillisBehindLatest"] >= 2000
    arrival = page["Records"][0]["ApproximateArrivalTimestamp"]
    assert abs((virtual_now(endpoint) - timedelta(seconds=2) - arrival).total_seconds()) < 60
    rest = kinesis.get_records(ShardIterator=page["NextShardIterator"], Limit=100)
    assert len(rest["Records"]) == 15 and rest["MillisBehindLatest"] == 0
    empty = kinesis.get_records(ShardIterator=rest["NextShardIterator"])
    assert empty["Records"] == [] and empty["NextShardIterator"]
    assert error_of(kinesis.get_records, ShardIterator=iterator, Limit=10001).code == "ValidationException"


def test_get_records_caps_a_call_at_10_mib(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    blob = b"x" * (1024 * 1024 - 10)
    for _ in range(3):
        kinesis.put_records(StreamName=name, Records=[{"Data": blob, "PartitionKey": "p"} for _ in range(4)])
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = kinesis.get_records(ShardIterator=iterator)
    assert len(page["Records"]) == 10
    assert len(kinesis.get_records(ShardIterator=page["NextShardIterator"])["Records"]) == 2


def test_iterators_expire_after_five_minutes_of_virtual_time(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    kinesis.get_records(ShardIterator=iterator)
    advance_clock(endpoint, 301)
    assert error_of(kinesis.get_records, ShardIterator=iterator).code == "ExpiredIteratorException"


def test_tampered_and_foreign_iterators_are_rejected(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=2)
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    raw = bytearray(base64.b64decode(iterator))
    raw[20] ^= 1  # move the position
    for bad in (base64.b64encode(bytes(raw)).decode(), "not-an-iterator", iterator[:-4] + "AAAA"):
        assert error_of(kinesis.get_records, ShardIterator=bad).code == "InvalidArgumentException"
    other = kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="k", ExplicitHashKey=str(MAX_HASH_KEY))
    assert error_of(kinesis.get_shard_iterator, StreamName=name, ShardId="shardId-000000000000",
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    StartingSequenceNumber=other["SequenceNumber"]).code == "InvalidArgumentException"
    assert error_of(kinesis.get_shard_iterator, StreamName=name, ShardId="shardId-000000000009",
                    ShardIteratorType="LATEST").code == "ResourceNotFoundException"
    kinesis.delete_stream(StreamName=name)
    advance_clock(endpoint, 1)
    assert error_of(kinesis.get_records, ShardIterator=iterator).code == "ResourceNotFoundException"


def test_bad_writes_get_aws_errors_and_store_nothing(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    cases = [
        (dict(Data=b"x" * (1024 * 1024 + 1), PartitionKey="k"), "ValidationException"),
        (dict(Data=b"x", PartitionKey=""), "ValidationException"),
        (dict(Data=b"x", PartitionKey="k" * 257), "ValidationException"),
        (dict(Data=b"x", PartitionKey="k", ExplicitHashKey="-1"), "ValidationException"),
        (dict(Data=b"x", PartitionKey="k", ExplicitHashKey="abc"), "ValidationException"),
        (dict(Data=b"x", PartitionKey="k", ExplicitHashKey=str(2 ** 128)), "InvalidArgumentException"),
    ]
    for kwargs, expected in cases:
        with pytest.raises((ClientError, ParamValidationError)) as error:
            kinesis.put_record(StreamName=name, **kwargs)
        if isinstance(error.value, ClientError):
            assert error.value.response["Error"]["Code"] == expected, kwargs
    assert error_of(kinesis.put_records, StreamName=name,
                    Records=[{"Data": b"x", "PartitionKey": "k"}] * 501).code == "ValidationException"
    too_big = {"Data": b"x" * (1024 * 1024 + 1), "PartitionKey": "k"}
    assert error_of(kinesis.put_records, StreamName=name,
                    Records=[{"Data": b"x", "PartitionKey": "k"}, too_big]).code == "ValidationException"
    assert error_of(kinesis.put_record, StreamName=unique("missing"), Data=b"x",
                    PartitionKey="k").code == "ResourceNotFoundException"
    assert read_shard(kinesis, name, "shardId-000000000000") == []
    exact = kinesis.put_record(StreamName=name, Data=b"x" * (1024 * 1024 - 1), PartitionKey="k")
    assert exact["SequenceNumber"]


def test_put_record_rejects_an_empty_partition_key_sent_raw(endpoint, kinesis):
    # boto3 checks lengths itself; send the wire request to see the server's own answer.
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    name = active_stream(kinesis, endpoint)
    body = json.dumps({"StreamName": name, "Data": "eA==", "PartitionKey": ""})
    request = AWSRequest("POST", endpoint + "/", data=body, headers={
        "X-Amz-Target": "Kinesis_20131202.PutRecord", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials("test", "test"), "kinesis", "us-east-1").add_auth(request)
    response = requests.post(endpoint + "/", data=body, headers=dict(request.headers), timeout=5)
    assert response.status_code == 400 and response.json()["__type"] == "ValidationException"


def test_records_past_retention_disappear_on_the_virtual_clock(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    kinesis.put_record(StreamName=name, Data=b"old", PartitionKey="k")
    advance_clock(endpoint, 23 * 3600)
    kinesis.put_record(StreamName=name, Data=b"new", PartitionKey="k")
    assert [r["Data"] for r in read_shard(kinesis, name, "shardId-000000000000")] == [b"old", b"new"]
    advance_clock(endpoint, 3600 + 5)
    assert [r["Data"] for r in read_shard(kinesis, name, "shardId-000000000000")] == [b"new"]
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
    advance_clock(endpoint, 30 * 3600)
    assert [r["Data"] for r in read_shard(kinesis, name, "shardId-000000000000")] == [b"new"]
    kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
    assert read_shard(kinesis, name, "shardId-000000000000") == []


def test_aws_cli_put_record_and_get_records(kinesis, endpoint, tmp_path):
    name = active_stream(kinesis, endpoint)
    aws = [str(Path(sys.executable).with_name("aws")), "--endpoint-url", endpoint, "--region", "us-east-1",
           "--output", "json"]
    put = subprocess.run(aws + ["kinesis", "put-record", "--stream-name", name, "--partition-key", "cli",
                                "--data", "from the cli"],  # CLI v1 sends a blob argument's text as is
                         capture_output=True, text=True, timeout=60)
    assert put.returncode == 0, put.stderr
    shard = json.loads(put.stdout)["ShardId"]
    iterator = subprocess.run(aws + ["kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", shard,
                                     "--shard-iterator-type", "TRIM_HORIZON"], capture_output=True, text=True,
                              timeout=60)
    assert iterator.returncode == 0, iterator.stderr
    got = subprocess.run(aws + ["kinesis", "get-records", "--shard-iterator",
                                json.loads(iterator.stdout)["ShardIterator"]], capture_output=True, text=True,
                         timeout=60)
    assert got.returncode == 0, got.stderr
    records = json.loads(got.stdout)["Records"]
    assert [base64.b64decode(r["Data"]) for r in records] == [b"from the cli"]
    assert records[0]["PartitionKey"] == "cli"
