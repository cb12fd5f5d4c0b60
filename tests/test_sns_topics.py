"""SNS topics, attributes, tags, paging, publish validation, FIFO, and topic policies."""
from __future__ import annotations

import json

import pytest
import requests

from nimbus.core.context import CallSource
from nimbus.protocol.errors import ServiceError
from tests.support import error_of, recorded, unique


def test_topic_attributes_default_policy_and_idempotent_create(client):
    sns = client("sns")
    name = unique("topic")
    arn = sns.create_topic(Name=name, Attributes={"DisplayName": "Shown"})["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:000000000000:{name}"
    assert sns.create_topic(Name=name, Attributes={"DisplayName": "Shown"})["TopicArn"] == arn
    assert error_of(sns.create_topic, Name=name, Attributes={"DisplayName": "Other"}) == ("InvalidParameter", 400)
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    policy = json.loads(attributes["Policy"])
    assert policy["Id"] == "__default_policy_ID"
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": "000000000000"}}
    assert "SNS:Publish" in policy["Statement"][0]["Action"]
    assert attributes["DisplayName"] == "Shown" and attributes["Owner"] == "000000000000"
    assert attributes["SubscriptionsConfirmed"] == "0"

    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
        {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}}))
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["KmsMasterKeyId"] == "alias/aws/sns"
    assert json.loads(attributes["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 5
    for bad in ({"numRetries": 101}, {"minDelayTarget": 30, "maxDelayTarget": 10}, {"backoffFunction": "cubic"},
                {"numRetries": 1, "numNoDelayRetries": 2}):
        assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"http": {"defaultHealthyRetryPolicy": bad}})) == ("InvalidParameter", 400)
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Bogus", AttributeValue="x") == \
        ("InvalidParameter", 400)
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Policy", AttributeValue="{not json") == \
        ("InvalidParameter", 400)
    assert error_of(sns.get_topic_attributes, TopicArn=arn + "-missing") == ("NotFound", 404)
    assert error_of(sns.create_topic, Name="bad name!") == ("InvalidParameter", 400)
    sns.delete_topic(TopicArn=arn)
    assert error_of(sns.get_topic_attributes, TopicArn=arn) == ("NotFound", 404)


def test_tags(client):
    sns = client("sns")
    arn = sns.create_topic(Name=unique("tagged"), Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "a", "env": "dev"}
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert error_of(sns.list_tags_for_resource, ResourceArn=arn + "-gone") == ("ResourceNotFound", 404)


def test_list_topics_pages_by_100(client):
    sns = client("sns", key="333333333333", secret="x")
    names = sorted(unique("page") for _ in range(103))
    for name in names:
        sns.create_topic(Name=name)
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and first["NextToken"]
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    listed = [t["TopicArn"].rsplit(":", 1)[1] for t in first["Topics"] + second["Topics"]]
    assert listed == names
    assert error_of(sns.list_topics, NextToken="!!not-a-token") == ("InvalidParameter", 400)


def test_publish_validation(client):
    sns = client("sns")
    arn = sns.create_topic(Name=unique("validate"))["TopicArn"]
    assert error_of(sns.publish, TopicArn=arn, Message="") == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x" * 262145) == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x", Subject="line\nbreak") == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="{}", MessageStructure="json") == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x", MessageAttributes={
        "n": {"DataType": "Number", "StringValue": "abc"}}) == ("ParameterValueInvalid", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x", MessageAttributes={
        "n": {"DataType": "Float", "StringValue": "1"}}) == ("ParameterValueInvalid", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x", MessageAttributes={
        "a": {"DataType": "String.Array", "StringValue": "not-an-array"}}) == ("ParameterValueInvalid", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x", MessageDeduplicationId="d") == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=arn.replace(":validate", ":absent"), Message="x") == ("NotFound", 404)
    assert sns.publish(TopicArn=arn, Message="ok", MessageAttributes={
        "n": {"DataType": "Number", "StringValue": "12.5"}})["MessageId"]


def test_publish_batch_rules(client):
    sns = client("sns")
    arn = sns.create_topic(Name=unique("batch"))["TopicArn"]
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[]) == ("EmptyBatchRequest", 400)
    many = [{"Id": f"m{i}", "Message": "x"} for i in range(11)]
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=many) == \
        ("TooManyEntriesInBatchRequest", 400)
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}]) == ("BatchEntryIdsNotDistinct", 400)
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "bad id!", "Message": "x"}]) == ("InvalidBatchEntryId", 400)
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "x" * 200000}, {"Id": "b", "Message": "y" * 100000}]) == ("BatchRequestTooLong", 400)
    attributes = {"big": {"DataType": "String", "StringValue": "v" * 150000}}
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "x" * 120000, "MessageAttributes": attributes},
        {"Id": "b", "Message": "y"}]) == ("BatchRequestTooLong", 400)  # attributes count toward the size
    result = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "good", "Message": "fine"}, {"Id": "empty", "Message": ""}])
    assert [s["Id"] for s in result["Successful"]] == ["good"]
    assert result["Failed"] == [{"Id": "empty", "Code": "InvalidParameter", "Message": "Invalid parameter: Empty message",
                                 "SenderFault": True}]


def test_fifo_topics_and_deduplication(client, endpoint):
    sns = client("sns")
    assert error_of(sns.create_topic, Name=unique("nofifo") + ".fifo") == ("InvalidParameter", 400)
    assert error_of(sns.create_topic, Name=unique("plain"), Attributes={"FifoTopic": "true"}) == \
        ("InvalidParameter", 400)
    arn = sns.create_topic(Name=unique("fifo") + ".fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["ContentBasedDeduplication"] == "false"
    assert error_of(sns.publish, TopicArn=arn, Message="x", MessageDeduplicationId="d") == ("InvalidParameter", 400)
    assert error_of(sns.publish, TopicArn=arn, Message="x", MessageGroupId="g") == ("InvalidParameter", 400)
    batch = error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"}, {"Id": "b", "Message": "y"}])
    assert batch == ("InvalidParameter", 400)
    assert batch.message == "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/x") == \
        ("InvalidParameter", 400)
    queue = "arn:aws:sqs:us-east-1:000000000000:" + unique("q") + ".fifo"
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)

    first = sns.publish(TopicArn=arn, Message="one", MessageGroupId="g", MessageDeduplicationId="d1")
    again = sns.publish(TopicArn=arn, Message="one again", MessageGroupId="g", MessageDeduplicationId="d1")
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    second = sns.publish(TopicArn=arn, Message="two", MessageGroupId="g", MessageDeduplicationId="d2")
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    # After the five-minute window the same id is a new message.
    requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": 301})
    third = sns.publish(TopicArn=arn, Message="one", MessageGroupId="g", MessageDeduplicationId="d1")
    assert third["MessageId"] != first["MessageId"]
    messages = [json.loads(m["Body"])["Message"] for m in recorded(endpoint, queue, count=3)]
    assert messages == ["one", "two", "one"]

    sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication", AttributeValue="true")
    a = sns.publish(TopicArn=arn, Message="same body", MessageGroupId="g")
    b = sns.publish(TopicArn=arn, Message="same body", MessageGroupId="other")
    assert a["MessageId"] == b["MessageId"]


def test_cross_account_publish_follows_the_topic_policy(client):
    owner = client("sns", key="444444444444", secret="x")
    other = client("sns", key="555555555555", secret="x")
    arn = owner.create_topic(Name=unique("shared"))["TopicArn"]
    assert error_of(other.publish, TopicArn=arn, Message="x") == ("AuthorizationError", 403)
    owner.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
                       "Action": "sns:Publish", "Resource": arn}]}))
    assert other.publish(TopicArn=arn, Message="x")["MessageId"]
    assert error_of(other.get_topic_attributes, TopicArn=arn) == ("AuthorizationError", 403)
    # AddPermission / RemovePermission edit the same policy by label.
    owner.add_permission(TopicArn=arn, Label="reader", AWSAccountId=["555555555555"],
                         ActionName=["GetTopicAttributes"])
    assert other.get_topic_attributes(TopicArn=arn)["Attributes"]["TopicArn"] == arn
    assert error_of(owner.add_permission, TopicArn=arn, Label="reader", AWSAccountId=["555555555555"],
                    ActionName=["Publish"]) == ("InvalidParameter", 400)
    owner.remove_permission(TopicArn=arn, Label="reader")
    assert error_of(other.get_topic_attributes, TopicArn=arn) == ("AuthorizationError", 403)


def test_services_publish_through_the_internal_client(client, server):
    sns = client("sns")
    arn = sns.create_topic(Name=unique("events"))["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:000000000000:" + unique("events-q")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)
    bucket_arn = "arn:aws:s3:::" + unique("bucket")

    def publish_as_s3(source_arn: str):
        return server.runtime.client.call(
            "sns", "Publish", {"TopicArn": arn, "Message": json.dumps({"Records": []}), "Subject": "Amazon S3 Notification"},
            account_id="000000000000", region="us-east-1", invoked_by="s3.amazonaws.com",
            source=CallSource(source_arn, "000000000000"))

    # The default policy lets the owner's account publish, not a service.
    with pytest.raises(ServiceError) as denied:
        publish_as_s3(bucket_arn)
    assert denied.value.code == "AuthorizationError"
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish",
                       "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": bucket_arn},
                                                      "StringEquals": {"aws:SourceAccount": "000000000000"}}}]}))
    assert publish_as_s3(bucket_arn)["MessageId"]
    with pytest.raises(ServiceError):
        publish_as_s3("arn:aws:s3:::someone-elses-bucket")
    delivered = recorded(server.endpoint, queue)
    assert json.loads(delivered[0]["Body"])["Subject"] == "Amazon S3 Notification"
