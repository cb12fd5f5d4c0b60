"""SNS's own CloudWatch metrics (``AWS/SNS``), as AWS publishes them: per topic (``TopicName``)
NumberOfMessagesPublished, PublishSize, NumberOfNotificationsDelivered / -Failed and
NumberOfNotificationsFilteredOut(-MessageAttributes / -MessageBody / -InvalidAttributes); for texts sent
to a phone number directly, by ``PhoneNumber``, and the account's SMSSuccessRate."""
from __future__ import annotations

from datetime import UTC, datetime

from nimbus.core.metrics import METRIC, publish_metric

from .common import split_topic_arn

NAMESPACE = "AWS/SNS"


def _emit(runtime, account: str, region: str, name: str, dimensions: dict[str, str], value: float,
          unit: str) -> None:
    bus = runtime.events
    if not bus.wants(METRIC):
        return
    moment = datetime.fromtimestamp(runtime.clock.time(), tz=UTC)
    publish_metric(bus, moment, account, region, NAMESPACE, name, dimensions, value, unit)


def topic_metric(runtime, topic_arn: str, name: str, value: float = 1, unit: str = "Count") -> None:
    account, region, topic_name = split_topic_arn(topic_arn)
    _emit(runtime, account, region, name, {"TopicName": topic_name}, value, unit)


def published(runtime, topic_arn: str, size: int) -> None:
    topic_metric(runtime, topic_arn, "NumberOfMessagesPublished")
    topic_metric(runtime, topic_arn, "PublishSize", size, "Bytes")


def delivery_outcome(runtime, topic_arn: str | None, delivered: bool) -> None:
    if topic_arn:
        topic_metric(runtime, topic_arn, "NumberOfNotificationsDelivered" if delivered
                     else "NumberOfNotificationsFailed")


def filtered_out(runtime, topic_arn: str, reason: str) -> None:
    """``reason``: MessageAttributes, MessageBody or InvalidAttributes (what the filter could not read)."""
    topic_metric(runtime, topic_arn, "NumberOfNotificationsFilteredOut")
    topic_metric(runtime, topic_arn, f"NumberOfNotificationsFilteredOut-{reason}")


def sms_outcome(runtime, account: str, region: str, phone_number: str, delivered: bool) -> None:
    name = "NumberOfNotificationsDelivered" if delivered else "NumberOfNotificationsFailed"
    _emit(runtime, account, region, name, {"PhoneNumber": phone_number}, 1, "Count")
    _emit(runtime, account, region, "SMSSuccessRate", {}, 1.0 if delivered else 0.0, "Count")
