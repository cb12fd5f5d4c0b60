"""SQS across kill -9: an acknowledged message is kept, an in-flight one comes back when its timeout passes."""
import os
import signal

from nimbus.server import free_port
from tests.support import advance_clock, make_client, serve_subprocess


def test_messages_survive_kill_9(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data = str(tmp_path / "data")
    process = serve_subprocess(data, port)
    try:
        sqs = make_client(endpoint, "sqs")
        url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        fifo = sqs.create_queue(QueueName="durable.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="in flight")
        sqs.send_message(QueueUrl=url, MessageBody="waiting")
        sent = sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g", MessageDeduplicationId="d")
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["in flight"]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    process = serve_subprocess(data, port)
    try:
        sqs = make_client(endpoint, "sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == \
            ("1", "1")
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["waiting"]
        advance_clock(endpoint, 31)
        again = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["ApproximateReceiveCount"])
        assert [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in again["Messages"]] == [
            ("in flight", "2")]
        # the deduplication window and the sequence survive too
        duplicate = sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g", MessageDeduplicationId="d")
        assert duplicate["MessageId"] == sent["MessageId"]
        later = sqs.send_message(QueueUrl=fifo, MessageBody="f2", MessageGroupId="g", MessageDeduplicationId="e")
        assert int(later["SequenceNumber"]) > int(sent["SequenceNumber"])
    finally:
        process.terminate()
        process.wait(timeout=10)
