"""Event history that stays small and fast, on a server of its own (the clock moves by months): the
LookupEvents index and the 90 days, and data events (Kinesis reads and writes are delivered only to trails
whose selectors name the stream and never kept in event history; an idle Firehose reading a stream leaves
the history as it was)."""
from __future__ import annotations

import json
import time

import pytest

from nimbus.services.cloudtrail.engine import engine_for
from nimbus.services.cloudtrail.history import (
    DATA,
    INDEX,
    MANAGEMENT,
    PRUNE_CHUNK,
    RETENTION_SECONDS,
    HistoryWriter,
    attribute_values,
    index_key,
    index_ns,
    index_rows,
)
from nimbus.services.firehose.common import checkpoints_ns
from nimbus.store.sqlite import SqliteStore
from tests.support import (
    account_key,
    active_delivery_stream,
    active_stream,
    advance_clock,
    all_records,
    firehose_role,
    make_client,
    new_bucket,
    s3_config,
    start_server,
    trail_bucket,
    unique,
)


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("cloudtrail-history")) as running:
        yield running


@pytest.fixture
def aws(own):
    """Clients of a fresh account per test (AWS allows five trails per region)."""
    account = account_key()

    def factory(service):
        return make_client(own.endpoint, service, key=account)
    factory.account = account
    return factory


def rows(own, account: str) -> dict[str, int]:
    """Documents of the account's history (management and data events) and of its index."""
    engine_for(own.runtime).flush()
    store = own.runtime.store
    found = {MANAGEMENT: 0, DATA: 0, INDEX: 0}
    for ns in store.namespaces(("cloudtrail", account)):
        if ns[3] in found:
            found[ns[3]] += len(store.scan(ns))
    return found


def by_name(ct, name: str, **kwargs) -> dict:
    return ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}], **kwargs)


def test_every_lookup_attribute_is_indexed(own, aws):
    key = aws("kms").create_key()["KeyMetadata"]
    aws("kms").encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    engine_for(own.runtime).flush()
    store = own.runtime.store
    event_key, record = next((k, r) for k, r in store.scan(("cloudtrail", aws.account, "us-east-1", MANAGEMENT))
                             if r["eventName"] == "Encrypt")
    values = {"EventId": record["eventID"], "EventName": "Encrypt", "ReadOnly": "true", "Username": "root",
              "ResourceType": "AWS::KMS::Key", "ResourceName": key["Arn"], "EventSource": "kms.amazonaws.com",
              "AccessKeyId": aws.account}
    assert set(values) == set(attribute_values(record))
    for attribute, value in values.items():
        assert store.get(index_ns(aws.account, "us-east-1", attribute), index_key(value, event_key)) == {}, attribute


def test_a_page_is_followed_by_a_token_only_when_more_events_match(own, aws):
    ct, sns = aws("cloudtrail"), aws("sns")
    aws("sts").get_caller_identity()  # an older event that does not match: no reason for another page
    for _ in range(3):
        sns.list_topics()
    whole = by_name(ct, "ListTopics", MaxResults=3)
    assert len(whole["Events"]) == 3 and "NextToken" not in whole
    first = by_name(ct, "ListTopics", MaxResults=2)
    rest = by_name(ct, "ListTopics", MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["Events"]) == 1 and "NextToken" not in rest
    assert [e["EventId"] for e in first["Events"] + rest["Events"]] == [e["EventId"] for e in whole["Events"]]
    no_filter = ct.lookup_events(MaxResults=50)
    assert "NextToken" not in no_filter and len(no_filter["Events"]) >= 4


def test_events_and_their_index_are_pruned_after_90_days(own, aws):
    ct = aws("cloudtrail")
    topic = unique("old")
    aws("sns").create_topic(Name=topic)
    advance_clock(own.endpoint, 89 * 86400)
    assert len(by_name(ct, "CreateTopic")["Events"]) == 1
    assert rows(own, aws.account)[INDEX] > 0
    advance_clock(own.endpoint, 2 * 86400)  # CreateTopic is now 91 days old, the LookupEvents 2 days
    left = rows(own, aws.account)
    [(key, lookup)] = own.runtime.store.scan(("cloudtrail", aws.account, "us-east-1", MANAGEMENT))
    assert lookup["eventName"] == "LookupEvents"
    assert left == {MANAGEMENT: 1, DATA: 0, INDEX: len(index_rows(aws.account, "us-east-1", key, lookup))}
    assert by_name(ct, "CreateTopic")["Events"] == []


def test_pruning_a_large_backlog_goes_a_share_per_tick(tmp_path):
    """A clock jump that ages many events at once prunes a bounded share per call, the rest on later ticks."""
    store = SqliteStore(str(tmp_path / "history.sqlite3"))
    writer = HistoryWriter(store)
    start = 1_000_000_000_000
    for number in range(PRUNE_CHUNK + 10):
        writer.add("111111111111", "us-east-1", MANAGEMENT, {
            "eventID": f"id-{number}", "eventName": "ListTopics", "readOnly": True, "eventSource": "sns.amazonaws.com",
            "userIdentity": {"type": "Root", "accessKeyId": "AKIA"}}, start + number)
    writer.flush()
    later = start / 1000 + RETENTION_SECONDS + 3600
    assert writer.prune(later, chunks=1) is False
    assert len(store.scan(("cloudtrail", "111111111111", "us-east-1", MANAGEMENT))) == 10
    assert writer.prune(later, chunks=1) is True
    assert not [ns for ns in store.namespaces(("cloudtrail", "111111111111")) if store.scan(ns)]
    store.close()


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
    role = firehose_role(aws("iam"))
    name = active_delivery_stream(
        aws("firehose"), own.endpoint, DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": role},
        ExtendedS3DestinationConfiguration=s3_config(target, RoleARN=role))
    kinesis.put_record(StreamName=source, Data=b"one", PartitionKey="k")
    checkpoints = checkpoints_ns(aws.account, "us-east-1", name)
    deadline = time.monotonic() + 15
    while not own.runtime.store.scan(checkpoints):  # Firehose has read the record: it polls the stream
        assert time.monotonic() < deadline, "firehose never read its source"
        time.sleep(0.05)
    before = rows(own, aws.account)
    time.sleep(1.5)  # several polls of the stream, every one of them idle
    assert rows(own, aws.account) == before


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
