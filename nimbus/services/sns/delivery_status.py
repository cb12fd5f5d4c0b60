"""Delivery status logging: each delivery's outcome as a JSON record in CloudWatch Logs, as AWS writes it.

A topic opts in per protocol with ``<Protocol>SuccessFeedbackRoleArn`` / ``<Protocol>FailureFeedbackRoleArn``
(``HTTP``, ``SQS``, ``Lambda``, ``Firehose``, ``Application``) and ``<Protocol>SuccessFeedbackSampleRate``
(the percentage of successes logged; failures are always logged). Setting a role needs ``iam:PassRole`` and
a role SNS can assume; at delivery SNS assumes it (sns.amazonaws.com) and writes, through the internal
client, to ``sns/<region>/<account>/<topic>`` (successes) or ``sns/<region>/<account>/<topic>/Failure``,
creating the group and a stream when missing. A failure to log never affects the delivery.

Whoever knows a delivery's outcome calls ``log_delivery_status`` (HTTP/S: delivery.py; SQS: the code that
sends to the queue).
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import uuid
from datetime import UTC, datetime

from nimbus.core.context import CallSource
from nimbus.core.roles import check_pass_role, role_account
from nimbus.protocol.errors import ServiceError

from . import sns_metrics
from .common import invalid_parameter, split_topic_arn, topics_ns
from .documents import TOPIC

log = logging.getLogger(__name__)
SNS_PRINCIPAL = "sns.amazonaws.com"
SESSION_NAME = "SNSDeliveryStatusLogging"
PROTOCOL_PREFIX = {"http": "HTTP", "https": "HTTP", "sqs": "SQS", "lambda": "Lambda", "firehose": "Firehose",
                   "application": "Application"}


def check_feedback_role(ctx, name: str, role_arn: str) -> None:
    """On CreateTopic / SetTopicAttributes: the caller may pass the role and SNS may assume it."""
    if role_account(role_arn) is None:
        raise invalid_parameter(f"Attributes Reason: {name}: {role_arn} is not a valid role ARN")

    def refused(why: str) -> ServiceError:
        return invalid_parameter(f"Attributes Reason: {name}: {why}")
    check_pass_role(ctx, role_arn, SNS_PRINCIPAL, SESSION_NAME, refused)


def _timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def status_record(topic_arn: str, message_id: str, message: str, published_at: float, destination: str,
                  status_code: int | None, provider_response: str, attempts: int, now: float, success: bool) -> dict:
    """AWS's record: the notification, the delivery (status code, dwell time, attempts...) and the status."""
    delivery: dict = {
        "deliveryId": str(uuid.uuid4()), "destination": destination, "providerResponse": provider_response,
        "dwellTimeMs": max(0, int((now - published_at) * 1000)), "attempts": attempts,
    }
    if status_code is not None:
        delivery["statusCode"] = status_code
    return {
        "notification": {"messageMD5Sum": hashlib.md5(message.encode()).hexdigest(),  # noqa: S324 - AWS's field
                         "messageId": message_id, "topicArn": topic_arn, "timestamp": _timestamp(published_at)},
        "delivery": delivery,
        "status": "SUCCESS" if success else "FAILURE",
    }


def log_delivery_status(runtime, topic_arn: str, protocol: str, *, message_id: str, message: str,
                        published_at: float, destination: str, status_code: int | None, provider_response: str,
                        attempts: int, success: bool) -> bool:
    """Log one delivery's outcome if the topic asks for it; whether a record was written.

    ``published_at`` is the message's epoch time (its dwell time runs from it); ``provider_response`` is
    what the endpoint answered (SQS: ``{"sqsRequestId":...,"sqsMessageId":...}``)."""
    prefix = PROTOCOL_PREFIX.get(protocol)
    if prefix is None:
        return False
    account, region, name = split_topic_arn(topic_arn)
    topic = TOPIC.get(runtime.store, topics_ns(account, region), name)
    if topic is None:
        return False
    attributes = topic["Attributes"]
    role = attributes.get(f"{prefix}{'Success' if success else 'Failure'}FeedbackRoleArn")
    if not role:
        return False
    if success and not _sampled(attributes.get(f"{prefix}SuccessFeedbackSampleRate")):
        return False
    now = runtime.clock.time()
    record = status_record(topic_arn, message_id, message, published_at, destination, status_code,
                           provider_response, attempts, now, success)
    group = f"sns/{region}/{account}/{name}" + ("" if success else "/Failure")
    return _log(runtime, role, region, CallSource(topic_arn, account), group, record, now)


def log_sms_status(runtime, account: str, region: str, sms_attributes: dict[str, str], *, message_id: str,
                   number: str, sms_type: str | None, published_at: float, success: bool) -> bool:
    """A text published to a number directly, logged when the account's SMS attributes name a
    ``DeliveryStatusIAMRole``: to ``sns/<region>/<account>/DirectPublishToPhoneNumber`` (``/Failure``)."""
    role = sms_attributes.get("DeliveryStatusIAMRole")
    if not role or (success and not _sampled(sms_attributes.get("DeliveryStatusSuccessSamplingRate"))):
        return False
    now = runtime.clock.time()
    record = {
        "notification": {"messageId": message_id, "timestamp": _timestamp(published_at)},
        "delivery": {"destination": number, "smsType": sms_type, "priceInUSD": 0.0,
                     "providerResponse": "Message has been accepted by phone carrier" if success
                     else "Phone is currently opted out",
                     "dwellTimeMs": max(0, int((now - published_at) * 1000))},
        "status": "SUCCESS" if success else "FAILURE",
    }
    group = f"sns/{region}/{account}/DirectPublishToPhoneNumber" + ("" if success else "/Failure")
    return _log(runtime, role, region, None, group, record, now)


def _sampled(rate: str | None) -> bool:
    """Whether one success is logged at a sample rate (a percentage; 0 when unset)."""
    rate = rate or "0"
    return rate.isdigit() and random.random() * 100 < int(rate)  # noqa: S311 - sampling, not secrecy


def _log(runtime, role: str, region: str, source: CallSource | None, group: str, record: dict, now: float) -> bool:
    try:
        _write(runtime, role, region, source, group, record, now)
    except ServiceError as error:
        runtime.client.sessions.forget(role)  # the next delivery assumes it again
        log.warning("SNS delivery status not logged to %s: %s %s", group, error.code, error.message)
        return False
    return True


def _write(runtime, role: str, region: str, source: CallSource | None, group: str, record: dict, now: float) -> None:
    def call(operation: str, params: dict) -> None:
        runtime.client.call_as_role(role, "logs", operation, params, invoked_by=SNS_PRINCIPAL,
                                    session_name=SESSION_NAME, region=region, source=source)

    stream = str(uuid.uuid4())  # AWS writes each record to a stream of its own id
    try:
        call("CreateLogStream", {"logGroupName": group, "logStreamName": stream})
    except ServiceError as error:
        if error.code != "ResourceNotFoundException":
            raise
        try:
            call("CreateLogGroup", {"logGroupName": group})
        except ServiceError as again:
            if again.code != "ResourceAlreadyExistsException":
                raise
        call("CreateLogStream", {"logGroupName": group, "logStreamName": stream})
    call("PutLogEvents", {"logGroupName": group, "logStreamName": stream,
                          "logEvents": [{"timestamp": int(now * 1000), "message": json.dumps(record)}]})


def http_outcome(runtime, job, status: int | None, error: str | None, delivered: bool) -> None:
    """An HTTP/S notification's final outcome (delivery.py's HttpJob): its status log and its metric."""
    if job.message_type != "Notification" or not job.subscription_arn:
        return
    sns_metrics.delivery_outcome(runtime, job.topic_arn, delivered)
    raw = job.headers.get("x-amz-sns-rawdelivery") == "true"
    message = job.body if raw else json.loads(job.body).get("Message", "")
    # A notification's key starts with its message's publish time (state.queue_fan_out).
    published_at = float(job.key.split("-", 1)[0])
    response = error or (f"HTTP {status}" if status is not None else "")
    log_delivery_status(runtime, job.topic_arn, job.url.split(":", 1)[0].lower(), message_id=job.message_id,
                        message=message, published_at=published_at, destination=job.url, status_code=status,
                        provider_response=response, attempts=job.attempt + 1, success=delivered)
