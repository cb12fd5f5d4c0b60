"""SQS queues through boto3: create/find/list/delete, attributes, tags, permissions, AWS's errors."""
import json

from tests.support import advance_clock, error_of, unique

NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"


def test_create_get_list_delete(aws, endpoint, account):
    sqs = aws("sqs")
    prefix = unique("q")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(3)]
    assert urls[0] == f"{endpoint}/{account}/{prefix}-0"
    assert sqs.get_queue_url(QueueName=f"{prefix}-1")["QueueUrl"] == urls[1]
    assert sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"] == urls
    page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert page["QueueUrls"] == urls[:2]
    assert sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=page["NextToken"])["QueueUrls"] == urls[2:]
    # the same name and attributes: the same queue; other attributes: QueueAlreadyExists
    assert sqs.create_queue(QueueName=f"{prefix}-0")["QueueUrl"] == urls[0]
    error = error_of(sqs.create_queue, QueueName=f"{prefix}-0", Attributes={"VisibilityTimeout": "5"})
    assert error == ("QueueAlreadyExists", 400)
    sqs.delete_queue(QueueUrl=urls[0])
    error = error_of(sqs.get_queue_url, QueueName=f"{prefix}-0")
    assert error == (NO_QUEUE, 400)
    try:
        sqs.get_queue_url(QueueName=f"{prefix}-0")
    except sqs.exceptions.QueueDoesNotExist:
        pass
    assert error_of(sqs.create_queue, QueueName=f"{prefix}-0") == ("AWS.SimpleQueueService.QueueDeletedRecently", 400)
    advance_clock(endpoint, 61)
    sqs.create_queue(QueueName=f"{prefix}-0")


def test_attributes(aws):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=unique("attrs"), Attributes={"DelaySeconds": "5"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["DelaySeconds"] == "5"
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MaximumMessageSize"] == "1048576"
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["QueueArn"].startswith("arn:aws:sqs:us-east-1:")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "60"}
    assert error_of(sqs.set_queue_attributes, QueueUrl=url, Attributes={"VisibilityTimeout": "50000"}).code == \
        "InvalidAttributeValue"
    assert error_of(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["FifoQueue"]).code == \
        "InvalidAttributeName"
    assert error_of(sqs.create_queue, QueueName="bad name!").code == "InvalidParameterValue"
    assert error_of(sqs.create_queue, QueueName=unique("f"), Attributes={"FifoQueue": "true"}).code == \
        "InvalidParameterValue"


def test_tags_and_permissions(aws, account):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=unique("tags"), tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.add_permission(QueueUrl=url, Label="share", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root"]}
    assert error_of(sqs.add_permission, QueueUrl=url, Label="share", AWSAccountIds=[account],
                    Actions=["SendMessage"]).code == "InvalidParameterValue"
    sqs.remove_permission(QueueUrl=url, Label="share")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_sse_kms_seals_bodies_with_reused_data_keys(aws, endpoint, server, account):
    sqs, kms = aws("sqs"), aws("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    url = sqs.create_queue(QueueName=unique("sealed"), Attributes={
        "KmsMasterKeyId": key, "KmsDataKeyReusePeriodSeconds": "60"})["QueueUrl"]
    for body in ("secret one", "secret two"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    stored = [m for m in server.runtime.store.scan(("sqs", account, "us-east-1", "messages", url.rsplit("/", 1)[-1]))]
    assert all("secret" not in json.dumps(doc) for _, doc in stored)
    assert len({doc["SealedWith"] for _, doc in stored}) == 1  # one data key within the reuse period
    advance_clock(endpoint, 61)
    sqs.send_message(QueueUrl=url, MessageBody="secret three")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["secret one", "secret three", "secret two"]
    kms.disable_key(KeyId=key)
    advance_clock(endpoint, 61)
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x").code == "KMS.DisabledException"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["SqsManagedSseEnabled"] == "false"  # one kind of encryption at a time
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "true"})
    assert "KmsMasterKeyId" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    managed = sqs.create_queue(QueueName=unique("managed"), Attributes={"KmsMasterKeyId": "alias/aws/sqs"})["QueueUrl"]
    sqs.send_message(QueueUrl=managed, MessageBody="by the AWS managed key")
    assert sqs.receive_message(QueueUrl=managed)["Messages"][0]["Body"] == "by the AWS managed key"
