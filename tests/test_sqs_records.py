"""What SQS tells the rest of nimbus: CloudTrail data events for its message operations, and its AWS/SQS
metrics on the event bus (which CloudWatch stores)."""
import time

import pytest

from nimbus.core.metrics import METRIC
from tests.support import advance_clock, all_records, trail_bucket, unique


@pytest.fixture
def metrics(server):
    data = []
    server.runtime.events.subscribe(METRIC, data.append)
    yield data
    server.runtime.events.unsubscribe(METRIC, data.append)


def test_message_operations_are_data_events(aws, account, endpoint):
    sqs, ct = aws("sqs"), aws("cloudtrail")
    url = sqs.create_queue(QueueName=unique("audited"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bucket = trail_bucket(aws("s3"), account)
    trail = unique("trail")
    ct.create_trail(Name=trail, S3BucketName=bucket)
    ct.put_event_selectors(TrailName=trail, AdvancedEventSelectors=[
        {"Name": "queue", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                             {"Field": "resources.type", "Equals": ["AWS::SQS::Queue"]}]}])
    ct.start_logging(Name=trail)
    sqs.send_message(QueueUrl=url, MessageBody="audited")
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    deadline, data = time.monotonic() + 20, []
    while time.monotonic() < deadline and len(data) < 3:
        advance_clock(endpoint, 6)
        data = [r for r in all_records(aws("s3"), bucket) if r["eventSource"] == "sqs.amazonaws.com"]
    assert {r["eventName"] for r in data} == {"SendMessage", "ReceiveMessage", "DeleteMessage"}
    assert all(r["eventCategory"] == "Data" and not r["managementEvent"] for r in data)
    assert all(r["resources"][0]["ARN"] == arn and r["resources"][0]["type"] == "AWS::SQS::Queue" for r in data)
    ct.stop_logging(Name=trail)


def test_metrics_are_published(aws, endpoint, server, metrics):
    sqs = aws("sqs")
    name = unique("measured")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="12345")
    sqs.send_message(QueueUrl=url, MessageBody="in flight")
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    sqs.receive_message(QueueUrl=sqs.create_queue(QueueName=unique("empty"))["QueueUrl"])
    advance_clock(endpoint, 61)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(m.name == "ApproximateNumberOfMessagesVisible" and
                                                    m.dimensions == (("QueueName", name),) for m in metrics):
        server.runtime.events.flush()
        time.sleep(0.1)
    mine = [m for m in metrics if m.dimensions == (("QueueName", name),)]
    assert all(m.namespace == "AWS/SQS" for m in mine)
    sent = [m.value for m in mine if m.name == "NumberOfMessagesSent"]
    assert sent == [1.0, 1.0]
    assert [m.value for m in mine if m.name == "SentMessageSize"][0] == 5.0
    assert sum(m.value for m in mine if m.name == "NumberOfMessagesDeleted") == 1.0
    assert sum(m.value for m in mine if m.name == "NumberOfMessagesReceived") == 2.0
    gauges = {m.name: m.value for m in mine if m.name.startswith("Approximate")}
    assert gauges["ApproximateNumberOfMessagesVisible"] == 1.0
    assert gauges["ApproximateNumberOfMessagesNotVisible"] == 0.0
    assert gauges["ApproximateAgeOfOldestMessage"] >= 61
    assert any(m.name == "NumberOfEmptyReceives" for m in metrics)
