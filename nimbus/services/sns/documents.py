"""The stored shapes of SNS entities (see nimbus.core.documents for the convention).

Entities: topics, subscriptions (also kept, by token, for three days after an HTTP/S unsubscribe),
published messages waiting for their fan-out (the outbox) and HTTP/S deliveries not yet delivered or
given up, platform applications and their endpoints, and each account's SMS settings. Fields are named
as SNS's API names them (``TopicArn``, ``Endpoint``, ``Attributes``); the ones with no API counterpart (``Base``, ``Delays``, ``Due``) in the same style.

Records, kept in their own fixed layouts and written once: the messages nimbus records instead of
sending and the deliveries it gave up (history rows, read back only by ``/_nimbus/sns``), and a FIFO
topic's deduplication entries and sequence counter (one per message, read by key only).
"""
from __future__ import annotations

from typing import TypedDict

from nimbus.core.documents import DocumentKind, rename_fields


class Topic(TypedDict, total=False):
    Name: str
    Attributes: dict[str, str]  # as GetTopicAttributes answers them, less the computed counts
    Tags: list[dict[str, str]]
    CreatedAt: float


class Subscription(TypedDict, total=False):
    Id: str  # the last part of its ARN
    SubscriptionArn: str
    TopicArn: str
    Protocol: str
    Endpoint: str
    Owner: str
    PendingConfirmation: bool
    ConfirmationWasAuthenticated: bool
    Token: str | None
    TokenIssued: float
    Attributes: dict[str, str]
    Base: str  # the public URL its SubscribeURL and UnsubscribeURL start with


class OutboxMessage(TypedDict):
    """A published message stored before Publish answers, until it is fanned out."""
    Published: dict  # the message as published (messages.py)
    Base: str
    Subscriptions: list[str]  # the ARNs of the subscriptions it is for


class PendingDelivery(TypedDict):
    """One HTTP/S delivery (delivery.HttpJob), from its creation until it is delivered or given up."""
    Endpoint: str
    Body: str
    Headers: dict[str, str]
    Delays: list[float]  # the retry policy's delays, one per retry
    SubscriptionArn: str | None  # None for the confirmation of a subscription not yet confirmed
    MessageId: str
    TopicArn: str
    Key: str  # its key in the store
    Attempt: int  # attempts made
    Due: float  # when the next attempt falls due (virtual time)
    MaxPerSecond: float | None  # the throttle policy's maxReceivesPerSecond


class PlatformApplication(TypedDict):
    Name: str
    Platform: str  # APNS, APNS_SANDBOX, GCM, ADM, BAIDU, MPNS, WNS
    PlatformApplicationArn: str
    Attributes: dict[str, str]  # as given, credentials included (GetPlatformApplicationAttributes hides them)


class PlatformEndpoint(TypedDict):
    EndpointArn: str
    PlatformApplicationArn: str
    Attributes: dict[str, str]  # Token, Enabled, CustomUserData


class SmsSettings(TypedDict, total=False):
    """An account's SMS state in one region: its attributes, sandbox numbers and opted-out numbers."""
    Attributes: dict[str, str]
    InSandbox: bool
    SandboxNumbers: dict[str, dict]  # phone number -> {Status, Code, CreatedAt}
    OptedOut: dict[str, float]  # phone number -> when it opted out
    OptedIn: dict[str, float]  # phone number -> when OptInPhoneNumber last opted it in


TOPIC = DocumentKind[Topic]("sns.Topic")
PLATFORM_APPLICATION = DocumentKind[PlatformApplication]("sns.PlatformApplication")
PLATFORM_ENDPOINT = DocumentKind[PlatformEndpoint]("sns.PlatformEndpoint")
SMS_SETTINGS = DocumentKind[SmsSettings]("sns.SmsSettings")
SUBSCRIPTION = DocumentKind[Subscription]("sns.Subscription")
OUTBOX_MESSAGE = DocumentKind[OutboxMessage]("sns.OutboxMessage")
# Version 0 was HttpJob's fields as dataclasses.asdict wrote them.
PENDING_DELIVERY = DocumentKind[PendingDelivery]("sns.PendingDelivery", migrations={0: rename_fields({
    "url": "Endpoint", "body": "Body", "headers": "Headers", "delays": "Delays",
    "subscription_arn": "SubscriptionArn", "message_id": "MessageId", "topic_arn": "TopicArn", "key": "Key",
    "attempt": "Attempt", "due": "Due", "max_per_second": "MaxPerSecond",
})})
