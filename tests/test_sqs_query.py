"""SQS over the query protocol older SDKs speak: form-encoded ``Action=...`` posted to the queue URL (or ``/``)
with the old wire names, XML answers and the old error codes. The client here is botocore itself, driven by
the query model nimbus serves (the old names rebuilt), so botocore's own query serializer and parser check
both directions."""
import json
import re

import boto3
import botocore.session
import pytest
import requests

from nimbus.protocol import models
from nimbus.services.sqs.query_model import query_model
from tests.support import error_of, signed, unique


@pytest.fixture(scope="module")
def legacy(endpoint, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    target = folder / "sqs" / "2012-11-05"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(query_model(models.service_model("sqs"))._service_description))
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(folder))
    return boto3.Session(botocore_session=session).client(
        "sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test")


def test_query_round_trip(legacy):
    url = legacy.create_queue(QueueName=unique("legacy"), Attributes={"VisibilityTimeout": "40"},
                              tags={"team": "a"})["QueueUrl"]
    assert legacy.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "40"}
    assert url in legacy.list_queues(QueueNamePrefix="legacy")["QueueUrls"]
    legacy.send_message(QueueUrl=url, MessageBody="old style", MessageAttributes={
        "k": {"DataType": "String", "StringValue": "v"}, "b": {"DataType": "Binary", "BinaryValue": b"\x01"}})
    batch = legacy.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "one"},
                                                             {"Id": "2", "MessageBody": "x\x01"}])
    assert [e["Id"] for e in batch["Successful"]] == ["1"] and batch["Failed"][0]["Code"] == "InvalidMessageContents"
    got = legacy.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                 MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == ["old style", "one"]
    assert got[0]["MessageAttributes"]["b"]["BinaryValue"] == b"\x01"
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    deleted = legacy.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    assert len(deleted["Successful"]) == 2
    assert legacy.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    assert error_of(legacy.get_queue_url, QueueName=unique("missing")) == (
        "AWS.SimpleQueueService.NonExistentQueue", 400)


def test_posted_to_the_queue_url_with_the_old_names(client, endpoint):
    url = client("sqs").create_queue(QueueName=unique("raw"))["QueueUrl"]
    path = url[len(endpoint):]
    body = "Action=SendMessage&Version=2012-11-05&MessageBody=hi&MessageAttribute.1.Name=k" \
           "&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v"
    address, headers = signed(endpoint, "sqs", path=path, body=body.encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    sent = requests.post(address, data=body, headers=headers, timeout=10)
    assert sent.status_code == 200, sent.text
    assert sent.text.startswith('<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
                                '<SendMessageResult><MessageId>')
    assert re.search("<MD5OfMessageBody>[0-9a-f]{32}</MD5OfMessageBody>", sent.text)
    body = "Action=ReceiveMessage&Version=2012-11-05&AttributeName.1=SenderId&MessageAttributeName.1=All"
    address, headers = signed(endpoint, "sqs", path=path, body=body.encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    received = requests.post(address, data=body, headers=headers, timeout=10).text
    assert "<Message><MessageId>" in received and "<Body>hi</Body>" in received
    assert "<Attribute><Name>SenderId</Name>" in received
    assert "<MessageAttribute><Name>k</Name><Value>" in received and "<StringValue>v</StringValue>" in received
