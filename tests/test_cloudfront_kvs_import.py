"""A KeyValueStore made from an S3 object (ImportSource): CloudFront's JSON format, read as the caller (a
bucket of another account without a policy for it is AccessDenied), and the file's limits; also from a
CloudFormation template, and read by a function at TestFunction."""
from __future__ import annotations

import json

import pytest

from tests.support import (
    account_key,
    error_of,
    make_client,
    new_bucket,
    on_loopback,
    settled_stack,
    stack_events,
    unique,
)


@pytest.fixture(scope="module")
def source(aws):
    """(s3 client, bucket) holding import files."""
    s3 = aws("s3")
    return s3, new_bucket(s3, "kvsimport")


def upload(source, body: bytes | str) -> dict:
    s3, bucket = source
    key = unique("import") + ".json"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"SourceType": "S3", "SourceARN": f"arn:aws:s3:::{bucket}/{key}"}


def entries(*pairs: tuple[str, str]) -> str:
    return json.dumps({"data": [{"key": k, "value": v} for k, v in pairs]})


def test_import_from_s3(aws, source, endpoint, account):
    cloudfront = aws("cloudfront")
    made = cloudfront.create_key_value_store(Name=unique("kvs"), ImportSource=upload(
        source, entries(("/old", "/new"), ("flag", "on"))))["KeyValueStore"]
    kvs = on_loopback(make_client(endpoint, "cloudfront-keyvaluestore", key=account))
    assert kvs.describe_key_value_store(KvsARN=made["ARN"])["ItemCount"] == 2
    listed = kvs.list_keys(KvsARN=made["ARN"])["Items"]
    assert listed == [{"Key": "/old", "Value": "/new"}, {"Key": "flag", "Value": "on"}]


@pytest.mark.parametrize("body", [
    "not json", json.dumps({"items": []}), json.dumps({"data": [{"key": "k"}]}),
    entries(("k", "1"), ("k", "2")), entries(("k" * 513, "v")), entries(("k", "v" * 1025)),
    b"\xff\xfe"])
def test_files_cloudfront_refuses(aws, source, body):
    name = unique("kvs")
    cloudfront = aws("cloudfront")
    assert error_of(cloudfront.create_key_value_store, Name=name, ImportSource=upload(source, body)) == (
        "InvalidArgument", 400)
    assert error_of(cloudfront.describe_key_value_store, Name=name) == ("EntityNotFound", 404)


def test_sources_cloudfront_refuses(aws, source, endpoint):
    cloudfront = aws("cloudfront")
    _, bucket = source
    for arn in (f"arn:aws:s3:::{bucket}", "arn:aws:sns:us-east-1:123456789012:topic", f"arn:aws:s3:::{bucket}/missing"):
        assert error_of(cloudfront.create_key_value_store, Name=unique("kvs"), ImportSource={
            "SourceType": "S3", "SourceARN": arn}) == ("InvalidArgument", 400)
    big = entries(*((f"k{i:06}", "v" * 1000) for i in range(5300)))  # over 5 MB
    assert error_of(cloudfront.create_key_value_store, Name=unique("kvs"), ImportSource=upload(source, big)) == (
        "EntitySizeLimitExceeded", 413)
    # Read as the caller: another account's private bucket is not the caller's to read.
    other = make_client(endpoint, "s3", key=account_key())
    theirs = new_bucket(other, "theirs")
    other.put_object(Bucket=theirs, Key="data.json", Body=entries(("k", "v")).encode())
    assert error_of(cloudfront.create_key_value_store, Name=unique("kvs"), ImportSource={
        "SourceType": "S3", "SourceARN": f"arn:aws:s3:::{theirs}/data.json"}) == ("AccessDenied", 403)


def test_import_from_a_template(aws, source, endpoint, account):
    cf, cloudfront = aws("cloudformation"), aws("cloudfront")
    imported = upload(source, entries(("greeting", "hello")))
    name = unique("kvsstack")
    cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {"Store": {
        "Type": "AWS::CloudFront::KeyValueStore",
        "Properties": {"Name": {"Fn::Sub": "${AWS::StackName}-kvs"}, "ImportSource": {
            "SourceType": "S3", "SourceArn": imported["SourceARN"]}}}}}))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE", stack_events(cf, name)
    arn = cloudfront.describe_key_value_store(Name=f"{name}-kvs")["KeyValueStore"]["ARN"]
    kvs = on_loopback(make_client(endpoint, "cloudfront-keyvaluestore", key=account))
    assert kvs.get_key(KvsARN=arn, Key="greeting")["Value"] == "hello"
    stack_id = settled_stack(cf, name)["StackId"]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
