"""Firehose entities stored before documents were versioned (snake_case, no SchemaVersion) are served as
they were and rewritten in today's shape: delivery streams, a Kinesis source's checkpoints, error log
entries. A record buffered before the upgrade is still delivered after it."""
from __future__ import annotations

import os
import time

from nimbus.core.documents import VERSION_FIELD
from nimbus.services.firehose.buffer import Buffers
from nimbus.services.firehose.common import buffer_ns, checkpoints_ns, errors_ns, streams_ns
from nimbus.services.firehose.documents import ERROR_LOG_ENTRY, STREAM
from nimbus.store import open_store
from tests.support import (
    ACCOUNT,
    FIREHOSE_ROLE,
    active_stream,
    advance_clock,
    firehose_role,
    make_client,
    new_bucket,
    objects,
    s3_config,
    start_server,
)

REGION = "us-east-1"
SHARD = "shardId-000000000000"


def arn(name: str) -> str:
    return f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{name}"


def destination(bucket: str, prefix: str) -> dict:
    """An ExtendedS3 configuration as CreateDeliveryStream stored it: the defaults filled in."""
    return s3_config(bucket, Prefix=prefix, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
                     CompressionFormat="UNCOMPRESSED", EncryptionConfiguration={"NoEncryptionConfig": "NoEncryption"},
                     S3BackupMode="Disabled")


def legacy_documents(now: float, bucket: str, source_arn: str, last_read: str) -> dict[tuple, dict]:
    """What this nimbus wrote before versions: a DirectPut stream updated once (version 2), encrypted and
    tagged; a stream reading a Kinesis stream whose first record it has taken already; an error log entry."""
    direct = {
        "name": "legacy", "arn": arn("legacy"), "type": "DirectPut", "kind": "ExtendedS3",
        "config": destination(bucket, "direct/"), "account": ACCOUNT, "region": REGION, "status": "CREATING",
        "created": now - 600, "updated": now - 300, "version": 2, "source": None, "tags": {"team": "a"},
        "encryption": {"KeyType": "AWS_OWNED_CMK", "Status": "ENABLED"},
    }
    from_kinesis = {  # created without encryption: no "encryption" field at all
        "name": "legacy-source", "arn": arn("legacy-source"), "type": "KinesisStreamAsSource",
        "kind": "ExtendedS3", "config": destination(bucket, "source/"), "account": ACCOUNT, "region": REGION,
        "status": "CREATING", "created": now - 600, "updated": None, "version": 1,
        "source": {"KinesisStreamARN": source_arn, "RoleARN": FIREHOSE_ROLE}, "tags": {},
    }
    return {
        (streams_ns(ACCOUNT, REGION), "legacy"): direct,
        (streams_ns(ACCOUNT, REGION), "legacy-source"): from_kinesis,
        (checkpoints_ns(ACCOUNT, REGION, "legacy-source"), SHARD): {"seq": last_read, "done": False},
        (errors_ns(ACCOUNT, REGION, "legacy"), f"{time.time_ns():020d}"):
            {"time": now - 100, "code": "S3.AccessDenied", "message": "Access Denied"},
    }


def test_a_delivery_stream_of_version_0_reads_in_todays_shape():
    documents = legacy_documents(time.time(), "b", "arn:aws:kinesis:us-east-1:000000000000:stream/s", "1")
    stream = STREAM.load({**documents[(streams_ns(ACCOUNT, REGION), "legacy-source")], "failure": None})
    assert stream["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
    assert stream["KinesisStreamSourceConfiguration"] == {
        "KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/s", "RoleARN": FIREHOSE_ROLE}
    assert (stream["DestinationType"], stream["VersionId"], stream[VERSION_FIELD]) == ("ExtendedS3", 1, 1)
    assert "failure" not in stream and "config" not in stream


def test_firehose_data_written_before_versions_is_served_and_rewritten_versioned(tmp_path):
    with start_server(tmp_path) as first:  # what the legacy streams deliver from and to, and their role
        s3, kinesis = make_client(first.endpoint, "s3"), make_client(first.endpoint, "kinesis")
        firehose_role(make_client(first.endpoint, "iam"))
        bucket = new_bucket(s3)
        source = active_stream(kinesis, first.endpoint, "legacy-source")
        source_arn = kinesis.describe_stream_summary(StreamName=source)["StreamDescriptionSummary"]["StreamARN"]
        old = kinesis.put_record(StreamName=source, Data=b"taken before;", PartitionKey="k")["SequenceNumber"]
    data_dir = str(tmp_path / "data")
    documents = legacy_documents(time.time(), bucket, source_arn, old)
    store = open_store(data_dir)
    for (namespace, key), document in documents.items():
        store.put(namespace, key, document)
    Buffers(store, os.path.join(data_dir, "firehose", "buffers")).append(
        ACCOUNT, REGION, "legacy", [b"buffered before;"], time.time() - 30)
    store.close()

    with start_server(tmp_path) as server:
        s3, kinesis = make_client(server.endpoint, "s3"), make_client(server.endpoint, "kinesis")
        firehose = make_client(server.endpoint, "firehose")
        described = firehose.describe_delivery_stream(DeliveryStreamName="legacy")["DeliveryStreamDescription"]
        assert (described["DeliveryStreamARN"], described["DeliveryStreamStatus"], described["VersionId"]) \
            == (arn("legacy"), "ACTIVE", "2")
        assert described["DeliveryStreamEncryptionConfiguration"] == {"KeyType": "AWS_OWNED_CMK", "Status": "ENABLED"}
        assert "LastUpdateTimestamp" in described
        assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "direct/"
        sourced = firehose.describe_delivery_stream(DeliveryStreamName="legacy-source")["DeliveryStreamDescription"]
        assert sourced["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"] == source_arn
        assert sourced["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
        assert firehose.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource")["DeliveryStreamNames"] \
            == ["legacy-source"]
        assert firehose.list_tags_for_delivery_stream(DeliveryStreamName="legacy")["Tags"] \
            == [{"Key": "team", "Value": "a"}]
        assert objects(s3, bucket) == {}  # the buffered record waits for its interval
        assert firehose.put_record(DeliveryStreamName="legacy", Record={"Data": b"put after;"})["Encrypted"]
        kinesis.put_record(StreamName=source, Data=b"read after;", PartitionKey="k")
        firehose.tag_delivery_stream(DeliveryStreamName="legacy", Tags=[{"Key": "owner", "Value": "b"}])
        firehose.tag_delivery_stream(DeliveryStreamName="legacy-source", Tags=[{"Key": "owner", "Value": "b"}])
        advance_clock(server.endpoint, 1)  # the source is read on this jump
        advance_clock(server.endpoint, 61)
        direct = objects(s3, bucket, "direct/")
        assert list(direct.values()) == [b"buffered before;put after;"]
        assert "/legacy-2-" in next(iter(direct))  # the stream's version, as before the upgrade
        assert list(objects(s3, bucket, "source/").values()) == [b"read after;"]  # resumed after its checkpoint

    store = open_store(data_dir)
    for namespace, key in [(streams_ns(ACCOUNT, REGION), "legacy"), (streams_ns(ACCOUNT, REGION), "legacy-source"),
                           (checkpoints_ns(ACCOUNT, REGION, "legacy-source"), SHARD)]:
        stored, old_shape = store.get(namespace, key), documents[(namespace, key)]
        assert stored[VERSION_FIELD] == 1, key
        assert not set(old_shape) & set(stored), f"{key} kept old field names: {set(old_shape) & set(stored)}"
    assert store.get(streams_ns(ACCOUNT, REGION), "legacy")["Tags"] == {"team": "a", "owner": "b"}
    checkpoint = store.get(checkpoints_ns(ACCOUNT, REGION, "legacy-source"), SHARD)
    assert int(checkpoint["SequenceNumber"]) > int(old) and checkpoint["Finished"] is False
    [(_, entry)] = ERROR_LOG_ENTRY.scan(store, errors_ns(ACCOUNT, REGION, "legacy"))
    assert (entry["ErrorCode"], entry["ErrorMessage"]) == ("S3.AccessDenied", "Access Denied")
    assert store.scan(buffer_ns(ACCOUNT, REGION, "legacy")) == []
    store.close()
