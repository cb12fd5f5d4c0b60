"""SNS documents stored before schema versions (version 0) are served, then rewritten versioned: a
delivery waiting for its retry, stored in HttpJob's old snake_case shape, is still sent once."""
from __future__ import annotations

import time

import requests

from nimbus.core.documents import VERSION_FIELD
from nimbus.services.sns.common import pending_ns, subscriptions_ns, topics_ns
from tests.support import ACCOUNT, advance_clock, body, make_client, start_server, stored, unversion

OLD_DELIVERY_FIELDS = {
    "Endpoint": "url", "Body": "body", "Headers": "headers", "Delays": "delays", "SubscriptionArn": "subscription_arn",
    "MessageId": "message_id", "TopicArn": "topic_arn", "Key": "key", "Attempt": "attempt", "Due": "due",
    "MaxPerSecond": "max_per_second",
}


def _pending(endpoint: str, url: str) -> list[dict]:
    return requests.get(f"{endpoint}/_nimbus/sns/deliveries", params={"endpoint": url}, timeout=10).json()["pending"]


def _wait_for_retry(endpoint: str, url: str) -> dict:
    deadline = time.monotonic() + 10
    while not (pending := _pending(endpoint, url)) or pending[0]["attempt"] != 1:
        assert time.monotonic() < deadline, pending
        time.sleep(0.02)
    return pending[0]


def test_topics_subscriptions_and_waiting_deliveries_stored_before_versions_keep_working(tmp_path, receiver):
    data_dir = str(tmp_path / "data")
    with start_server(tmp_path) as server:
        sns = make_client(server.endpoint, "sns")
        topic = sns.create_topic(Name="legacy", Tags=[{"Key": "era", "Value": "before"}])["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
        token = body(receiver.wait_for(1, "SubscriptionConfirmation")[0])["Token"]
        sub_arn = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
        receiver.statuses = [500]
        message_id = sns.publish(TopicArn=topic, Message="kept")["MessageId"]
        waiting = _wait_for_retry(server.endpoint, receiver.url)  # the next attempt is 20 virtual seconds away
    unversion(data_dir, topics_ns(ACCOUNT, "us-east-1"), "legacy")
    unversion(data_dir, subscriptions_ns(ACCOUNT, "us-east-1"))
    [old] = unversion(data_dir, pending_ns(ACCOUNT, "us-east-1"), renames=OLD_DELIVERY_FIELDS).values()
    assert old["message_id"] == message_id and old["attempt"] == 1

    with start_server(tmp_path) as server:
        sns = make_client(server.endpoint, "sns")
        assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "era", "Value": "before"}]
        assert sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]["PendingConfirmation"] == "false"
        assert _pending(server.endpoint, receiver.url) == [waiting]
        advance_clock(server.endpoint, 21)
        retried = body(receiver.wait_for(2, "Notification")[1])
        assert retried["MessageId"] == message_id and retried["Message"] == "kept"
        # The delivery is removed once the receiver's 2xx is back, a moment after the receiver saw it.
        deadline = time.monotonic() + 10
        while _pending(server.endpoint, receiver.url):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="now")

    assert stored(data_dir, topics_ns(ACCOUNT, "us-east-1"), "legacy")[VERSION_FIELD] == 1
