"""SNS subscriptions (email/sqs/sms recorded, not sent), confirmation errors, filter policies."""
from __future__ import annotations

import json

import pytest

from nimbus.services.sns import filter_policy
from tests.support import error_of, recorded, unique


def test_email_subscription_confirms_with_the_recorded_token(client, endpoint):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("mail"))["TopicArn"]
    address = unique("user") + "@example.com"
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)["SubscriptionArn"] == \
        "pending confirmation"
    # An unconfirmed subscription has no ARN to act on, and receives nothing.
    assert error_of(sns.unsubscribe, SubscriptionArn="pending confirmation") == ("InvalidParameter", 400)
    assert error_of(sns.get_subscription_attributes, SubscriptionArn="PendingConfirmation") == \
        ("InvalidParameter", 400)
    sns.publish(TopicArn=topic, Message="before confirmation")
    confirmation = json.loads(recorded(endpoint, address)[0]["Body"])
    assert confirmation["Type"] == "SubscriptionConfirmation"
    assert error_of(sns.confirm_subscription, TopicArn=topic, Token="0" * 64) == ("InvalidParameter", 400)
    arn = sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"],
                                   AuthenticateOnUnsubscribe="true")["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["ConfirmationWasAuthenticated"] == "true" and attributes["Protocol"] == "email"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"

    sns.publish(TopicArn=topic, Message="after confirmation", Subject="Hi")
    sent = recorded(endpoint, address, count=2)
    assert [m["Type"] for m in sent] == ["SubscriptionConfirmation", "Notification"]
    assert sent[1]["Body"] == "after confirmation" and sent[1]["Subject"] == "Hi"

    listed = sns.list_subscriptions()["Subscriptions"]
    assert any(s["SubscriptionArn"] == arn and s["Endpoint"] == address for s in listed)
    sns.unsubscribe(SubscriptionArn=arn)
    assert error_of(sns.get_subscription_attributes, SubscriptionArn=arn) == ("NotFound", 404)


def test_subscribe_input_errors(client):
    sns = client("sns")
    topic = sns.create_topic(Name=unique("inputs"))["TopicArn"]
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="carrier-pigeon", Endpoint="x") == ("InvalidParameter", 400)
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="http", Endpoint="https://x") == ("InvalidParameter", 400)
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="email", Endpoint="nope") == ("InvalidParameter", 400)
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint="queue") == ("InvalidParameter", 400)
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q",
                    Attributes={"FilterPolicy": "[1]"}) == ("InvalidParameter", 400)
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="email", Endpoint="a@example.com",
                    Attributes={"RawMessageDelivery": "true"}) == ("InvalidParameter", 400)
    queue = "arn:aws:sqs:us-east-1:000000000000:" + unique("q")
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    # Subscribing again is idempotent.
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"] == arn
    assert error_of(sns.set_subscription_attributes, SubscriptionArn=arn, AttributeName="Nope",
                    AttributeValue="1") == ("InvalidParameter", 400)
    by_topic = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in by_topic] == [arn]


def _publish_and_collect(client, endpoint, policy: dict, scope: str, messages: list[dict]) -> list[str]:
    sns = client("sns")
    topic = sns.create_topic(Name=unique("filtered"))["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:000000000000:" + unique("fq")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes={
        "FilterPolicy": json.dumps(policy), "FilterPolicyScope": scope, "RawMessageDelivery": "true"})
    # An unfiltered subscription marks the end: a topic's messages fan out in order.
    marker = "arn:aws:sqs:us-east-1:000000000000:" + unique("marker")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=marker, Attributes={"RawMessageDelivery": "true"})
    for message in messages:
        sns.publish(TopicArn=topic, **message)
    sns.publish(TopicArn=topic, Message="end")
    assert recorded(endpoint, marker, count=len(messages) + 1)[-1]["Body"] == "end"
    return [m["Body"] for m in recorded(endpoint, queue, count=0)]


def test_attribute_filter_policy_through_delivery(client, endpoint):
    policy = {"store": ["shop", {"prefix": "web-"}], "price": [{"numeric": [">=", 10, "<", 100]}],
              "coupon": [{"exists": False}]}
    def attrs(store, price, coupon=None):
        a = {"store": {"DataType": "String", "StringValue": store}, "price": {"DataType": "Number", "StringValue": price}}
        if coupon:
            a["coupon"] = {"DataType": "String", "StringValue": coupon}
        return a
    delivered = _publish_and_collect(client, endpoint, policy, "MessageAttributes", [
        {"Message": "match-shop", "MessageAttributes": attrs("shop", "10")},
        {"Message": "match-web", "MessageAttributes": attrs("web-eu", "99.5")},
        {"Message": "too-expensive", "MessageAttributes": attrs("shop", "100")},
        {"Message": "wrong-store", "MessageAttributes": attrs("mall", "20")},
        {"Message": "has-coupon", "MessageAttributes": attrs("shop", "20", "X")},
        {"Message": "no-attributes"},
    ])
    assert delivered == ["match-shop", "match-web"]


def test_body_filter_policy_through_delivery(client, endpoint):
    policy = {"detail": {"state": [{"anything-but": ["stopped", "pending"]}], "size": [{"numeric": [">", 5]}]}}
    delivered = _publish_and_collect(client, endpoint, policy, "MessageBody", [
        {"Message": json.dumps({"detail": {"state": "running", "size": 10}})},
        {"Message": json.dumps({"detail": {"state": "stopped", "size": 10}})},
        {"Message": json.dumps({"detail": {"state": "running", "size": 1}})},
        {"Message": "not json"},
    ])
    assert [json.loads(d)["detail"]["state"] for d in delivered] == ["running"]


@pytest.mark.parametrize("policy, values, expected", [
    ({"a": ["x"]}, {"a": "x"}, True),
    ({"a": ["x"]}, {"a": "y"}, False),
    ({"a": [{"prefix": "ab"}]}, {"a": "abc"}, True),
    ({"a": [{"suffix": ".png"}]}, {"a": "cat.png"}, True),
    ({"a": [{"equals-ignore-case": "HeLLo"}]}, {"a": "hello"}, True),
    ({"a": [{"anything-but": "x"}]}, {"a": "y"}, True),
    ({"a": [{"anything-but": "x"}]}, {}, False),
    ({"a": [{"anything-but": {"prefix": "int-"}}]}, {"a": "int-1"}, False),
    ({"a": [{"anything-but": [1, 2]}]}, {"a": 3.0}, True),
    ({"a": [{"numeric": ["=", 5]}]}, {"a": 5.0}, True),
    ({"a": [{"numeric": ["<=", 5]}]}, {"a": 6.0}, False),
    ({"a": [{"exists": True}]}, {"a": "v"}, True),
    ({"a": [{"exists": False}]}, {"a": "v"}, False),
    ({"a": [{"cidr": "10.0.0.0/24"}]}, {"a": "10.0.0.7"}, True),
    ({"a": ["x"]}, {"a": ["w", "x"]}, True),  # String.Array: any element
    ({"a": [1]}, {"a": 1}, True),
    ({"a": [None]}, {"a": None}, True),
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": "2"}, True),
    ({"$or": [{"a": ["1"]}, {"b": ["2"]}]}, {"b": "3"}, False),
])
def test_filter_policy_operators(policy, values, expected):
    parsed = filter_policy.parse(json.dumps(policy), "MessageBody")
    assert filter_policy.matches(parsed, values) is expected


@pytest.mark.parametrize("policy", [
    {"a": "x"}, {"a": []}, {"a": [{"prefix": 1}]}, {"a": [{"numeric": [">", "x"]}]}, {"a": [{"exists": "yes"}]},
    {"a": [{"unknown": 1}]}, {"a": [1], "b": [1], "c": [1], "d": [1], "e": [1], "f": [1]},
    {"a": list(range(20)), "b": list(range(20))},
])
def test_invalid_filter_policies(policy):
    from nimbus.protocol.errors import ServiceError
    with pytest.raises(ServiceError) as error:
        filter_policy.parse(json.dumps(policy), "MessageAttributes")
    assert error.value.code == "InvalidParameter"
