"""Kinesis queues: delivery with receipts, visibility timeouts on the virtual clock, redelivery, dead letters."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support import active_stream, advance_clock, unique


def _queue(kinesis, endpoint, stream_arn, **attributes) -> str:
    created = kinesis.create_queue(QueueName=unique("queue"), StreamConfigurationList=[{"StreamARN": stream_arn}],
                                   **({"QueueAttributes": attributes} if attributes else {}))
    assert created["QueueDescription"]["QueueStatus"] == "CREATING"
    advance_clock(endpoint, 1)
    return created["QueueDescription"]["QueueARN"]


def test_queue_delivers_each_record_until_acknowledged(kinesis, endpoint):
    name = active_stream(kinesis, endpoint, ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_records(StreamName=name, Records=[{"Data": f"m{i}".encode(), "PartitionKey": str(i)} for i in range(15)])
    queue = _queue(kinesis, endpoint, arn, VisibilityTimeoutSeconds=60)
    assert kinesis.describe_queue(QueueARN=queue)["QueueDescription"]["QueueStatus"] == "ACTIVE"
    first = kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"]
    second = kinesis.receive_queue_records(QueueARN=queue, Limit=10)["QueueRecords"]
    assert len(first) == 10 and len(second) == 5
    assert sorted(r["Data"] for r in first + second) == sorted(f"m{i}".encode() for i in range(15))
    assert all(r["ReceiveCount"] == 1 for r in first + second)
    assert kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"] == []  # all in flight
    acked = kinesis.acknowledge_queue_records(QueueARN=queue, Entries=[{"ReceiptHandle": r["ReceiptHandle"]}
                                                                        for r in first])
    assert len(acked["Successful"]) == 10 and acked["Failed"] == []
    advance_clock(endpoint, 61)  # the unacknowledged five come back
    again = kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"]
    assert sorted(r["RecordId"] for r in again) == sorted(r["RecordId"] for r in second)
    assert all(r["ReceiveCount"] == 2 for r in again)
    stale = kinesis.acknowledge_queue_records(QueueARN=queue, Entries=[{"ReceiptHandle": second[0]["ReceiptHandle"]}])
    assert stale["Failed"][0]["ErrorCode"] == "InvalidArgumentException"
    kinesis.update_queue_records_visibility(QueueARN=queue, Entries=[
        {"ReceiptHandle": r["ReceiptHandle"], "VisibilityTimeoutSeconds": 0} for r in again])
    assert len(kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"]) == 5
    kinesis.put_record(StreamName=name, Data=b"late", PartitionKey="z")
    assert [r["Data"] for r in kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"]] == [b"late"]


def test_records_past_max_receives_go_to_the_dead_letter_queue_and_back(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_record(StreamName=name, Data=b"poison", PartitionKey="k")
    queue = _queue(kinesis, endpoint, arn, VisibilityTimeoutSeconds=10,
                   DeadLetterConfiguration={"TargetType": "BUILT_IN", "MaxReceiveCount": 2})
    for count in (1, 2):
        records = kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"]
        assert [(r["Data"], r["ReceiveCount"]) for r in records] == [(b"poison", count)]
        advance_clock(endpoint, 11)
    assert kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"] == []
    dead = kinesis.receive_dead_letter_queue_records(QueueARN=queue)["QueueRecords"]
    assert [r["Data"] for r in dead] == [b"poison"]
    kinesis.restore_dead_letter_queue_records(QueueARN=queue, Entries=[{"ReceiptHandle": dead[0]["ReceiptHandle"]}])
    restored = kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"]
    assert [r["Data"] for r in restored] == [b"poison"]
    kinesis.acknowledge_queue_records(QueueARN=queue, Entries=[{"ReceiptHandle": restored[0]["ReceiptHandle"]}])
    advance_clock(endpoint, 11)
    assert kinesis.receive_queue_records(QueueARN=queue)["QueueRecords"] == []
    assert kinesis.receive_dead_letter_queue_records(QueueARN=queue)["QueueRecords"] == []


def test_queue_listing_updates_and_deletion(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    queue = _queue(kinesis, endpoint, arn)
    listed = kinesis.list_queues(StreamFilter=[{"StreamARN": arn}])["QueueSummaries"]
    assert [q["QueueARN"] for q in listed] == [queue] and listed[0]["Streams"][0]["StreamARN"] == arn
    updated = kinesis.update_queue(QueueARN=queue, QueueAttributes={"VisibilityTimeoutSeconds": 5})
    assert updated["QueueDescription"]["QueueAttributes"]["VisibilityTimeoutSeconds"] == 5
    with pytest.raises(ClientError) as error:
        kinesis.create_queue(QueueName=queue.rsplit("/", 1)[1], StreamConfigurationList=[{"StreamARN": arn}])
    assert error.value.response["Error"]["Code"] == "ResourceInUseException"
    kinesis.delete_queue(QueueARN=queue)
    advance_clock(endpoint, 1)
    with pytest.raises(ClientError) as error:
        kinesis.describe_queue(QueueARN=queue)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        kinesis.create_queue(QueueName=unique("q"), StreamConfigurationList=[{"StreamARN": arn + "-missing"}])
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_queue_tags_through_the_resource_operations(kinesis, endpoint):
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    created = kinesis.create_queue(QueueName=unique("tagged"), StreamConfigurationList=[{"StreamARN": arn}],
                                   Tags={"team": "data"})
    queue = created["QueueDescription"]["QueueARN"]
    assert kinesis.list_tags_for_resource(ResourceARN=queue)["Tags"] == [{"Key": "team", "Value": "data"}]
    kinesis.tag_resource(ResourceARN=queue, Tags={"env": "test", "team": "ops"})
    kinesis.untag_resource(ResourceARN=queue, TagKeys=["env"])
    assert kinesis.list_tags_for_resource(ResourceARN=queue)["Tags"] == [{"Key": "team", "Value": "ops"}]
    with pytest.raises(ClientError) as error:
        kinesis.tag_resource(ResourceARN=queue, Tags={f"k{i}": "v" for i in range(50)})
    assert error.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert kinesis.list_tags_for_resource(ResourceARN=queue)["Tags"] == [{"Key": "team", "Value": "ops"}]
    with pytest.raises(ClientError) as error:
        kinesis.list_tags_for_resource(ResourceARN=queue + "-missing")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
