"""The JSON documents SNS delivers, exactly as AWS lays them out, signed."""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote

CONFIRMATION_TEXT = ("You have chosen to subscribe to the topic {topic}.\n"
                     "To confirm the subscription, visit the SubscribeURL included in this message.")


def iso_millis(epoch: float) -> str:
    import datetime
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def subscribe_url(base: str, topic_arn: str, token: str) -> str:
    return f"{base}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe='')}&Token={token}"


def unsubscribe_url(base: str, subscription_arn: str) -> str:
    return f"{base}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe='')}"


def cert_url(base: str, signer) -> str:
    return f"{base}/_nimbus/sns/{signer.cert_name}"


UNSUBSCRIBE_TEXT = ("You have chosen to deactivate subscription {subscription}.\n"
                    "To cancel this operation and restore the subscription, visit the SubscribeURL included in "
                    "this message.")


def confirmation(signer, base: str, topic_arn: str, token: str, version: str, now: float,
                 unsubscribed: str | None = None) -> dict:
    """A SubscriptionConfirmation, or (``unsubscribed`` = its ARN) an UnsubscribeConfirmation."""
    message = {
        "Type": "UnsubscribeConfirmation" if unsubscribed else "SubscriptionConfirmation",
        "MessageId": str(uuid.uuid4()),
        "Token": token,
        "TopicArn": topic_arn,
        "Message": (UNSUBSCRIBE_TEXT.format(subscription=unsubscribed) if unsubscribed
                    else CONFIRMATION_TEXT.format(topic=topic_arn)),
        "SubscribeURL": subscribe_url(base, topic_arn, token),
        "Timestamp": iso_millis(now),
        "SignatureVersion": version,
    }
    message["Signature"] = signer.sign(message)
    message["SigningCertURL"] = cert_url(base, signer)
    return message


def notification(signer, base: str, published: dict, subscription_arn: str, version: str) -> dict:
    """The Notification document for one subscription (``published`` is the stored message)."""
    message = {
        "Type": "Notification",
        "MessageId": published["MessageId"],
        "TopicArn": published["TopicArn"],
    }
    if published.get("Subject") is not None:
        message["Subject"] = published["Subject"]
    message["Message"] = published["Message"]
    message["Timestamp"] = iso_millis(published["Timestamp"])
    message["SignatureVersion"] = version
    if published.get("SequenceNumber"):
        message["SequenceNumber"] = published["SequenceNumber"]
    message["Signature"] = signer.sign(message)
    message["SigningCertURL"] = cert_url(base, signer)
    message["UnsubscribeURL"] = unsubscribe_url(base, subscription_arn)
    if published.get("MessageAttributes"):
        message["MessageAttributes"] = published["MessageAttributes"]
    return message


def body_for(published: dict, protocol: str) -> str:
    """The message text for a protocol: MessageStructure=json picks the protocol's own entry."""
    if published.get("MessageStructure") == "json":
        choices = json.loads(published["Message"])
        return choices.get(protocol, choices["default"])
    return published["Message"]
