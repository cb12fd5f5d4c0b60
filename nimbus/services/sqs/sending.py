"""SendMessage and SendMessageBatch: validation as SQS answers it, FIFO deduplication and sequencing."""
from __future__ import annotations

import base64
import hashlib
import re
import uuid

from nimbus.core.context import RequestContext

from .batches import batch_result, check_entries
from .checksums import md5_of_attributes, md5_of_body
from .common import dedup_ns, invalid_parameter, missing_parameter, sqs_error
from .documents import DEDUPLICATION, Queue, StoredMessage
from .live import LiveQueue
from .state import SqsState

# The characters a message may hold (XML 1.0's), as AWS lists them.
INVALID_CHARACTERS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DEDUPLICATION_WINDOW = 300.0
BATCH_LIMIT = 1048576  # the bodies of a batch together, whatever the queue's MaximumMessageSize
ATTRIBUTE_NAME = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$")
NOT_FOR_QUEUE_TYPE = "The request include parameter that is not valid for this queue type."


def _attributes(given: dict | None, system: bool = False) -> dict[str, dict]:
    """Message attributes as stored (BinaryValue base64 text), or SQS's InvalidParameterValue."""
    stored: dict[str, dict] = {}
    for name, value in (given or {}).items():
        if system and name != "AWSTraceHeader":
            raise invalid_parameter(f"Message system attribute name '{name}' is invalid.")
        if not ATTRIBUTE_NAME.match(name) or name.lower().startswith(("aws.", "amazon.")):
            raise invalid_parameter(f"Message (user) attribute name '{name}' is invalid.")
        data_type = value.get("DataType", "")
        kind = data_type.split(".", 1)[0]
        if kind not in ("String", "Number", "Binary"):
            raise invalid_parameter(f"The type of message (user) attribute '{name}' is invalid. You must use only "
                                    "the following supported type prefixes: Binary, Number, String.")
        if kind == "Binary":
            if not value.get("BinaryValue"):
                raise invalid_parameter(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{data_type}'.")
            stored[name] = {"DataType": data_type, "BinaryValue": base64.b64encode(value["BinaryValue"]).decode()}
        else:
            text = value.get("StringValue")
            if not text:
                raise invalid_parameter(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{data_type}'.")
            if kind == "Number" and not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
                raise invalid_parameter(f"Can't cast the value of message (user) attribute '{name}' to a number.")
            stored[name] = {"DataType": data_type, "StringValue": text}
    if len(stored) > 10:
        raise invalid_parameter(f"Number of message attributes [{len(stored)}] exceeds the allowed maximum [10].")
    return stored


def _size(body: str, attributes: dict[str, dict]) -> int:
    size = len(body.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode()) + len(value["DataType"].encode())
        size += len(base64.b64decode(value["BinaryValue"])) if "BinaryValue" in value else \
            len(value["StringValue"].encode())
    return size


class SendOps(SqsState):
    def send_message(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        return self.accept(ctx, queue, live, params)

    def send_message_batch(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"], "sqs:SendMessage")
        entries = check_entries(params.get("Entries") or [])
        total = sum(len(e["MessageBody"].encode()) for e in entries)
        if total > BATCH_LIMIT:
            raise sqs_error("BatchRequestTooLong", f"Batch requests cannot be longer than {BATCH_LIMIT} bytes. You "
                            f"have sent {total} bytes.")
        return batch_result(entries, lambda entry: self.accept(ctx, queue, live, entry))

    def accept(self, ctx: RequestContext, queue: Queue, live: LiveQueue, params: dict) -> dict:
        """Validate and store one message; its SendMessage result."""
        body = params["MessageBody"]
        if INVALID_CHARACTERS.search(body):
            raise sqs_error("InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 "
                            "| #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
        attributes = _attributes(params.get("MessageAttributes"))
        system = _attributes(params.get("MessageSystemAttributes"), system=True)
        limit = int(queue["Attributes"]["MaximumMessageSize"])
        if _size(body, attributes) > limit:
            raise invalid_parameter(f"One or more parameters are invalid. Reason: Message must be shorter than "
                                    f"{limit} bytes.")
        delay = params.get("DelaySeconds")
        if delay is not None and not 0 <= delay <= 900:
            raise invalid_parameter(f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must "
                                    "be >= 0 and <= 900.")
        group, dedup_id = params.get("MessageGroupId"), params.get("MessageDeduplicationId")
        if live.fifo:
            if delay:
                raise invalid_parameter(f"Value {delay} for parameter DelaySeconds is invalid. Reason: "
                                        f"{NOT_FOR_QUEUE_TYPE}")
            if not group:
                raise missing_parameter("MessageGroupId")
            if not dedup_id:
                if queue["Attributes"].get("ContentBasedDeduplication") != "true":
                    raise invalid_parameter("The queue should either have ContentBasedDeduplication enabled or "
                                            "MessageDeduplicationId provided explicitly")
                dedup_id = hashlib.sha256(body.encode()).hexdigest()
        elif dedup_id:
            raise invalid_parameter(f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: "
                                    f"{NOT_FOR_QUEUE_TYPE}")
        now = self.clock.time()
        if delay is None:
            delay = int(queue["Attributes"]["DelaySeconds"])
        message: StoredMessage = {
            "MessageId": str(uuid.uuid4()), "Body": body, "MD5OfBody": md5_of_body(body),
            "MessageAttributes": attributes, "MD5OfMessageAttributes": md5_of_attributes(attributes),
            "MessageSystemAttributes": system, "MD5OfMessageSystemAttributes": md5_of_attributes(system),
            "SenderId": sender_id(ctx), "SentTimestamp": int(now * 1000), "VisibleAt": now + delay,
            "ReceiveCount": 0, "FirstReceiveTimestamp": None, "ReceiptHandle": None,
            "MessageGroupId": group, "MessageDeduplicationId": dedup_id if live.fifo else None,
            "SequenceNumber": None, "DeadLetterQueueSourceArn": None,
        }
        self.data_keys.seal(ctx, live, queue, message)
        if live.fifo:
            duplicate = self.deduplicated(live, queue, message, now)
            if duplicate is not None:
                return duplicate
        else:
            self.enqueue(live, [message])
        self.metric(live, "NumberOfMessagesSent", 1)
        self.metric(live, "SentMessageSize", _size(body, attributes), "Bytes")
        result = {"MessageId": message["MessageId"], "MD5OfMessageBody": message["MD5OfBody"]}
        if message["MD5OfMessageAttributes"]:
            result["MD5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        if message["MD5OfMessageSystemAttributes"]:
            result["MD5OfMessageSystemAttributes"] = message["MD5OfMessageSystemAttributes"]
        if message["SequenceNumber"]:
            result["SequenceNumber"] = message["SequenceNumber"]
        return result

    def deduplicated(self, live: LiveQueue, queue: Queue, message: StoredMessage, now: float) -> dict | None:
        """Store a FIFO message unless its deduplication id was seen in the last 5 minutes; for a duplicate,
        the first message's result (accepted, not delivered again)."""
        scope_by_group = queue["Attributes"].get("DeduplicationScope") == "messageGroup"
        dedup_key = f"{message['MessageGroupId']}\x00{message['MessageDeduplicationId']}" if scope_by_group \
            else f"\x00{message['MessageDeduplicationId']}"
        ns = dedup_ns(live.account, live.region, live.name)
        with live.changed, self.store.transaction():
            seen = DEDUPLICATION.get(self.store, ns, dedup_key)
            if seen is not None and seen["Expires"] > now:
                return {"MessageId": seen["MessageId"], "MD5OfMessageBody": message["MD5OfBody"],
                        "SequenceNumber": seen["SequenceNumber"]}
            self.enqueue(live, [message])
            DEDUPLICATION.put(self.store, ns, dedup_key, {"MessageId": message["MessageId"],
                                                          "SequenceNumber": message["SequenceNumber"],
                                                          "Expires": now + DEDUPLICATION_WINDOW})
        return None


def sender_id(ctx: RequestContext) -> str:
    """AWS's SenderId: the account for a root caller, else the principal's unique id (``AROA...:session``)."""
    principal = ctx.principal
    if principal.type == "Root":
        return principal.account_id
    if principal.type == "AWSService":
        return principal.arn.rsplit("/", 1)[-1] if "/" in principal.arn else principal.principal_id
    return principal.principal_id or principal.account_id
