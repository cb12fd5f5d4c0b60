"""SQS through the AWS CLI, and between accounts: the queue policy decides who else may use a queue."""
import json

from tests.support import account_key, aws_cli, aws_cli_error, error_of, make_client, unique


def test_aws_cli(endpoint):
    name = unique("cli")
    url = aws_cli(endpoint, "sqs", "create-queue", "--queue-name", name,
                  "--attributes", "VisibilityTimeout=45,DelaySeconds=0")["QueueUrl"]
    assert aws_cli(endpoint, "sqs", "get-queue-url", "--queue-name", name)["QueueUrl"] == url
    sent = aws_cli(endpoint, "sqs", "send-message", "--queue-url", url, "--message-body", "from the cli",
                   "--message-attributes", '{"k": {"DataType": "String", "StringValue": "v"}}')
    assert len(sent["MD5OfMessageBody"]) == 32
    got = aws_cli(endpoint, "sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All",
                  "--attribute-names", "ApproximateReceiveCount", "--wait-time-seconds", "1")["Messages"][0]
    assert got["Body"] == "from the cli" and got["MessageAttributes"]["k"]["StringValue"] == "v"
    assert got["Attributes"] == {"ApproximateReceiveCount": "1"}
    aws_cli(endpoint, "sqs", "delete-message", "--queue-url", url, "--receipt-handle", got["ReceiptHandle"])
    attributes = aws_cli(endpoint, "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
    assert attributes["Attributes"]["VisibilityTimeout"] == "45"
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    batch = aws_cli(endpoint, "sqs", "send-message-batch", "--queue-url", url, "--entries",
                    json.dumps([{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"}]))
    assert sorted(s["Id"] for s in batch["Successful"]) == ["a", "b"]
    aws_cli(endpoint, "sqs", "purge-queue", "--queue-url", url)
    aws_cli(endpoint, "sqs", "delete-queue", "--queue-url", url)
    assert "NonExistentQueue" in aws_cli_error(endpoint, "sqs", "get-queue-url", "--queue-name", name)


def test_other_accounts_need_the_queue_policy(endpoint, aws, account):
    owner = aws("sqs")
    url = owner.create_queue(QueueName=unique("shared"))["QueueUrl"]
    other_account = account_key()
    other = make_client(endpoint, "sqs", key=other_account)
    assert error_of(other.send_message, QueueUrl=url, MessageBody="x") == ("AccessDenied", 403)
    assert error_of(other.get_queue_url, QueueName=url.rsplit("/", 1)[-1], QueueOwnerAWSAccountId=account).code == \
        "AccessDenied"
    owner.add_permission(QueueUrl=url, Label="partner", AWSAccountIds=[other_account],
                         Actions=["SendMessage", "GetQueueUrl"])
    assert other.get_queue_url(QueueName=url.rsplit("/", 1)[-1], QueueOwnerAWSAccountId=account)["QueueUrl"] == url
    other.send_message(QueueUrl=url, MessageBody="from a partner")
    assert error_of(other.receive_message, QueueUrl=url) == ("AccessDenied", 403)
    got = owner.receive_message(QueueUrl=url, MessageSystemAttributeNames=["SenderId"])["Messages"][0]
    assert got["Body"] == "from a partner" and got["Attributes"]["SenderId"]
