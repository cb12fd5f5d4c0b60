"""DiscoverInputSchema samples real streams and objects, as the given role, and infers their schema."""
from __future__ import annotations

import json

import pytest

from tests.support import ANALYTICS_TRUST, active_stream, analytics_role, aws_cli, error_of, unique

TICKS = [{"ticker": "AMZN", "sector": "TECHNOLOGY", "price": 84.5, "volume": 100, "meta": {"venue": "X"}},
         {"ticker": "WMT", "sector": "RETAIL", "price": 52, "volume": 3_000_000_000, "meta": {"venue": "Y"}}]


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), "discover")


def test_json_from_a_kinesis_stream(aws, role, endpoint):
    kinesis = aws("kinesis")
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    for tick in TICKS:
        kinesis.put_record(StreamName=name, Data=json.dumps(tick).encode(), PartitionKey=tick["ticker"])
    found = aws("kinesisanalytics").discover_input_schema(
        ResourceARN=arn, RoleARN=role, InputStartingPositionConfiguration={"InputStartingPosition": "TRIM_HORIZON"})
    schema = found["InputSchema"]
    assert schema["RecordFormat"] == {"RecordFormatType": "JSON",
                                      "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}}
    assert schema["RecordColumns"] == [
        {"Name": "ticker", "Mapping": "$.ticker", "SqlType": "VARCHAR(4)"},
        {"Name": "sector", "Mapping": "$.sector", "SqlType": "VARCHAR(16)"},
        {"Name": "price", "Mapping": "$.price", "SqlType": "REAL"},
        {"Name": "volume", "Mapping": "$.volume", "SqlType": "BIGINT"},
        {"Name": "meta_venue", "Mapping": "$.meta.venue", "SqlType": "VARCHAR(1)"}]
    assert found["ParsedInputRecords"][0] == ["AMZN", "TECHNOLOGY", "84.5", "100", "X"]
    assert [json.loads(raw) for raw in found["RawInputRecords"]] == TICKS


def test_csv_from_an_s3_object_with_the_cli(client, endpoint):
    """The CLI speaks as the default account: its own role and bucket."""
    iam, s3 = client("iam"), client("s3")
    role = iam.create_role(RoleName=unique("discover"), AssumeRolePolicyDocument=ANALYTICS_TRUST)["Role"]["Arn"]
    bucket = unique("discover")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="ref.csv", Body=b"AMZN|Amazon|1994\nWMT|Walmart|1962\n")
    found = aws_cli(endpoint, "kinesisanalytics", "discover-input-schema", "--s3-configuration", json.dumps(
        {"RoleARN": role, "BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": "ref.csv"}))
    schema = found["InputSchema"]
    assert schema["RecordFormat"]["MappingParameters"] == {
        "CSVMappingParameters": {"RecordRowDelimiter": "\n", "RecordColumnDelimiter": "|"}}
    assert [(c["Name"], c["SqlType"]) for c in schema["RecordColumns"]] == [
        ("COL1", "VARCHAR(4)"), ("COL2", "VARCHAR(8)"), ("COL3", "INTEGER")]
    assert found["ParsedInputRecords"] == [["AMZN", "Amazon", "1994"], ["WMT", "Walmart", "1962"]]


def test_an_empty_stream_has_no_schema(aws, role, endpoint):
    kinesis = aws("kinesis")
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    assert error_of(aws("kinesisanalytics").discover_input_schema, ResourceARN=arn, RoleARN=role,
                    InputStartingPositionConfiguration={"InputStartingPosition": "NOW"}).code == \
        "UnableToDetectSchemaException"


def test_a_delivery_stream_is_sampled_through_its_source(aws, role, endpoint):
    kinesis = aws("kinesis")
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_record(StreamName=name, Data=b'{"n": 1}', PartitionKey="k")
    analytics = aws("kinesisanalytics")
    missing = arn.replace(":kinesis:", ":firehose:").replace(":stream/", ":deliverystream/") + "-none"
    assert error_of(analytics.discover_input_schema, ResourceARN=missing, RoleARN=role).code == \
        "InvalidArgumentException"
    assert error_of(analytics.discover_input_schema, ResourceARN=arn).code == "InvalidArgumentException"
