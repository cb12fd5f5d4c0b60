"""Publish and PublishBatch: validation, FIFO rules, and handing the message to the fan-out."""
from __future__ import annotations

import contextlib
import re
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.public_url import public_base
from nimbus.protocol.errors import ServiceError

from . import fifo, message_attributes, sns_metrics
from .common import invalid_parameter
from .data_protection import DataProtectionOps
from .documents import Topic
from .platform_delivery import is_endpoint_arn
from .platforms import PlatformOps
from .sms import SmsOps

MAX_MESSAGE_BYTES = 262144
MAX_BATCH_ENTRIES = 10
BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
SUBJECT = re.compile(r"^[\x20-\x7e]{1,100}$")


def _check_message(entry: dict) -> None:
    message = entry.get("Message")
    if message is None or message == "":
        raise invalid_parameter("Empty message")
    size = len(message.encode()) + message_attributes.validate(entry.get("MessageAttributes"))
    if size > MAX_MESSAGE_BYTES:
        raise invalid_parameter("Message too long")
    subject = entry.get("Subject")
    if subject is not None and not SUBJECT.match(subject):
        raise invalid_parameter("Subject")
    structure = entry.get("MessageStructure")
    if structure is not None:
        if structure != "json":
            raise invalid_parameter("MessageStructure")
        try:
            document = read_json(message)
        except ValueError:
            raise invalid_parameter("Message Structure - JSON message body failed to parse") from None
        if not isinstance(document, dict) or "default" not in document:
            raise invalid_parameter("Message Structure - No default entry in JSON message body")
        if not all(isinstance(v, str) for v in document.values()):
            raise invalid_parameter("Message Structure - all values must be strings")


def _entry_size(entry: dict) -> int:
    """An entry's bytes toward the batch's 256 KiB: its message and its attributes (a bad attribute fails
    its entry later, so it counts what it can)."""
    try:
        attributes = message_attributes.validate(entry.get("MessageAttributes"))
    except ServiceError:
        attributes = 0
    return len((entry.get("Message") or "").encode()) + attributes


class PublishOps(PlatformOps, SmsOps, DataProtectionOps):
    def publish(self, ctx: RequestContext, params: dict) -> dict:
        target = params.get("TopicArn") or params.get("TargetArn")
        if sum(1 for name in ("TopicArn", "TargetArn", "PhoneNumber") if params.get(name)) > 1:
            raise invalid_parameter("TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be given")
        if not target:
            if params.get("PhoneNumber"):
                _check_message(params)
                return self.publish_sms(ctx, params, str(uuid.uuid4()))
            raise invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter")
        if params.get("TargetArn") and is_endpoint_arn(target):
            _check_message(params)
            return self.publish_to_endpoint(ctx, params, {
                "MessageId": str(uuid.uuid4()), "Message": params["Message"], "Subject": params.get("Subject"),
                "MessageStructure": params.get("MessageStructure"), "Timestamp": ctx.clock.time(),
                "MessageAttributes": message_attributes.to_stored(params.get("MessageAttributes"))})
        topic = self.topic(ctx, target, "SNS:Publish")
        _check_message(params)
        fifo.check_request(topic, params)
        return self.accept_message(ctx, topic, params)

    def publish_batch(self, ctx: RequestContext, params: dict) -> dict:
        entries = params.get("PublishBatchRequestEntries") or []
        if not entries:
            raise ServiceError("EmptyBatchRequest", "The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH_ENTRIES:
            raise ServiceError("TooManyEntriesInBatchRequest",
                               "The batch request contains more entries than permissible.")
        ids = [e["Id"] for e in entries]
        if len(set(ids)) != len(ids):
            raise ServiceError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
        if any(not BATCH_ID.match(i) for i in ids):
            raise ServiceError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, "
                               "hyphens and underscores. It can be at most 80 letters long.")
        if sum(_entry_size(e) for e in entries) > MAX_MESSAGE_BYTES:
            raise ServiceError("BatchRequestTooLong", "The length of all the messages put together is more than "
                               "the limit.")
        topic = self.topic(ctx, params["TopicArn"], "SNS:Publish")
        if topic["Attributes"].get("FifoTopic") == "true" and any(not e.get("MessageGroupId") for e in entries):
            # The whole batch is refused, not the entries one by one, as AWS refuses it.
            raise invalid_parameter("The MessageGroupId parameter is required for FIFO topics")
        successful, failed = [], []
        for entry in entries:
            try:
                _check_message(entry)
                fifo.check_request(topic, entry)
                result = self.accept_message(ctx, topic, entry)
            except ServiceError as error:
                failed.append({"Id": entry["Id"], "Code": error.code, "Message": error.message, "SenderFault": True})
                continue
            successful.append({"Id": entry["Id"], **result})
        return {"Successful": successful, "Failed": failed}

    def accept_message(self, ctx: RequestContext, topic: Topic, entry: dict) -> dict:
        """Give the message an id (FIFO: a sequence number, or the duplicate's answer), store it for its
        subscriptions before answering (durable once acknowledged), and fan it out."""
        entry = self.protect_inbound(ctx, topic, entry)
        topic_arn = topic["Attributes"]["TopicArn"]
        sns_metrics.published(self.runtime, topic_arn, len(entry["Message"].encode()))
        message_id = str(uuid.uuid4())
        now = ctx.clock.time()
        output = {"MessageId": message_id}
        # Only confirmed subscriptions receive anything.
        subscriptions = [s for s in self.topic_subscriptions(topic) if not s["PendingConfirmation"]]
        fifo_topic = topic["Attributes"].get("FifoTopic") == "true"
        # A FIFO message's sequence number and its outbox document commit together.
        with self.store.transaction() if fifo_topic else contextlib.nullcontext():
            if fifo_topic:
                message_id, sequence, new = fifo.accept(self.store, topic_arn, entry, message_id, now)
                output = {"MessageId": message_id, "SequenceNumber": sequence}
                if not new:
                    return output
            if not subscriptions:
                return output
            published = {
                "MessageId": message_id,
                "TopicArn": topic_arn,
                "Message": entry["Message"],
                "Subject": entry.get("Subject"),
                "MessageStructure": entry.get("MessageStructure"),
                "MessageAttributes": message_attributes.to_stored(entry.get("MessageAttributes")),
                "Timestamp": now,
                "SequenceNumber": output.get("SequenceNumber"),
                "MessageGroupId": entry.get("MessageGroupId"),
            }
            base = public_base(ctx)
            key = self.queue_fan_out(topic, published, subscriptions, base)
        self.start_fan_out(key, topic, published, subscriptions, base)
        return output
