"""v2's DiscoverInputSchema samples real streams and objects as the ServiceExecutionRole, with v1's inference."""
from __future__ import annotations

import json

import pytest

from tests.support import active_stream, analytics_role, error_of, unique


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), "discover2")


def test_json_from_a_kinesis_stream(aws, role, endpoint):
    kinesis = aws("kinesis")
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    for n in range(3):
        kinesis.put_record(StreamName=name, Data=json.dumps({"ticker": "AMZN", "price": n + 0.5}).encode(),
                           PartitionKey="k")
    found = aws("kinesisanalyticsv2").discover_input_schema(
        ResourceARN=arn, ServiceExecutionRole=role,
        InputStartingPositionConfiguration={"InputStartingPosition": "TRIM_HORIZON"})
    assert found["InputSchema"]["RecordColumns"] == [
        {"Name": "ticker", "Mapping": "$.ticker", "SqlType": "VARCHAR(4)"},
        {"Name": "price", "Mapping": "$.price", "SqlType": "REAL"}]
    assert found["ParsedInputRecords"] == [["AMZN", "0.5"], ["AMZN", "1.5"], ["AMZN", "2.5"]]


def test_csv_from_an_s3_object_read_as_the_service_execution_role(aws, role):
    s3 = aws("s3")
    bucket = unique("discover2")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="ref.csv", Body=b"AMZN,Amazon,1994\nWMT,Walmart,1962\n")
    found = aws("kinesisanalyticsv2").discover_input_schema(
        ServiceExecutionRole=role, S3Configuration={"BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": "ref.csv"})
    assert found["InputSchema"]["RecordFormat"]["MappingParameters"] == {
        "CSVMappingParameters": {"RecordRowDelimiter": "\n", "RecordColumnDelimiter": ","}}
    assert [(c["Name"], c["SqlType"]) for c in found["InputSchema"]["RecordColumns"]] == [
        ("COL1", "VARCHAR(4)"), ("COL2", "VARCHAR(8)"), ("COL3", "INTEGER")]


def test_bad_sources(aws, role):
    analytics = aws("kinesisanalyticsv2")
    assert error_of(analytics.discover_input_schema, ServiceExecutionRole=role).code == "InvalidArgumentException"
    missing_object = error_of(analytics.discover_input_schema, ServiceExecutionRole=role,
                              S3Configuration={"BucketARN": "arn:aws:s3:::no-such-bucket-x", "FileKey": "k"})
    assert missing_object.code == "InvalidArgumentException"
    stranger = aws("iam").create_role(RoleName=unique("untrusted"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    untrusted = error_of(analytics.discover_input_schema, ServiceExecutionRole=stranger,
                         S3Configuration={"BucketARN": "arn:aws:s3:::b", "FileKey": "k"})
    assert untrusted.code == "InvalidArgumentException"
    assert "sufficient privileges to assume the role" in untrusted.message
