"""Malformed values are answered with a 400 in the service's words, never a 500 or a dropped connection:
header injection through S3's response-* overrides, JSON nested past any real document, and numbers
JSON cannot hold (NaN, Infinity, 1e999)."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import error_of, new_bucket, send_signed, unique, virtual_now

DEEP = "[" * 10_000
DEEP_OBJECT = '{"a":' * 900 + "1" + "}" * 900  # parses in Python, then overflows whatever walks it


@pytest.fixture(scope="module")
def stored(s3):
    name = new_bucket(s3, "overrides")
    s3.put_object(Bucket=name, Key="report.pdf", Body=b"%PDF")
    return name


@pytest.mark.parametrize("member, wire, value", [
    ("ResponseContentDisposition", "response-content-disposition", "attachment\r\nSet-Cookie: session=stolen"),
    ("ResponseContentType", "response-content-type", "text/html\nX-Injected: 1"),
    ("ResponseCacheControl", "response-cache-control", "no-cache\x00"),
    ("ResponseContentLanguage", "response-content-language", "fr-\u20ac"),
])
def test_response_overrides_must_be_header_values(s3, stored, member, wire, value):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": stored, "Key": "report.pdf", member: value})
    got = requests.get(url, timeout=10)
    assert got.status_code == 400, got.text
    assert "<Code>InvalidArgument</Code>" in got.text and f"<ArgumentName>{wire}</ArgumentName>" in got.text
    assert "Set-Cookie" not in got.headers and "X-Injected" not in got.headers
    assert error_of(s3.head_object, Bucket=stored, Key="report.pdf", **{member: value}) == ("400", 400)


def test_ordinary_response_overrides_still_apply(s3, stored):
    got = s3.get_object(Bucket=stored, Key="report.pdf", ResponseContentDisposition='attachment; filename="r.pdf"',
                        ResponseContentType="application/pdf", ResponseCacheControl="no-cache\tprivate")
    assert got["ContentDisposition"] == 'attachment; filename="r.pdf"' and got["ContentType"] == "application/pdf"
    assert got["CacheControl"] == "no-cache\tprivate"


@pytest.mark.parametrize("service, target, version", [
    ("kinesis", "Kinesis_20131202.ListStreams", "1.1"),
    ("logs", "Logs_20140328.DescribeLogGroups", "1.1"),
    ("kms", "TrentService.ListKeys", "1.1"),
])
@pytest.mark.parametrize("body", [DEEP, '{"Limit": ' + "[" * 200 + "]" * 200 + "}", '{"Limit": NaN}',
                                  '{"Limit": Infinity}', '{"Limit": -1e999}'])
def test_json_bodies_past_what_json_holds_are_serialization_errors(endpoint, service, target, version, body):
    got = send_signed(endpoint, service, body, {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"})
    assert got.status_code == 400 and got.json()["__type"] == "SerializationException", got.text


@pytest.mark.parametrize("document", [DEEP, DEEP_OBJECT])
def test_policies_nested_past_any_real_one_are_malformed(client, document):
    kms, sns = client("kms"), client("sns")
    assert error_of(kms.create_key, Policy=document).code == "MalformedPolicyDocumentException"
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert error_of(kms.put_key_policy, KeyId=key, PolicyName="default", Policy=document) \
        == ("MalformedPolicyDocumentException", 400)
    topic = sns.create_topic(Name=unique("deep"))["TopicArn"]
    for attribute in ("Policy", "DeliveryPolicy"):
        assert error_of(sns.set_topic_attributes, TopicArn=topic, AttributeName=attribute,
                        AttributeValue=document) == ("InvalidParameter", 400)
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="email", Endpoint="a@example.com",
                    Attributes={"FilterPolicy": document}) == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=topic, Message=document, MessageStructure="json") \
        == ("InvalidParameter", 400)


@pytest.mark.parametrize("array", [DEEP, "[NaN]", "[Infinity]", "[1e999]", "[" * 200 + "]" * 200])
def test_string_array_attributes_hold_only_json_arrays_of_values(client, array):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("arrays"))["TopicArn"]
    assert error_of(sns.publish, TopicArn=topic, Message="m",
                    MessageAttributes={"a": {"DataType": "String.Array", "StringValue": array}}) \
        == ("ParameterValueInvalid", 400)
    sns.publish(TopicArn=topic, Message="m", MessageAttributes={"a": {"DataType": "String.Array",
                                                                     "StringValue": '["x", 1.5, null]'}})


def test_a_json_filter_over_a_deeply_nested_log_event_does_not_match(client, endpoint):
    logs = client("logs")
    group = f"/security/{unique('deep')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(virtual_now(endpoint).timestamp() * 1000)
    events = [{"timestamp": now, "message": m} for m in (DEEP, DEEP_OBJECT, json.dumps({"a": 1}))]
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    found = logs.filter_log_events(logGroupName=group, filterPattern="{ $.a = 1 }", startTime=0)["events"]
    assert [e["message"] for e in found] == ['{"a": 1}']


@pytest.mark.parametrize("body", [b'{"advance_seconds": 1e999}', b'{"advance_seconds": NaN}', b"[" * 100_000])
def test_the_clock_endpoint_refuses_what_is_not_a_number_of_seconds(endpoint, body):
    got = requests.post(f"{endpoint}/_nimbus/clock", data=body, timeout=10,
                        headers={"Content-Type": "application/json"})
    assert got.status_code == 400 and "advance_seconds" in got.json()["error"]
