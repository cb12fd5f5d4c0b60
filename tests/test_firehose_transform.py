"""Record format conversion (JSON to Parquet/ORC, read back with pyarrow) and dynamic partitioning (JQ)."""
from __future__ import annotations

import base64
import io
import json

import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from tests.support import active_delivery_stream, error_of, flush, new_bucket, objects, s3_config, unique

SCHEMA = "struct<id:bigint,name:string,score:double,tags:array<string>>"
BIG = {"SizeInMBs": 64, "IntervalInSeconds": 60}


def conversion(serializer: dict, table: str = SCHEMA) -> dict:
    return {"Enabled": True, "SchemaConfiguration": {"RoleARN": "arn:aws:iam::000000000000:role/r",
                                                     "DatabaseName": "inline", "TableName": table},
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
            "OutputFormatConfiguration": {"Serializer": serializer}}


@pytest.mark.parametrize("serializer,reader,extension", [
    ({"ParquetSerDe": {"Compression": "SNAPPY"}}, lambda b: pq.read_table(io.BytesIO(b)), ".parquet"),
    ({"OrcSerDe": {}}, lambda b: orc.read_table(io.BytesIO(b)), ".orc"),
])
def test_json_converted_and_bad_records_to_error_prefix(firehose, s3, endpoint, serializer, reader, extension):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, BufferingHints=BIG, Prefix="data/", ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        DataFormatConversionConfiguration=conversion(serializer)))
    rows = [{"id": 1, "Name": "a", "score": 1.5, "tags": ["x"]}, {"id": 2, "name": "b", "score": 2.0, "tags": []}]
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": json.dumps(r).encode()} for r in rows]
                              + [{"Data": b"not json"}, {"Data": b'{"id": "NaN-not-int"}'}])
    flush(endpoint, 61)
    data = objects(s3, target, "data/")
    assert len(data) == 1 and next(iter(data)).endswith(extension)
    table = reader(next(iter(data.values())))
    assert table.to_pylist() == [{"id": 1, "name": "a", "score": 1.5, "tags": ["x"]},
                                 {"id": 2, "name": "b", "score": 2.0, "tags": []}]
    errors = objects(s3, target, "errors/format-conversion-failed/")
    assert len(errors) == 1
    lines = [json.loads(line) for line in next(iter(errors.values())).splitlines()]
    assert sorted(base64.b64decode(line["rawData"]) for line in lines) == [b"not json", b'{"id": "NaN-not-int"}']
    assert all(line["errorCode"] == "DataFormatConversion.MalformedData" for line in lines)


def test_conversion_needs_an_inline_schema(firehose, s3):
    assert error_of(
        firehose.create_delivery_stream, DeliveryStreamName=unique("glue"), ExtendedS3DestinationConfiguration=s3_config(
            new_bucket(s3), BufferingHints=BIG, DataFormatConversionConfiguration=conversion(
                {"ParquetSerDe": {}}, table="a_glue_table"))).code == "InvalidArgumentException"


def test_dynamic_partitioning_with_jq(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, BufferingHints=BIG,
        Prefix="customer=!{partitionKeyFromQuery:customer}/kind=!{partitionKeyFromQuery:kind}/",
        ErrorOutputPrefix="bad/!{firehose:error-output-type}/", DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={"Enabled": True, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery",
                 "ParameterValue": "{customer: .customer.id, kind: (.kind | ascii_downcase)}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
            {"Type": "AppendDelimiterToRecord", "Parameters": []}]}))
    records = [{"customer": {"id": 7}, "kind": "Buy", "n": 1}, {"customer": {"id": 7}, "kind": "BUY", "n": 2},
               {"customer": {"id": 8}, "kind": "sell", "n": 3}, {"kind": "orphan"}]
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": json.dumps(r).encode()} for r in records])
    flush(endpoint, 61)
    found = objects(s3, target)
    by_prefix = {key.rsplit("/", 1)[0]: body for key, body in found.items() if not key.startswith("bad/")}
    assert by_prefix == {
        "customer=7/kind=buy": (json.dumps(records[0]) + "\n" + json.dumps(records[1]) + "\n").encode(),
        "customer=8/kind=sell": (json.dumps(records[2]) + "\n").encode()}
    failed = [key for key in found if key.startswith("bad/partitioning-failed/")]
    assert len(failed) == 1
    line = json.loads(found[failed[0]])
    assert base64.b64decode(line["rawData"]) == json.dumps(records[3]).encode()


def test_bad_jq_is_refused(firehose, s3):
    refused = error_of(
        firehose.create_delivery_stream, DeliveryStreamName=unique("jq"), ExtendedS3DestinationConfiguration=s3_config(
            new_bucket(s3), BufferingHints=BIG, Prefix="!{partitionKeyFromQuery:k}/", ErrorOutputPrefix="e/",
            DynamicPartitioningConfiguration={"Enabled": True},
            ProcessingConfiguration={"Enabled": True, "Processors": [{"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{k: .k"}]}]}))
    assert refused.code == "InvalidArgumentException"
