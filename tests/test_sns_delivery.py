"""SNS HTTP delivery against a real endpoint on 127.0.0.1: confirmation, signed notifications,
raw delivery, retries on the virtual clock."""
from __future__ import annotations

import json
import time

import requests

from tests.support import Endpoint, body, recorded, unique, verify_sns_signature


def confirmed_http_subscription(sns, topic_arn: str, endpoint: Endpoint, **attributes) -> str:
    result = sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=endpoint.url, Attributes=attributes)
    assert result["SubscriptionArn"] == "pending confirmation"
    confirmation = body(endpoint.wait_for(1, "SubscriptionConfirmation")[-1])
    # Confirming by visiting the SubscribeURL, as a real endpoint would.
    answer = requests.get(confirmation["SubscribeURL"], timeout=5)
    assert answer.status_code == 200 and "<SubscriptionArn>" in answer.text
    return answer.text.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]


def test_confirmation_and_signed_notification(client, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("orders"))["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url, ReturnSubscriptionArn=True)
    sub_arn = sub["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]["PendingConfirmation"] == "true"

    request = receiver.wait_for(1, "SubscriptionConfirmation")[0]
    confirmation = body(request)
    assert request["headers"]["x-amz-sns-topic-arn"] == topic
    assert request["headers"]["user-agent"] == "Amazon Simple Notification Service Agent"
    assert confirmation["Type"] == "SubscriptionConfirmation" and confirmation["TopicArn"] == topic
    assert confirmation["SignatureVersion"] == "1"
    assert verify_sns_signature(confirmation)
    tampered = {**confirmation, "Token": confirmation["Token"] + "0"}
    assert not verify_sns_signature(tampered)

    # An unconfirmed subscription gets nothing.
    sns.publish(TopicArn=topic, Message="too early")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"] == \
        "PendingConfirmation"

    confirmed = sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])["SubscriptionArn"]
    assert confirmed == sub_arn
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "false"
    assert json.loads(attributes["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]["numRetries"] == 3

    sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"},
                                   "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    request = receiver.wait_for(1, "Notification")[0]
    note = body(request)
    assert request["headers"]["x-amz-sns-subscription-arn"] == sub_arn
    assert request["headers"]["content-type"].startswith("text/plain")
    assert note["Message"] == "hello" and note["Subject"] == "greeting"
    assert note["MessageAttributes"]["kind"] == {"Type": "String", "Value": "order"}
    assert note["MessageAttributes"]["blob"] == {"Type": "Binary", "Value": "AAE="}
    assert note["UnsubscribeURL"].endswith(requests.utils.quote(sub_arn, safe=""))
    assert verify_sns_signature(note)
    assert not verify_sns_signature({**note, "Message": "hellO"})
    assert [body(r)["Message"] for r in receiver.of_type("Notification")] == ["hello"]

    # The UnsubscribeURL works too; the endpoint is told, and may restore the subscription.
    assert requests.get(note["UnsubscribeURL"], timeout=5).status_code == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    farewell = body(receiver.wait_for(1, "UnsubscribeConfirmation")[0])
    assert farewell["Message"].startswith(f"You have chosen to deactivate subscription {sub_arn}.")
    assert verify_sns_signature(farewell)
    assert requests.get(farewell["SubscribeURL"], timeout=5).status_code == 200
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [sub_arn]


def test_signature_version_2_and_json_structure(client, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("v2"), Attributes={"SignatureVersion": "2"})["TopicArn"]
    confirmed_http_subscription(sns, topic, receiver)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "plain", "http": "for http", "email": "for email"}))
    note = body(receiver.wait_for(1, "Notification")[0])
    assert note["SignatureVersion"] == "2" and note["Message"] == "for http" and "Subject" not in note
    assert verify_sns_signature(note)


def test_raw_message_delivery(client, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("raw"))["TopicArn"]
    sub_arn = confirmed_http_subscription(sns, topic, receiver)
    sns.set_subscription_attributes(SubscriptionArn=sub_arn, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.publish(TopicArn=topic, Message="just the text")
    request = receiver.wait_for(1, "Notification")[0]
    assert request["body"] == "just the text"
    assert request["headers"]["x-amz-sns-rawdelivery"] == "true"


def test_failed_deliveries_are_retried_on_the_virtual_clock(client, receiver, server):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("retry"))["TopicArn"]
    confirmed_http_subscription(sns, topic, receiver)
    receiver.statuses = [500, 503]
    sns.publish(TopicArn=topic, Message="eventually")
    receiver.wait_for(1, "Notification")
    # The default policy waits 20 s between attempts; move the clock instead of waiting, once nimbus has
    # seen the failed attempt's answer (the receiver sees the request first) and set the next one's time.
    for expected in (2, 3):
        _wait_for_attempts(server, receiver, expected - 1)
        requests.post(f"{server.endpoint}/_nimbus/clock", json={"advance_seconds": 21})
        receiver.wait_for(expected, "Notification")
    notes = receiver.of_type("Notification")
    assert len({body(n)["MessageId"] for n in notes}) == 1
    assert _wait_for_attempts(server, receiver, 3) == [500, 503, 200]


def _wait_for_attempts(server, receiver, count: int) -> list[int]:
    """The statuses of the Notification attempts nimbus recorded for ``receiver``, once there are ``count``."""
    deadline = time.monotonic() + 10
    while True:
        attempts = requests.get(f"{server.endpoint}/_nimbus/sns/deliveries", timeout=10).json()["attempts"]
        mine = [a["status"] for a in attempts if a["url"] == receiver.url and a["messageType"] == "Notification"]
        if len(mine) >= count or time.monotonic() > deadline:
            return mine
        time.sleep(0.02)


def test_delivery_policy_limits_retries_and_4xx_is_final(client, receiver, server):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("policy"), Attributes={"DeliveryPolicy": json.dumps(
        {"http": {"defaultHealthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1}}})})["TopicArn"]
    confirmed_http_subscription(sns, topic, receiver)
    receiver.statuses = [500, 500, 500]
    sns.publish(TopicArn=topic, Message="gives up")
    receiver.wait_for(1, "Notification")
    _wait_for_attempts(server, receiver, 1)  # the retry is timed from the failed attempt's answer
    requests.post(f"{server.endpoint}/_nimbus/clock", json={"advance_seconds": 2})
    receiver.wait_for(2, "Notification")
    _wait_for_attempts(server, receiver, 2)
    requests.post(f"{server.endpoint}/_nimbus/clock", json={"advance_seconds": 30})
    receiver.statuses = [404]
    sns.publish(TopicArn=topic, Message="not found")
    receiver.wait_for(3, "Notification")
    _wait_for_attempts(server, receiver, 3)
    requests.post(f"{server.endpoint}/_nimbus/clock", json={"advance_seconds": 30})
    sns.publish(TopicArn=topic, Message="marker")
    notes = [body(n)["Message"] for n in receiver.wait_for(4, "Notification")]
    assert notes == ["gives up", "gives up", "not found", "marker"]
    _wait_for_attempts(server, receiver, 4)
    # Without a dead-letter target AWS discards what it gives up; nimbus keeps a note of it.
    given_up = requests.get(f"{server.endpoint}/_nimbus/sns/deliveries",
                            params={"endpoint": receiver.url}).json()["undelivered"]
    assert [(json.loads(u["Body"])["Message"], u["ErrorCode"], u["Attempts"]) for u in given_up] == [
        ("gives up", "HTTP 500", 2), ("not found", "HTTP 404", 1)]


def test_throttle_policy_spaces_deliveries_to_a_subscription(client, receiver, server):
    from tests.support import error_of
    sns = client("sns")
    topic = sns.create_topic(Name=unique("throttled"))["TopicArn"]
    sub_arn = confirmed_http_subscription(sns, topic, receiver, DeliveryPolicy=json.dumps(
        {"throttlePolicy": {"maxReceivesPerSecond": 2}}))
    for i in range(4):
        sns.publish(TopicArn=topic, Message=f"m{i}")
    receiver.wait_for(4, "Notification")
    # The receiver sees the last request before nimbus has its answer and records the attempt.
    _wait_for_attempts(server, receiver, 4)
    attempts = requests.get(f"{server.endpoint}/_nimbus/sns/deliveries",
                            params={"endpoint": receiver.url}).json()["attempts"]
    times = sorted(a["time"] for a in attempts if a["messageType"] == "Notification")
    # 0.5 s apart (less the few milliseconds a busy pool may start one late).
    assert len(times) == 4 and times[-1] - times[0] >= 1.3, times
    assert all(later - earlier >= 0.3 for earlier, later in zip(times, times[1:])), times
    assert error_of(sns.set_subscription_attributes, SubscriptionArn=sub_arn, AttributeName="DeliveryPolicy",
                    AttributeValue=json.dumps({"throttlePolicy": {"maxReceivesPerSecond": 0}})) == \
        ("InvalidParameter", 400)


def test_certificate_is_served_and_key_is_private(client, server):
    import os
    import stat
    sns = client("sns")
    topic = sns.create_topic(Name=unique("cert"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="cert@example.com")
    key = os.path.join(server.config.data_dir, "sns", "signing-key.pem")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert requests.get(f"{server.endpoint}/_nimbus/sns/SimpleNotificationService-nope.pem").status_code == 404


def test_state_and_signing_key_survive_a_restart(tmp_path):
    from tests.support import make_client, start_server
    running = start_server(tmp_path).start()
    try:
        sns = make_client(running.endpoint, "sns")
        topic = sns.create_topic(Name="durable", Attributes={"DisplayName": "kept"})["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="durable@example.com")
        confirmation = body(recorded(running.endpoint, "durable@example.com")[0])
        cert_before = requests.get(confirmation["SigningCertURL"]).content
    finally:
        running.stop()
    running = start_server(tmp_path).start()
    try:
        sns = make_client(running.endpoint, "sns")
        assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "kept"
        # The certificate (and key) are the same, so the old signature still verifies.
        port_before = confirmation["SigningCertURL"].split("/_nimbus/")[0]
        moved = {**confirmation, "SigningCertURL": confirmation["SigningCertURL"].replace(port_before, running.endpoint)}
        assert requests.get(moved["SigningCertURL"]).content == cert_before
        assert verify_sns_signature(moved)
        arn = sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])["SubscriptionArn"]
        assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "false"
    finally:
        running.stop()


def test_links_work_unsigned_in_any_region_and_unsubscribe_is_guarded(client, receiver):
    sns = client("sns", region="eu-west-1")
    topic = sns.create_topic(Name=unique("links"))["TopicArn"]
    assert ":eu-west-1:" in topic
    sub_arn = confirmed_http_subscription(sns, topic, receiver)
    assert sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]["PendingConfirmation"] == "false"
    from tests.support import error_of
    stranger = client("sns", region="eu-west-1", key="888888888888", secret="x")
    assert error_of(stranger.unsubscribe, SubscriptionArn=sub_arn) == ("AuthorizationError", 403)

    # Confirmed with AuthenticateOnUnsubscribe: the unsigned UnsubscribeURL no longer works.
    second = Endpoint()
    try:
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=second.url)
        token = body(second.wait_for(1, "SubscriptionConfirmation")[0])["Token"]
        guarded = sns.confirm_subscription(TopicArn=topic, Token=token, AuthenticateOnUnsubscribe="true")
        sns.publish(TopicArn=topic, Message="x")
        link = body(second.wait_for(1, "Notification")[0])["UnsubscribeURL"]
        assert requests.get(link, timeout=5).status_code == 403
        sns.unsubscribe(SubscriptionArn=guarded["SubscriptionArn"])
    finally:
        second.close()


def test_subscribe_url_works_under_strict_auth(tmp_path, receiver):
    from tests.support import root_client, start_server
    running = start_server(tmp_path, strict_auth=True).start()
    try:
        sns = root_client(running, "sns")
        topic = sns.create_topic(Name="strict")["TopicArn"]
        confirmed_http_subscription(sns, topic, receiver)
    finally:
        running.stop()
