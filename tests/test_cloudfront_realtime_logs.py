"""Real-time log configurations: stored, read by name or ARN, updated, listed, refused when AWS refuses
them, not deleted while a behaviour uses them; and records of edge requests in the Kinesis stream."""
from __future__ import annotations

import time

import pytest

from tests.support import (
    distribution_config,
    edge_request,
    error_of,
    legacy_behaviour,
    public_origin_bucket,
    read_shard,
    realtime_log_stream,
    s3_origin,
    unique,
)


@pytest.fixture(scope="module")
def cloudfront(client):
    return client("cloudfront")


@pytest.fixture(scope="module")
def stream(client, endpoint) -> tuple[str, str, str]:
    return realtime_log_stream(client, endpoint, "rtlogs")


def endpoints(stream) -> list[dict]:
    return [{"StreamType": "Kinesis", "KinesisStreamConfig": {"RoleARN": stream[2], "StreamARN": stream[1]}}]


def test_realtime_log_configs_api(cloudfront, stream):
    name = unique("rt")
    created = cloudfront.create_realtime_log_config(Name=name, SamplingRate=50, Fields=["timestamp", "c-ip"],
                                                    EndPoints=endpoints(stream))["RealtimeLogConfig"]
    assert created["ARN"].startswith("arn:aws:cloudfront::") and created["ARN"].endswith(f":realtime-log-config/{name}")
    assert cloudfront.get_realtime_log_config(ARN=created["ARN"])["RealtimeLogConfig"] == created
    updated = cloudfront.update_realtime_log_config(Name=name, SamplingRate=100)["RealtimeLogConfig"]
    assert (updated["SamplingRate"], updated["Fields"]) == (100, ["timestamp", "c-ip"])
    listed = cloudfront.list_realtime_log_configs()["RealtimeLogConfigs"]
    assert name in [c["Name"] for c in listed["Items"]]
    assert error_of(cloudfront.create_realtime_log_config, Name=name, SamplingRate=5, Fields=["c-ip"],
                    EndPoints=endpoints(stream)) == ("RealtimeLogConfigAlreadyExists", 409)
    for bad in ({"SamplingRate": 0}, {"Fields": ["no-such-field"]}):
        assert error_of(cloudfront.create_realtime_log_config, **{
            "Name": unique("rt"), "SamplingRate": 5, "Fields": ["c-ip"], "EndPoints": endpoints(stream), **bad}) == \
            ("InvalidArgument", 400)
    assert error_of(cloudfront.get_realtime_log_config, Name="nope") == ("NoSuchRealtimeLogConfig", 404)
    cloudfront.delete_realtime_log_config(Name=name)
    assert error_of(cloudfront.delete_realtime_log_config, ARN=created["ARN"]) == ("NoSuchRealtimeLogConfig", 404)


def test_records_in_the_stream(cloudfront, s3, client, endpoint, stream):
    config = cloudfront.create_realtime_log_config(
        Name=unique("rt"), SamplingRate=100, Fields=["cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type",
                                                     "cs-host", "asn"],
        EndPoints=endpoints(stream))["RealtimeLogConfig"]
    bucket = public_origin_bucket(s3, "rt")
    s3.put_object(Bucket=bucket, Key="page", Body=b"page")
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3", RealtimeLogConfigArn=config["ARN"])))["Distribution"]
    for _ in range(2):
        edge_request(endpoint, distribution, "GET", "/page")
    kinesis = client("kinesis")
    deadline = time.monotonic() + 10
    while len(records := read_shard(kinesis, stream[0], "shardId-000000000000")) < 2:
        assert time.monotonic() < deadline, records
        time.sleep(0.05)
    host = distribution["DomainName"]
    assert [r["Data"].decode() for r in records] == [f"GET\t/page\t200\tMiss\t{host}\t-\n",
                                                     f"GET\t/page\t200\tHit\t{host}\t-\n"]
    assert error_of(cloudfront.delete_realtime_log_config, Name=config["Name"]) == ("RealtimeLogConfigInUse", 400)
