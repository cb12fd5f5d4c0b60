"""Who writes to queues: SNS subscriptions of protocol sqs (fan-out, filter policies, raw delivery, FIFO)
and S3 event notifications; each needs the queue policy to grant its service, as in AWS."""
import json
import time

from tests.support import error_of, unique


def queue_with_policy(sqs, service: str, source_arn: str, name: str | None = None, **attributes):
    url = sqs.create_queue(QueueName=name or unique("w"), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}}]})})
    return url, arn


def wait_for(sqs, url, count=1, seconds=10.0, **options):
    """Messages delivered off the request path: long-poll until ``count`` arrived."""
    found, deadline = [], time.monotonic() + seconds
    while len(found) < count and time.monotonic() < deadline:
        found += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **options).get(
            "Messages", [])
    return found


def test_sns_fan_out_with_filter_policies(aws):
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name=unique("fan"))["TopicArn"]
    orders, _ = queue_with_policy(sqs, "sns.amazonaws.com", topic)
    refunds, _ = queue_with_policy(sqs, "sns.amazonaws.com", topic)
    big, _ = queue_with_policy(sqs, "sns.amazonaws.com", topic)
    closed = sqs.create_queue(QueueName=unique("closed"))["QueueUrl"]  # no policy: SNS may not send
    for url, attributes in [
        (orders, {"FilterPolicy": json.dumps({"kind": ["order"]}), "RawMessageDelivery": "true"}),
        (refunds, {"FilterPolicy": json.dumps({"kind": ["refund"]})}),
        (big, {"FilterPolicy": json.dumps({"amount": [{"numeric": [">", 100]}]}),
               "FilterPolicyScope": "MessageBody"}),
        (closed, {}),
    ]:
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    sns.publish(TopicArn=topic, Message=json.dumps({"amount": 5}),
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    sns.publish(TopicArn=topic, Message=json.dumps({"amount": 500}),
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}})

    raw = wait_for(sqs, orders, MessageAttributeNames=["All"])
    assert [m["Body"] for m in raw] == [json.dumps({"amount": 5})]
    assert raw[0]["MessageAttributes"]["kind"]["StringValue"] == "order"
    wrapped = wait_for(sqs, refunds)
    notification = json.loads(wrapped[0]["Body"])
    assert notification["Type"] == "Notification" and notification["TopicArn"] == topic
    assert notification["MessageAttributes"]["kind"] == {"Type": "String", "Value": "refund"}
    assert [json.loads(json.loads(m["Body"])["Message"]) for m in wait_for(sqs, big)] == [{"amount": 500}]
    assert "Messages" not in sqs.receive_message(QueueUrl=closed, WaitTimeSeconds=1)


def test_fifo_topic_to_fifo_queue(aws):
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name=unique("ordered") + ".fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    url, arn = queue_with_policy(sqs, "sns.amazonaws.com", topic, name=unique("ordered") + ".fifo",
                                 FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    for body in ("first", "second", "third"):
        sns.publish(TopicArn=topic, Message=body, MessageGroupId="g")
    got, deadline = [], time.monotonic() + 10
    while len(got) < 3 and time.monotonic() < deadline:  # a group is locked while a message is in flight
        for message in wait_for(sqs, url, MessageSystemAttributeNames=["MessageGroupId"]):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert [m["Body"] for m in got] == ["first", "second", "third"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g"

def test_s3_events_to_sqs(aws):
    s3, sqs = aws("s3"), aws("sqs")
    bucket = unique("events")
    s3.create_bucket(Bucket=bucket)
    url, arn = queue_with_policy(sqs, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    closed = sqs.create_queue(QueueName=unique("closed"))["QueueUrl"]
    closed_arn = sqs.get_queue_attributes(QueueUrl=closed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    error = error_of(s3.put_bucket_notification_configuration, Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": closed_arn, "Events": ["s3:ObjectCreated:*"]}]})
    assert error.code == "InvalidArgument"
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
        "Id": "uploads", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})
    test_event = json.loads(wait_for(sqs, url)[0]["Body"])
    assert test_event["Event"] == "s3:TestEvent" and test_event["Bucket"] == bucket
    s3.put_object(Bucket=bucket, Key="in/data.csv", Body=b"a,b")
    s3.put_object(Bucket=bucket, Key="out/skipped.csv", Body=b"a,b")
    records = [json.loads(m["Body"])["Records"][0] for m in wait_for(sqs, url)]
    assert [(r["eventName"], r["s3"]["object"]["key"], r["s3"]["configurationId"]) for r in records] == [
        ("ObjectCreated:Put", "in/data.csv", "uploads")]


def test_sqs_delivery_status_logged(aws, account):
    sns, sqs, logs = aws("sns"), aws("sqs"), aws("logs")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = aws("iam").create_role(RoleName=unique("sqs-feedback"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    name = unique("status")
    topic = sns.create_topic(Name=name, Attributes={
        "SQSSuccessFeedbackRoleArn": role, "SQSSuccessFeedbackSampleRate": "100",
        "SQSFailureFeedbackRoleArn": role})["TopicArn"]
    _, arn = queue_with_policy(sqs, "sns.amazonaws.com", topic)
    closed = sqs.create_queue(QueueName=unique("closed"))["QueueUrl"]
    closed_arn = sqs.get_queue_attributes(QueueUrl=closed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for endpoint in (arn, closed_arn):
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint)
    message_id = sns.publish(TopicArn=topic, Message="logged")["MessageId"]

    def events(group):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                found = logs.filter_log_events(logGroupName=group)["events"]
            except logs.exceptions.ResourceNotFoundException:
                found = []
            if found:
                return [json.loads(e["message"]) for e in found]
            time.sleep(0.05)
        return []

    [success] = events(f"sns/us-east-1/{account}/{name}")
    assert success["status"] == "SUCCESS" and success["notification"]["messageId"] == message_id
    assert success["delivery"]["destination"] == arn
    assert "sqsMessageId" in json.loads(success["delivery"]["providerResponse"])
    [failure] = events(f"sns/us-east-1/{account}/{name}/Failure")
    assert failure["status"] == "FAILURE" and failure["delivery"]["destination"] == closed_arn
