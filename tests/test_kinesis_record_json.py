"""GetRecords over HTTP writes its records as JSON straight from the shard log (record_page.py): its bytes
must be the generic serializer's for the same records, whatever the records hold."""
from __future__ import annotations

import base64
import json

import pytest

from nimbus.protocol.serializers import serialize_response
from nimbus.protocol.serializers.awsjson import JSON
from nimbus.protocol.serializers.json_bytes import json_bytes
from nimbus.services.kinesis.encryption import ENCRYPTED
from nimbus.services.kinesis.record_page import RecordPage
from nimbus.services.kinesis.segments import StoredRecord
from tests.support import ACCOUNT, send_signed
from tests.support.streams import MAX_HASH_KEY, active_stream, wait_active

KEYS = ["k", "", "null", "1e-05", 'quote"d', "back\\slash", "tab\there", "nl\n", "\x01\x1f", "del\x7f", "é",
        "日本語", "emoji \U0001F600", "\u2028", "/slash/", "x" * 256]
# A KPL aggregated record: the magic, a protobuf body, an MD5; served as any other data (no de-aggregation).
KPL = bytes.fromhex("f3899ac2") + b"\x0a\x01k\x1a\x06\x08\x00\x1a\x02hi" + bytes(16)
DATA = [b"", b"a", b"ab", b"abc", bytes(range(256)), KPL, b"\xff" * 1000, b"null e- 0.0000"]


def _record_shape(server):
    model = server.runtime.services.get("kinesis").model
    return model.operation_model("GetRecords").output_shape.members["Records"]


@pytest.mark.parametrize("ms", [0, 5, 999, 1000, 1_733_456_789_000, 1_733_456_789_001, 1_733_456_789_010,
                                1_733_456_789_100, 1_733_456_789_120, 1_733_456_789_999, 4_102_444_800_123])
def test_times_are_written_as_the_generic_path_writes_them(server, ms):
    stored = [StoredRecord(position, ms, 0, key, data) for position, (key, data) in enumerate(zip(KEYS, DATA * 2))]
    page = RecordPage(7, stored, lambda flags, data: data, len(stored), 0, None)
    records, size = page.records()
    text, fast_size = page.records_json()
    assert text == json_bytes(JSON.encode(_record_shape(server), records))
    assert fast_size == size == sum(len(r.data) for r in stored)


def test_encrypted_flags_name_kms(server):
    stored = [StoredRecord(3, 1_733_456_789_123, ENCRYPTED, "k", b"sealed"),
              StoredRecord(4, 1_733_456_789_123, 0, "k", b"plain")]
    page = RecordPage(0, stored, lambda flags, data: data.upper() if flags & ENCRYPTED else data, 5, 0, None)
    records, _ = page.records()
    text, size = page.records_json()
    assert text == json_bytes(JSON.encode(_record_shape(server), records))
    assert json.loads(text)[0]["EncryptionType"] == "KMS" and "EncryptionType" not in json.loads(text)[1]
    assert size == len(b"SEALED") + len(b"plain")


def _http_body(endpoint: str, iterator: str, limit: int | None = None) -> bytes:
    body = {"ShardIterator": iterator} | ({"Limit": limit} if limit else {})
    reply = send_signed(endpoint, "kinesis", json.dumps(body), {
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.GetRecords"})
    assert reply.status_code == 200, reply.text
    return reply.content


def _generic_body(server, iterator: str, limit: int | None = None) -> bytes:
    """The same page through the internal client (records as dicts), serialized by the generic path."""
    params = {"ShardIterator": iterator} | ({"Limit": limit} if limit else {})
    output = server.runtime.client.call("kinesis", "GetRecords", params, account_id=ACCOUNT, region="us-east-1",
                                        forwarded=True)
    model = server.runtime.services.get("kinesis").model
    return serialize_response(model.operation_model("GetRecords"), output, "json", "id").body


def _iterator(kinesis, name: str, shard: str = "shardId-000000000000") -> str:
    return kinesis.get_shard_iterator(StreamName=name, ShardId=shard,
                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]


def _records_part(body: bytes) -> bytes:
    """The Records member's text (the iterator and MillisBehindLatest move with the clock between two reads)."""
    return body[:body.index(b'],"MillisBehindLatest":') + 1]


def _put_varied(kinesis, name: str) -> list[dict]:
    entries = [{"Data": data, "PartitionKey": key or "empty-data"} for key, data in zip(KEYS, DATA * 2)]
    entries += [{"Data": b"h", "PartitionKey": "hashed", "ExplicitHashKey": str(MAX_HASH_KEY)},
                {"Data": b"h", "PartitionKey": "hashed", "ExplicitHashKey": "0"}]
    kinesis.put_records(StreamName=name, Records=entries)
    kinesis.put_record(StreamName=name, Data=b"m" * (1024 * 1024 - 3), PartitionKey="big")
    return entries


@pytest.mark.parametrize("encrypted", [False, True])
def test_http_answer_is_the_generic_serializers(server, endpoint, kinesis, kms, encrypted):
    name = active_stream(kinesis, endpoint, "recjson")
    if encrypted:
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key)
        wait_active(kinesis, endpoint, name)
    entries = _put_varied(kinesis, name)
    iterator = _iterator(kinesis, name)
    for limit in (None, 3):
        fast = _http_body(endpoint, iterator, limit)
        assert _records_part(fast) == _records_part(_generic_body(server, iterator, limit))
    # botocore reads every field back as written.
    page = kinesis.get_records(ShardIterator=iterator)
    assert [r["Data"] for r in page["Records"]] == [e["Data"] for e in entries] + [b"m" * (1024 * 1024 - 3)]
    assert [r["PartitionKey"] for r in page["Records"]][:len(entries)] == [e["PartitionKey"] for e in entries]
    assert {r.get("EncryptionType") for r in page["Records"]} == ({"KMS"} if encrypted else {None})
    first = page["Records"][0]
    number = int(first["SequenceNumber"][10:25])  # the arrival time's milliseconds, as sequence.py lays it out
    assert int(first["ApproximateArrivalTimestamp"].timestamp() * 1000 + 0.5) == number
    assert page["NextShardIterator"] and page["MillisBehindLatest"] >= 0


def test_closed_shard_answers_with_child_shards_as_the_generic_path(server, endpoint, kinesis):
    name = active_stream(kinesis, endpoint, "recjson-split")
    kinesis.put_record(StreamName=name, Data=b"before the split", PartitionKey="p")
    kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    wait_active(kinesis, endpoint, name)
    iterator = _iterator(kinesis, name)
    fast = _http_body(endpoint, iterator)
    assert fast == _generic_body(server, iterator)  # no iterator and nothing behind: the whole body is fixed
    document = json.loads(fast)
    assert "NextShardIterator" not in document and len(document["ChildShards"]) == 2
    assert base64.b64decode(document["Records"][0]["Data"]) == b"before the split"


def test_empty_page_is_the_generic_path(server, endpoint, kinesis):
    name = active_stream(kinesis, endpoint, "recjson-empty")
    iterator = _iterator(kinesis, name)
    assert _records_part(_http_body(endpoint, iterator)) == b'{"Records":[]'
    assert _records_part(_generic_body(server, iterator)) == b'{"Records":[]'
