"""SQS FIFO queues, dead-letter queues and message move tasks through boto3."""
import json

from tests.support import advance_clock, error_of, unique


def fifo(sqs, **attributes):
    return sqs.create_queue(QueueName=unique("f") + ".fifo", Attributes={
        "FifoQueue": "true", **{k: str(v) for k, v in attributes.items()}})["QueueUrl"]


def bodies(result):
    return [m["Body"] for m in result.get("Messages", [])]


def test_deduplication_by_id_and_content(aws, endpoint):
    sqs = aws("sqs")
    url = fifo(sqs)
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g").code == \
        "InvalidParameterValue"
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d").code == \
        "MissingParameter"
    first = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d1")
    again = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d1")
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    advance_clock(endpoint, 301)
    later = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d1")
    assert later["MessageId"] != first["MessageId"]
    assert int(later["SequenceNumber"]) > int(first["SequenceNumber"])
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["a", "a"]

    content = fifo(sqs, ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=content, MessageBody="same", MessageGroupId="g")
    sqs.send_message(QueueUrl=content, MessageBody="same", MessageGroupId="h")
    sqs.send_message(QueueUrl=content, MessageBody="other", MessageGroupId="g")
    assert bodies(sqs.receive_message(QueueUrl=content, MaxNumberOfMessages=10)) == ["same", "other"]
    by_group = fifo(sqs, ContentBasedDeduplication="true", DeduplicationScope="messageGroup",
                    FifoThroughputLimit="perMessageGroupId")
    sqs.send_message(QueueUrl=by_group, MessageBody="same", MessageGroupId="g")
    sqs.send_message(QueueUrl=by_group, MessageBody="same", MessageGroupId="h")
    assert len(bodies(sqs.receive_message(QueueUrl=by_group, MaxNumberOfMessages=10))) == 2


def test_groups_in_order_and_locked_while_in_flight(aws):
    sqs = aws("sqs")
    url = fifo(sqs, ContentBasedDeduplication="true")
    for body, group in [("g1", "a"), ("g2", "a"), ("h1", "b"), ("g3", "a")]:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"])
    assert bodies(first) == ["g1"]
    assert first["Messages"][0]["Attributes"]["MessageGroupId"] == "a"
    # group a is locked while g1 is in flight; b is not
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["h1"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["Messages"][0]["ReceiptHandle"])
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["g2", "g3"]


def test_receive_request_attempt_id(aws):
    sqs = aws("sqs")
    url = fifo(sqs, ContentBasedDeduplication="true")
    for body in ("one", "two"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body)
    first = sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try-1")
    retried = sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try-1")
    assert first["Messages"] == retried["Messages"]
    assert bodies(sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try-2")) == ["two"]


def test_dead_letter_queue_and_move_task(aws, endpoint):
    sqs = aws("sqs")
    dead = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = sqs.create_queue(QueueName=unique("src"), Attributes={
        "VisibilityTimeout": "1", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn,
                                                               "maxReceiveCount": "2"})})["QueueUrl"]
    source_arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dead)["queueUrls"] == [source]
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison")
    for _ in range(2):
        assert bodies(sqs.receive_message(QueueUrl=source)) == ["poison"]
        advance_clock(endpoint, 2)
    assert bodies(sqs.receive_message(QueueUrl=source)) == []
    moved = sqs.receive_message(QueueUrl=dead, MessageSystemAttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == source_arn

    assert error_of(sqs.start_message_move_task, SourceArn=source_arn).code == "InvalidParameterValue"
    task = sqs.start_message_move_task(SourceArn=dead_arn, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    assert error_of(sqs.start_message_move_task, SourceArn=dead_arn).code == "AWS.SimpleQueueService.UnsupportedOperation"
    advance_clock(endpoint, 2)
    listed = sqs.list_message_move_tasks(SourceArn=dead_arn)["Results"][0]
    assert listed["Status"] == "COMPLETED" and listed["ApproximateNumberOfMessagesMoved"] == 1
    assert bodies(sqs.receive_message(QueueUrl=source)) == ["poison"]
    assert error_of(sqs.cancel_message_move_task, TaskHandle=task).code == "AWS.SimpleQueueService.UnsupportedOperation"
    assert error_of(sqs.cancel_message_move_task, TaskHandle="nonsense").code == "ResourceNotFoundException"


def test_redrive_allow_policy(aws):
    sqs = aws("sqs")
    dead = sqs.create_queue(QueueName=unique("closed"), Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    error = error_of(sqs.create_queue, QueueName=unique("src"), Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 1})})
    assert error.code == "InvalidParameterValue"
