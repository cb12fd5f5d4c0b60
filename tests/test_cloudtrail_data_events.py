"""CloudTrail data events on a server of their own: Kinesis reads and writes are data events, delivered only
to trails whose selectors name the stream and never kept in event history; an idle Firehose reading a
stream leaves the history as it was."""
from __future__ import annotations

import json
import time

import pytest

from nimbus.services.cloudtrail.engine import engine_for
from nimbus.services.cloudtrail.history import DATA, INDEX, MANAGEMENT
from nimbus.services.firehose.common import checkpoints_ns
from tests.support import (
    account_key,
    active_delivery_stream,
    active_stream,
    advance_clock,
    all_records,
    make_client,
    new_bucket,
    s3_config,
    start_server,
    trail_bucket,
    unique,
)


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("cloudtrail-data")) as running:
        yield running


@pytest.fixture
def aws(own):
    """Clients of a fresh account per test (AWS allows five trails per region)."""
    account = account_key()

    def factory(service):
        return make_client(own.endpoint, service, key=account)
    factory.account = account
    return factory


def history_rows(own, account: str) -> int:
    engine_for(own.runtime).flush()
    store = own.runtime.store
    return sum(len(store.scan(ns)) for ns in store.namespaces(("cloudtrail", account))
               if ns[3] in (MANAGEMENT, DATA, INDEX))


def logging_trail(aws, **selectors) -> str:
    """A logging trail with these event selectors; returns its bucket."""
    bucket = trail_bucket(aws("s3"), aws.account)
    name = unique("trail")
    aws("cloudtrail").create_trail(Name=name, S3BucketName=bucket)
    if selectors:
        aws("cloudtrail").put_event_selectors(TrailName=name, **selectors)
    aws("cloudtrail").start_logging(Name=name)
    return bucket


def test_an_idle_firehose_reading_a_stream_adds_no_history(own, aws):
    kinesis = aws("kinesis")
    source = active_stream(kinesis, own.endpoint)
    arn = kinesis.describe_stream_summary(StreamName=source)["StreamDescriptionSummary"]["StreamARN"]
    target = new_bucket(aws("s3"), "ct-idle")
    name = active_delivery_stream(
        aws("firehose"), own.endpoint, DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn,
                                          "RoleARN": f"arn:aws:iam::{aws.account}:role/firehose"},
        ExtendedS3DestinationConfiguration=s3_config(target, RoleARN=f"arn:aws:iam::{aws.account}:role/firehose"))
    kinesis.put_record(StreamName=source, Data=b"one", PartitionKey="k")
    checkpoints = checkpoints_ns(aws.account, "us-east-1", name)
    deadline = time.monotonic() + 15
    while not own.runtime.store.scan(checkpoints):  # Firehose has read the record: it polls the stream
        assert time.monotonic() < deadline, "firehose never read its source"
        time.sleep(0.05)
    before = history_rows(own, aws.account)
    time.sleep(1.5)  # several polls of the stream, every one of them idle
    assert history_rows(own, aws.account) == before


def test_kinesis_data_events_reach_only_trails_that_select_the_stream(own, aws):
    kinesis, ct = aws("kinesis"), aws("cloudtrail")
    watched, unwatched = active_stream(kinesis, own.endpoint), active_stream(kinesis, own.endpoint)
    watched_arn = kinesis.describe_stream_summary(StreamName=watched)["StreamDescriptionSummary"]["StreamARN"]
    advanced = logging_trail(aws, AdvancedEventSelectors=[
        {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "one stream", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Kinesis::Stream"]},
            {"Field": "resources.ARN", "Equals": [watched_arn]}]}])
    basic = logging_trail(aws, EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::Kinesis::Stream", "Values": [watched_arn]}]}])
    plain = logging_trail(aws)
    for stream in (watched, unwatched):
        kinesis.put_record(StreamName=stream, Data=b"secret payload", PartitionKey="k")
        shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        assert kinesis.get_records(ShardIterator=iterator)["Records"]
    advance_clock(own.endpoint, 6)
    for bucket in (advanced, basic):
        records = all_records(aws("s3"), bucket)
        data = [r for r in records if r["eventSource"] == "kinesis.amazonaws.com" and not r["managementEvent"]]
        assert {r["eventName"] for r in data} >= {"PutRecord", "GetShardIterator"}
        assert all(r["eventCategory"] == "Data" for r in data)
        for put in (r for r in data if r["eventName"] == "PutRecord"):
            assert put["resources"] == [{"accountId": aws.account, "type": "AWS::Kinesis::Stream",
                                         "ARN": watched_arn}]
        assert not any(unwatched in json.dumps(r) for r in data)
        assert "ListShards" in {r["eventName"] for r in records}  # a management event, logged as ever
    plain_records = all_records(aws("s3"), plain)
    assert "ListShards" in {r["eventName"] for r in plain_records}
    assert not any(r["eventName"] in ("PutRecord", "GetRecords", "GetShardIterator") for r in plain_records)
    names = {e["EventName"] for e in ct.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "kinesis.amazonaws.com"}])["Events"]}
    assert "CreateStream" in names and not names & {"PutRecord", "GetRecords", "GetShardIterator"}
    assert ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutRecord"}])[
        "Events"] == []


def test_kinesis_data_resource_types_are_valid_selectors(aws):
    ct = aws("cloudtrail")
    name = unique("trail")
    ct.create_trail(Name=name, S3BucketName=trail_bucket(aws("s3"), aws.account))
    selectors = [{"Name": "consumers", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::Kinesis::StreamConsumer"]}]}]
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=selectors)
    assert ct.get_event_selectors(TrailName=name)["AdvancedEventSelectors"] == selectors
