"""The delivery channel's outputs: snapshots and configuration history files in S3 at AWS's key layout,
gzipped, on the virtual clock; SNS notifications of AWS's message types received by an HTTP subscriber;
a DAILY recorder recording once a day."""
from __future__ import annotations

import json
import re

import requests

from tests.support import advance_clock, body, config_history, delivered, error_of, start_recording, unique


def _subscribe(sns, topic: str, receiver) -> None:
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    confirmation = body(receiver.wait_for(1, "SubscriptionConfirmation")[-1])
    assert requests.get(confirmation["SubscribeURL"], timeout=5).status_code == 200


def _messages(receiver, message_type: str, count: int = 1, about: str | None = None) -> list[dict]:
    """Config's messages of one type (about one resource) among the notifications the subscriber received,
    waiting for ``count`` of them."""
    def of_type() -> list[dict]:
        found = [json.loads(body(n)["Message"]) for n in receiver.of_type("Notification")]
        return [m for m in found if m.get("messageType") == message_type
                and (about is None or m["configurationItem"]["resourceId"] == about)]
    for _ in range(500):
        if len(of_type()) >= count:
            break
        receiver.wait_for(len(receiver.of_type("Notification")) + 1, "Notification")
    return of_type()


def test_snapshots_history_files_and_notifications(endpoint, aws, account, receiver):
    sns, s3, config = aws("sns"), aws("s3"), aws("config")
    topic = sns.create_topic(Name=unique("config-topic"))["TopicArn"]
    _subscribe(sns, topic, receiver)
    bucket = start_recording(aws, snsTopicARN=topic, s3KeyPrefix="audit")
    watched = unique("watched")
    s3.create_bucket(Bucket=watched)
    assert len(config_history(config, "AWS::S3::Bucket", watched)) == 1
    s3.put_bucket_tagging(Bucket=watched, Tagging={"TagSet": [{"Key": "env", "Value": "prod"}]})
    [created, tagged] = _messages(receiver, "ConfigurationItemChangeNotification", 2, about=watched)
    assert created["configurationItemDiff"]["changeType"] == "CREATE"
    assert tagged["configurationItemDiff"]["changeType"] == "UPDATE"
    item = tagged["configurationItem"]
    assert item["configurationItemVersion"] == "1.3" and item["ARN"] == f"arn:aws:s3:::{watched}"
    assert item["awsAccountId"] == account and item["tags"] == {"env": "prod"}
    assert item["supplementaryConfiguration"]["BucketTaggingConfiguration"] == {"tagSets": [{"tags": {"env": "prod"}}]}

    snapshot_id = config.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    [snapshot_key] = [k for k in keys if "ConfigSnapshot" in k]
    assert re.fullmatch(rf"audit/AWSLogs/{account}/Config/us-east-1/\d{{4}}/\d{{1,2}}/\d{{1,2}}/ConfigSnapshot/"
                        rf"{account}_Config_us-east-1_ConfigSnapshot_\d{{8}}T\d{{6}}Z_{snapshot_id}\.json\.gz", snapshot_key)
    snapshot = delivered(s3, bucket, snapshot_key)
    assert snapshot["fileVersion"] == "1.0" and snapshot["configSnapshotId"] == snapshot_id
    assert watched in {i["resourceId"] for i in snapshot["configurationItems"]}
    [completed] = _messages(receiver, "ConfigurationSnapshotDeliveryCompleted")
    assert completed["s3ObjectKey"] == snapshot_key and completed["s3Bucket"] == bucket
    status = config.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]
    assert status["configSnapshotDeliveryInfo"]["lastStatus"] == "SUCCESS"
    assert status["configStreamDeliveryInfo"]["lastStatus"] == "SUCCESS"

    advance_clock(endpoint, 6 * 3600 + 60)  # history files are delivered every six hours
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    history_keys = [k for k in keys if "/ConfigHistory/" in k]
    [bucket_history] = [k for k in history_keys if "_ConfigHistory_AWS::S3::Bucket_" in k]
    assert re.fullmatch(rf"audit/AWSLogs/{account}/Config/us-east-1/\d{{4}}/\d{{1,2}}/\d{{1,2}}/ConfigHistory/"
                        rf"{account}_Config_us-east-1_ConfigHistory_AWS::S3::Bucket_\d{{8}}T\d{{6}}Z_"
                        rf"\d{{8}}T\d{{6}}Z_\d+\.json\.gz", bucket_history)
    items = delivered(s3, bucket, bucket_history)["configurationItems"]
    assert [i["configurationItemStatus"] for i in items if i["resourceId"] == watched] == ["ResourceDiscovered", "OK"]
    assert _messages(receiver, "ConfigurationHistoryDeliveryCompleted")
    history_status = config.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]["configHistoryDeliveryInfo"]
    assert history_status["lastStatus"] == "SUCCESS" and "nextDeliveryTime" in history_status


def test_snapshot_needs_a_running_recorder(aws):
    config = aws("config", region="ca-central-1")
    assert error_of(config.deliver_config_snapshot, deliveryChannelName="default") == (
        "NoSuchDeliveryChannelException", 400)


def test_a_daily_recorder_records_changes_once_a_day(endpoint, aws):
    region = "eu-central-1"
    s3, config = aws("s3", region=region), aws("config", region=region)
    start_recording(aws, region=region)
    role = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["roleARN"]
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": role, "recordingGroup": {"allSupported": True},
        "recordingMode": {"recordingFrequency": "DAILY"}})
    config.get_discovered_resource_counts()  # the discovery a changed recorder makes is done
    bucket = unique("daily")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    assert error_of(config.get_resource_config_history, resourceType="AWS::S3::Bucket", resourceId=bucket) == (
        "ResourceNotDiscoveredException", 400)
    advance_clock(endpoint, 86400 + 60)
    [item] = config_history(config, "AWS::S3::Bucket", bucket)
    assert item["configurationItemStatus"] == "ResourceDiscovered" and item["recordingFrequency"] == "DAILY"
