"""Response and error serialization for real service models, checked through botocore clients.

A client's HTTP send is answered by the serializer (``before-send``), so every
assertion sees what boto3 users see: parsed outputs and modeled exceptions.
"""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.model import ServiceModel
from botocore.parsers import create_parser

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.serializers import serialize_error, serialize_response

REQUEST_ID = "c0ffee00-0000-4000-8000-000000000001"
SESSION = botocore.session.get_session()


class _Raw(io.BytesIO):
    def stream(self, **_):
        yield self.getvalue()


def _client(service: str, answer):
    """A botocore client whose every call is answered with ``answer`` (an output dict or a ServiceError)."""
    client = SESSION.create_client(service, region_name="us-east-1", endpoint_url="http://nimbus.test",
                                   aws_access_key_id="test", aws_secret_access_key="test")
    model = client.meta.service_model
    protocol = model.resolved_protocol

    def send(request, event_name, **_):
        operation = model.operation_model(event_name.rsplit(".", 1)[-1])
        if isinstance(answer, ServiceError):
            response = serialize_error(model, operation, answer, protocol, REQUEST_ID)
        else:
            response = serialize_response(operation, answer, protocol, REQUEST_ID)
        client.last_response = response
        return AWSResponse(request.url, response.status, dict(response.headers), _Raw(response.body_bytes()))

    client.meta.events.register("before-send", send)
    return client


@pytest.mark.parametrize("code", ["EntityAlreadyExists", "EntityAlreadyExistsException"])
def test_iam_error_uses_the_query_code_and_modeled_status(code):
    client = _client("iam", ServiceError(code, "User bob already exists."))
    with pytest.raises(client.exceptions.EntityAlreadyExistsException) as raised:
        client.create_user(UserName="bob")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert response["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert response["Error"] == {"Type": "Sender", "Code": "EntityAlreadyExists",
                                 "Message": "User bob already exists."}
    assert client.last_response.body.startswith(
        b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>')


def test_iam_query_response_round_trips_escaped_text_and_timestamps():
    created = datetime(2014, 4, 29, 18, 30, 38, 123000)
    name = 'a<b>&"c"\r\nd'
    client = _client("iam", {"User": {"UserName": name, "UserId": "AIDA", "Path": "/",
                                      "Arn": "arn:aws:iam::123456789012:user/x", "CreateDate": created,
                                      "NotInTheModel": "ignored", "PermissionsBoundary": None}})
    user = client.get_user(UserName="x")["User"]
    assert user["UserName"] == name
    assert user["CreateDate"] == created.replace(tzinfo=UTC)
    assert set(user) == {"UserName", "UserId", "Path", "Arn", "CreateDate"}
    body = client.last_response.body
    assert body.startswith(b'<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>')
    assert b"<CreateDate>2014-04-29T18:30:38.123Z</CreateDate>" in body
    assert body.endswith(b"<ResponseMetadata><RequestId>" + REQUEST_ID.encode()
                         + b"</RequestId></ResponseMetadata></GetUserResponse>")


def test_kms_not_found_is_a_json_error():
    client = _client("kms", ServiceError("NotFoundException", "Key 'x' does not exist"))
    with pytest.raises(client.exceptions.NotFoundException) as raised:
        client.describe_key(KeyId="x")
    assert raised.value.response["Error"] == {"Code": "NotFoundException", "Message": "Key 'x' does not exist"}
    response = client.last_response
    assert response.status == 400
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    assert response.headers["x-amzn-requestid"] == REQUEST_ID
    assert json.loads(response.body) == {"__type": "NotFoundException", "message": "Key 'x' does not exist"}


def test_s3_no_such_key_is_an_s3_error_document():
    client = _client("s3", ServiceError("NoSuchKey", "The specified key does not exist.", Key="a/b.txt"))
    with pytest.raises(client.exceptions.NoSuchKey) as raised:
        client.get_object(Bucket="bucket", Key="a/b.txt")
    response = raised.value.response
    assert response["Error"] == {"Code": "NoSuchKey", "Message": "The specified key does not exist.",
                                 "Key": "a/b.txt"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert response["ResponseMetadata"]["HostId"]
    assert client.last_response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey')


def test_s3_not_modified_has_no_body():
    client = _client("s3", ServiceError("NotModified", "Not Modified", status=304))
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.get_object(Bucket="bucket", Key="k", IfNoneMatch='"abc"')
    assert raised.value.response["Error"]["Code"] == "304"  # what boto3 reports for real S3
    assert client.last_response.body == b""


def test_s3_list_buckets_carries_the_s3_namespace():
    created = datetime(2009, 10, 12, 17, 50, 30)
    client = _client("s3", {"Buckets": [{"Name": "one", "CreationDate": created}],
                            "Owner": {"ID": "abc", "DisplayName": "me"}})
    listed = client.list_buckets()
    assert listed["Buckets"] == [{"Name": "one", "CreationDate": created.replace(tzinfo=UTC)}]
    assert b'<ListBucketsOutput xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' in client.last_response.body
    assert client.last_response.headers["content-type"] == "application/xml"


@pytest.mark.parametrize("region", ["eu-west-1", None])
def test_s3_get_bucket_location_is_the_bare_constraint(region):
    client = _client("s3", {"LocationConstraint": region})
    assert client.get_bucket_location(Bucket="bucket")["LocationConstraint"] == region


def test_s3_get_object_streams_a_file_in_chunks_and_closes_it(tmp_path):
    content = bytes(range(256)) * 1024  # 256 KiB
    (tmp_path / "object").write_bytes(content)
    modified = datetime(2021, 3, 4, 5, 6, 7)
    stream = open(tmp_path / "object", "rb")
    operation = SESSION.get_service_model("s3").operation_model("GetObject")
    response = serialize_response(operation, {
        "Body": stream, "ContentLength": len(content), "ContentType": "application/x-thing",
        "LastModified": modified, "ETag": '"abc"', "Metadata": {"colour": "blue"}, "DeleteMarker": False,
    }, "rest-xml", REQUEST_ID)
    assert response.headers["content-length"] == str(len(content))
    assert response.headers["content-type"] == "application/x-thing"
    assert response.headers["last-modified"] == "Thu, 04 Mar 2021 05:06:07 GMT"
    assert response.headers["x-amz-meta-colour"] == "blue"
    assert response.headers["x-amz-delete-marker"] == "false"
    assert not isinstance(response.body, bytes)
    chunks = list(response.body)
    assert max(map(len, chunks)) == 64 * 1024
    assert b"".join(chunks) == content
    assert stream.closed


def test_s3_get_object_through_the_client():
    client = _client("s3", {"Body": b"hello", "ContentLength": 5, "Metadata": {"a": "b"}})
    got = client.get_object(Bucket="bucket", Key="k")
    assert got["Body"].read() == b"hello"
    assert got["Metadata"] == {"a": "b"}
    assert got["ContentLength"] == 5


def test_query_compatible_json_error_names_the_query_code():
    client = _client("sqs", ServiceError("QueueDoesNotExist", "The specified queue does not exist."))
    with pytest.raises(client.exceptions.QueueDoesNotExist):
        client.get_queue_url(QueueName="missing")
    assert client.last_response.headers["x-amzn-query-error"] == "QueueDoesNotExist;Sender"


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "json", "query"])
def test_one_service_in_each_of_its_protocols(protocol):
    # CloudWatch speaks all three and is query-compatible; botocore's own client picks json.
    model = SESSION.get_service_model("cloudwatch")
    operation = model.operation_model("DescribeAlarmHistory")
    parser = create_parser(protocol)
    moment = datetime(2024, 5, 6, 7, 8, 9, 250000, tzinfo=UTC)
    items = [{"AlarmName": "a", "Timestamp": moment, "HistorySummary": "s", "HistoryItemType": "StateUpdate"}]

    response = serialize_response(operation, {"AlarmHistoryItems": items}, protocol, REQUEST_ID)
    parsed = parser.parse({"status_code": response.status, "headers": response.headers,
                           "body": response.body}, operation.output_shape)
    assert parsed["AlarmHistoryItems"] == items
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID

    error = ServiceError("InvalidParameterValueException", "bad period")
    response = serialize_error(model, operation, error, protocol, REQUEST_ID)
    parsed = parser.parse({"status_code": response.status, "headers": response.headers,
                           "body": response.body}, operation.output_shape)
    assert (response.status, parsed["Error"]["Code"], parsed["Error"]["Message"]) == (
        400, "InvalidParameterValue", "bad period")


def test_unmodeled_server_fault_is_500_receiver():
    error = ServiceError("InternalFailure", "boom", sender_fault=False)
    client = _client("iam", error)
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.list_users()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert raised.value.response["Error"] == {"Type": "Receiver", "Code": "InternalFailure", "Message": "boom"}


def test_rest_json_status_comes_from_the_operation_and_timestamps_are_epoch_seconds():
    client = _client("lambda", {"FunctionName": "f", "LastModified": "2020-01-01T00:00:00.000+0000"})
    assert client.create_function(FunctionName="f", Role="arn:aws:iam::1:role/r", Code={"ZipFile": b"z"},
                                  Runtime="python3.12", Handler="h")["FunctionName"] == "f"
    assert client.last_response.status == 201

    created = datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    client = _client("dynamodb", {"Table": {"TableName": "t", "CreationDateTime": created, "ItemCount": 3}})
    assert client.describe_table(TableName="t")["Table"]["CreationDateTime"] == created
    assert b'"CreationDateTime":1577934245.678' in client.last_response.body


def _rest_json_operation(shapes: dict, output: str) -> ServiceModel:
    return ServiceModel({
        "metadata": {"protocol": "rest-json", "apiVersion": "2020-01-01", "endpointPrefix": "t"},
        "operations": {"Op": {"name": "Op", "http": {"method": "GET", "requestUri": "/"},
                              "output": {"shape": output}}},
        "shapes": {"String": {"type": "string"}, "Timestamp": {"type": "timestamp"}, **shapes},
    }).operation_model("Op")


def test_header_lists_quote_strings_but_not_http_dates():
    # botocore cannot read these back (it splits on every comma), so compare the wire form with AWS's.
    operation = _rest_json_operation({
        "Out": {"type": "structure", "members": {
            "strings": {"shape": "Strings", "location": "header", "locationName": "X-StringList"},
            "times": {"shape": "Times", "location": "header", "locationName": "X-TimestampList"}}},
        "Strings": {"type": "list", "member": {"shape": "String"}},
        "Times": {"type": "list", "member": {"shape": "Timestamp"}},
    }, "Out")
    moment = datetime(2019, 12, 16, 23, 48, 18)
    response = serialize_response(operation, {"strings": ["b,c", '"def"', "a"], "times": [moment, moment]},
                                  "rest-json", REQUEST_ID)
    assert response.headers["x-stringlist"] == '"b,c", "\\"def\\"", a'
    assert response.headers["x-timestamplist"] == "Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT"


def test_unset_payloads_send_an_empty_body():
    operation = _rest_json_operation({
        "Out": {"type": "structure", "payload": "blob", "members": {
            "foo": {"shape": "String", "location": "header", "locationName": "X-Foo"},
            "blob": {"shape": "Blob"}}},
        "Blob": {"type": "blob"},
    }, "Out")
    response = serialize_response(operation, {"foo": "Foo"}, "rest-json", REQUEST_ID)
    assert (response.body, response.headers["x-foo"]) == (b"", "Foo")


def test_flattened_lists_are_named_after_their_list_member():
    # As SQS's and SimpleDB's query models encode <Message>/<Item> elements.
    model = ServiceModel({
        "metadata": {"protocol": "query", "apiVersion": "2012-11-05", "endpointPrefix": "queue",
                     "xmlNamespace": "http://queue.amazonaws.com/doc/2012-11-05/"},
        "operations": {"Receive": {"name": "Receive", "http": {"method": "POST", "requestUri": "/"},
                                   "output": {"shape": "Out", "resultWrapper": "ReceiveResult"}}},
        "shapes": {
            "Out": {"type": "structure", "members": {"Messages": {"shape": "Messages"}}},
            "Messages": {"type": "list", "flattened": True, "member": {"shape": "Message", "locationName": "Message"}},
            "Message": {"type": "structure", "members": {"Body": {"shape": "String"}}},
            "String": {"type": "string"},
        },
    })
    operation = model.operation_model("Receive")
    response = serialize_response(operation, {"Messages": [{"Body": "a"}, {"Body": "b"}]}, "query", REQUEST_ID)
    assert (b"<ReceiveResult><Message><Body>a</Body></Message><Message><Body>b</Body></Message></ReceiveResult>"
            in response.body)
    parsed = create_parser("query").parse(
        {"status_code": 200, "headers": response.headers, "body": response.body}, operation.output_shape)
    assert parsed["Messages"] == [{"Body": "a"}, {"Body": "b"}]
