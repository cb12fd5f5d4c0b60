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
from nimbus.services.kinesis.segments import Span, encode
from nimbus.services.kinesis.shard_log import ShardLog
from tests.support import ACCOUNT, send_signed
from tests.support.streams import MAX_HASH_KEY, active_stream, wait_active

KEYS = ["k", "", "null", "1e-05", 'quote"d', "back\\slash", "tab\there", "nl\n", "\x01\x1f", "del\x7f", "é",
        "日本語", "emoji \U0001F600", "\u2028", "/slash/", "x" * 256]
# A KPL aggregated record: the magic, a protobuf body, an MD5; served as any other data (no de-aggregation).
KPL = bytes.fromhex("f3899ac2") + b"\x0a\x01k\x1a\x06\x08\x00\x1a\x02hi" + bytes(16)
DATA = [b"", b"a", b"ab", b"abc", bytes(range(256)), KPL, b"\xff" * 1000, b"null e- 0.0000"]


def _page(shard: int, first: int, stored: list[tuple[int, int, str, bytes]], unseal=lambda flags, data: data):
    """A page of records (arrival ms, flags, partition key, data) as the log stores them, from ``first`` on."""
    raw = b"".join(encode(ms, flags, key.encode(), data) for ms, flags, key, data in stored)
    return RecordPage(shard, [Span(first, raw + b"trailing bytes of a batch being indexed", len(stored))], unseal,
                      first + len(stored), 0, None)


def _record_shape(server):
    model = server.runtime.services.get("kinesis").model
    return model.operation_model("GetRecords").output_shape.members["Records"]


@pytest.mark.parametrize("ms", [0, 5, 999, 1000, 1_733_456_789_000, 1_733_456_789_001, 1_733_456_789_010,
                                1_733_456_789_100, 1_733_456_789_120, 1_733_456_789_999, 4_102_444_800_123])
def test_times_are_written_as_the_generic_path_writes_them(server, ms):
    stored = [(ms, 0, key, data) for key, data in zip(KEYS, DATA * 2)]
    page = _page(7, 41, stored)
    records, size = page.records()
    parts, fast_size = page.records_json()
    assert b"".join(parts) == json_bytes(JSON.encode(_record_shape(server), records))
    assert fast_size == size == sum(len(data) for _, _, _, data in stored)
    assert [r["PartitionKey"] for r in records] == KEYS


def test_encrypted_flags_name_kms(server):
    page = _page(0, 3, [(1_733_456_789_123, ENCRYPTED, "k", b"sealed"), (1_733_456_789_124, 0, "k", b"plain")],
                 lambda flags, data: data.upper() if flags & ENCRYPTED else data)
    records, _ = page.records()
    text = b"".join(page.records_json()[0])
    size = page.records_json()[1]
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


def _expected(sizes: list[int], start: int, limit: int, max_bytes: int) -> list[int]:
    """The positions a read returns, by the rule: at most ``limit``, and no record that takes the data and keys
    past ``max_bytes``, except a first one."""
    taken, total = [], 0
    for position in range(start, min(len(sizes), start + limit)):
        total += sizes[position]
        if taken and total > max_bytes:
            break
        taken.append(position)
    return taken


FRAME = 19  # a frame's fixed fields: length, CRC, arrival time, flags, key length


def test_reads_across_segments_keep_the_count_and_byte_limits(tmp_path):
    log = ShardLog(str(tmp_path / "000000000.log"), segment_bytes=2000)
    sizes = []
    for batch in range(12):  # segments roll every ~2,000 bytes, so reads cross several
        datas = [bytes([batch]) * ((batch * 37 + i * 101) % 700) for i in range(3)]
        log.append([encode(1000 + batch, 0, b"key", data) for data in datas], [1000 + batch] * 3)
        sizes += [len(data) + 3 for data in datas]
    assert len(log._segments) > 3
    cases = [(start, limit, max_bytes) for start in (0, 2, 5, 17, 35, 36) for limit in (1, 7, 100)
             for max_bytes in [0, 1, 10 ** 9] + list(range(sizes[start % len(sizes)], 12000, 211))]
    for start, limit, max_bytes in cases:
        records = log.read(start, limit, max_bytes)
        assert [r.position for r in records] == _expected(sizes, start, limit, max_bytes), (start, limit, max_bytes)
        spans = log.read_spans(start, limit, max_bytes)
        assert sum(span.count for span in spans) == len(records)
        # Read from disk: what is returned, and at most one record more (whose size told where to stop).
        returned = sum(len(r.data) + len(r.partition_key) + FRAME for r in records)
        assert sum(len(span.raw) for span in spans) <= returned + max(sizes) + FRAME
        page = RecordPage(0, spans, lambda flags, data: data, 0, 0, None)
        assert [r["PartitionKey"] for r in json.loads(b"".join(page.records_json()[0]))] == ["key"] * len(records)
        assert page.records()[1] == sum(len(r.data) for r in records)
