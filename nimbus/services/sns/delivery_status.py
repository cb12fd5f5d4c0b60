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
import math
import threading
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
_counts: dict[str, int] = {}  # messages seen per sampling key
_counts_lock = threading.Lock()
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
    if success and not sampled(attributes.get(f"{prefix}SuccessFeedbackSampleRate"), f"{topic_arn} {prefix}"):
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
    if not role or (success and not sampled(sms_attributes.get("DeliveryStatusSuccessSamplingRate"),
                                            f"{account} {region} SMS")):
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


def sampled(rate: str | None, key: str) -> bool:
    """Whether the next message of ``key`` (a topic and what is logged) is sampled at ``rate`` percent (0
    when unset): evenly and predictably, the first ``rate`` of every 100, so a rate of 100 logs every one."""
    percent = int(rate) if rate and rate.isdigit() else 0
    with _counts_lock:
        n = _counts[key] = _counts.get(key, 0) + 1
    return math.ceil(n * percent / 100) > math.ceil((n - 1) * percent / 100)


def _log(runtime, role: str, region: str, source: CallSource | None, group: str, record: dict, now: float) -> bool:
    try:
        _write(runtime, role, region, source, group, record, now)
    except ServiceError as error:
        runtime.client.sessions.forget(role)  # the next delivery assumes it again
        log.warning("SNS delivery status not logged to %s: %s %s", group, error.code, error.message)
        return False
    return True


def write_vended_log(runtime, account: str, region: str, source: CallSource, group: str, record: dict,
                     now: float) -> bool:
    """A record SNS writes as itself (no role: a vended log, e.g. data protection findings) to an existing
    group of the account; whether it was written."""
    def call(operation: str, params: dict) -> None:
        runtime.client.call("logs", operation, params, account_id=account, region=region,
                            invoked_by=SNS_PRINCIPAL, source=source)
    try:
        _put(call, group, record, now, create_group=False)
    except ServiceError as error:
        log.warning("SNS could not write to %s: %s %s", group, error.code, error.message)
        return False
    return True


def _write(runtime, role: str, region: str, source: CallSource | None, group: str, record: dict, now: float) -> None:
    def call(operation: str, params: dict) -> None:
        runtime.client.call_as_role(role, "logs", operation, params, invoked_by=SNS_PRINCIPAL,
                                    session_name=SESSION_NAME, region=region, source=source)
    _put(call, group, record, now, create_group=True)


def _put(call, group: str, record: dict, now: float, create_group: bool) -> None:
    """One record in a stream of its own (created, with the group when allowed and missing)."""

    stream = str(uuid.uuid4())  # AWS writes each record to a stream of its own id
    try:
        call("CreateLogStream", {"logGroupName": group, "logStreamName": stream})
    except ServiceError as error:
        if error.code != "ResourceNotFoundException" or not create_group:
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
