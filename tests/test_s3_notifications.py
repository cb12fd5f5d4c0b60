"""S3 event notifications reach SNS topics whose policy lets S3 publish for the bucket."""
from __future__ import annotations

import json

from tests.support import error_of, recorded, unique


def _topic_for_bucket(sns, bucket: str) -> str:
    topic = sns.create_topic(Name=unique("s3-events"))["TopicArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish",
        "Resource": topic, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    return topic


def test_object_events_are_published_to_the_topic(client, endpoint):
    s3, sns = client("s3"), client("sns")
    bucket = unique("notified")
    s3.create_bucket(Bucket=bucket)
    topic = _topic_for_bucket(sns, bucket)
    queue = f"arn:aws:sqs:us-east-1:000000000000:{unique('q')}"
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"TopicConfigurations": [
        {"Id": "uploads", "TopicArn": topic, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})

    s3.put_object(Bucket=bucket, Key="out/ignored.txt", Body=b"x")  # outside the filter
    s3.put_object(Bucket=bucket, Key="in/a b.txt", Body=b"hello")
    s3.delete_object(Bucket=bucket, Key="in/a b.txt")
    messages = [json.loads(json.loads(m["Body"])["Message"]) for m in recorded(endpoint, queue, count=3)]
    events = [m for m in messages if "Records" in m]
    assert [m["Event"] for m in messages if "Event" in m] == ["s3:TestEvent"]
    assert [e["Records"][0]["eventName"] for e in events] == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    created = events[0]["Records"][0]
    assert created["s3"]["bucket"]["name"] == bucket and created["s3"]["configurationId"] == "uploads"
    assert created["s3"]["object"]["key"] == "in/a+b.txt" and created["s3"]["object"]["size"] == 5
    assert created["eventSource"] == "aws:s3" and created["awsRegion"] == "us-east-1"


def test_a_topic_s3_may_not_publish_to_is_refused(client):
    s3, sns = client("s3"), client("sns")
    bucket = unique("refused")
    s3.create_bucket(Bucket=bucket)
    topic = sns.create_topic(Name=unique("closed"))["TopicArn"]  # the default policy does not grant S3
    code, status = error_of(s3.put_bucket_notification_configuration, Bucket=bucket, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    assert (code, status) == ("InvalidArgument", 400)
    assert "TopicConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
