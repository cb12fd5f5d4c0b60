"""SQS standard queues through boto3: send, receive, delete, visibility, delays, long polling, batches,
message attributes and their MD5s, retention, purge."""
import hashlib
import threading
import time

from tests.support import advance_clock, error_of, unique


def queue(sqs, **attributes):
    return sqs.create_queue(QueueName=unique("m"), Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]


def counts(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
            int(a["ApproximateNumberOfMessagesDelayed"]))


def test_send_receive_delete(aws):
    sqs = aws("sqs")
    url = queue(sqs)
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    assert counts(sqs, url) == (1, 0, 0)
    got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == ["hello"]
    assert got[0]["MessageId"] == sent["MessageId"]
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SenderId", "SentTimestamp", "ApproximateFirstReceiveTimestamp"} <= set(got[0]["Attributes"])
    assert counts(sqs, url) == (0, 1, 0)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)
    assert error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle="nonsense").code == "ReceiptHandleIsInvalid"


def test_visibility_timeout_on_the_virtual_clock(aws, endpoint):
    sqs = aws("sqs")
    url = queue(sqs, VisibilityTimeout=30)
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    advance_clock(endpoint, 31)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    result = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": third["ReceiptHandle"], "VisibilityTimeout": 100},
        {"Id": "b", "ReceiptHandle": second["ReceiptHandle"], "VisibilityTimeout": 100}])
    assert [s["Id"] for s in result["Successful"]] == ["a"]
    assert result["Failed"][0]["Code"] == "AWS.SimpleQueueService.MessageNotInflight"


def test_delays(aws, endpoint):
    sqs = aws("sqs")
    url = queue(sqs, DelaySeconds=10)
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    assert counts(sqs, url) == (1, 0, 1)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["no delay"]
    advance_clock(endpoint, 11)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["queue delay"]
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901).code == "InvalidParameterValue"


def test_long_poll_answers_when_a_message_arrives(aws):
    sqs = aws("sqs")
    url = queue(sqs)
    got = {}

    def receive():
        started = time.monotonic()
        got["messages"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
        got["took"] = time.monotonic() - started

    waiter = threading.Thread(target=receive)
    waiter.start()
    time.sleep(0.5)
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    waiter.join(15)
    assert [m["Body"] for m in got["messages"]] == ["wake up"]
    assert got["took"] < 5
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert time.monotonic() - started >= 0.9


def test_message_attributes_and_md5(aws):
    sqs = aws("sqs")
    url = queue(sqs)
    # the digest AWS documents for these attributes, as the Java and .NET SDKs check it
    attributes = {"a": {"DataType": "String", "StringValue": "x"},
                  "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
                  "n": {"DataType": "Number.int", "StringValue": "7"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="attrs", MessageAttributes=attributes,
                            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String",
                                                                        "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    expected = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        for field in (name.encode(), value["DataType"].encode()):
            expected.update(len(field).to_bytes(4, "big") + field)
        data = value.get("BinaryValue") or value["StringValue"].encode()
        expected.update((b"\x02" if "BinaryValue" in value else b"\x01") + len(data).to_bytes(4, "big") + data)
    assert sent["MD5OfMessageAttributes"] == expected.hexdigest()
    assert "MD5OfMessageSystemAttributes" in sent
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["AWSTraceHeader"])
    message = got["Messages"][0]
    assert message["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01"
    assert message["MD5OfMessageAttributes"] == expected.hexdigest()
    assert message["Attributes"] == {"AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"}
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes={
        "s": {"DataType": "String", "StringValue": ""}}).code == "InvalidParameterValue"


def test_batches_and_limits(aws):
    sqs = aws("sqs")
    url = queue(sqs, MaximumMessageSize=1024)
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "fine"}, {"Id": "big", "MessageBody": "x" * 1000 + "\x01"}])
    assert [s["Id"] for s in result["Successful"]] == ["ok"]
    assert result["Failed"][0]["Code"] == "InvalidMessageContents"
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="y" * 1025).code == "InvalidParameterValue"
    too_long = [{"Id": f"e{i}", "MessageBody": "z" * 120_000} for i in range(9)]
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=too_long).code == \
        "AWS.SimpleQueueService.BatchRequestTooLong"
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=[]).code in (
        "AWS.SimpleQueueService.EmptyBatchRequest", "MissingParameter")
    eleven = [{"Id": f"e{i}", "MessageBody": "m"} for i in range(11)]
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=eleven).code == \
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    twice = [{"Id": "same", "MessageBody": "m"}] * 2
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=twice).code == \
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "bad id", "MessageBody": "m"}]).code == \
        "AWS.SimpleQueueService.InvalidBatchEntryId"
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)])
    assert len(deleted["Successful"]) == 1
    assert error_of(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11).code == "InvalidParameterValue"


def test_retention_and_purge(aws, endpoint):
    sqs = aws("sqs")
    url = queue(sqs, MessageRetentionPeriod=60)
    sqs.send_message(QueueUrl=url, MessageBody="old")
    advance_clock(endpoint, 61)
    assert counts(sqs, url) == (0, 0, 0)
    sqs.send_message(QueueUrl=url, MessageBody="purged")
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)
    assert error_of(sqs.purge_queue, QueueUrl=url) == ("AWS.SimpleQueueService.PurgeQueueInProgress", 403)


def test_waiting_receivers_hold_no_worker_thread(client):
    """More long polls than the gateway has request workers (32): other calls are still answered at once, and
    each poll gets its message as soon as it is sent."""
    sqs = client("sqs", max_pool_connections=64, read_timeout=30)
    url = queue(sqs)
    results = []

    def receive():
        results.append(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=8).get("Messages", []))

    waiters = [threading.Thread(target=receive) for _ in range(40)]
    for waiter in waiters:
        waiter.start()
    time.sleep(1)
    started = time.monotonic()
    client("sts").get_caller_identity()
    sqs.list_queues(QueueNamePrefix="nothing-")
    assert time.monotonic() - started < 3
    sent_at = time.monotonic()
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(map(len, results)) < 10:
        time.sleep(0.05)
    assert sum(map(len, results)) == 10
    assert time.monotonic() - sent_at < 5
    for waiter in waiters:
        waiter.join(20)
