"""Queue attributes: which exist, their defaults and ranges, and how a caller's values are checked."""
from __future__ import annotations

import json
import re

from nimbus.core.json_text import read_json

from .common import invalid_attribute_value, invalid_parameter, split_queue_arn, sqs_error

# name: (least, most, default) of the numeric attributes.
NUMBERS = {
    "DelaySeconds": (0, 900, 0),
    "MaximumMessageSize": (1024, 1048576, 1048576),
    "MessageRetentionPeriod": (60, 1209600, 345600),
    "ReceiveMessageWaitTimeSeconds": (0, 20, 0),
    "VisibilityTimeout": (0, 43200, 30),
    "KmsDataKeyReusePeriodSeconds": (60, 86400, 300),
}
CHOICES = {
    "SqsManagedSseEnabled": ("true", "false"),
    "ContentBasedDeduplication": ("true", "false"),
    "FifoQueue": ("true", "false"),
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
FREE = ("Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId")
FIFO_ONLY = ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
COMPUTED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
            "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn")
SETTABLE = (*NUMBERS, *CHOICES, *FREE)
ALL = (*SETTABLE, *COMPUTED)

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")


def defaults(fifo: bool) -> dict[str, str]:
    values = {name: str(default) for name, (_, _, default) in NUMBERS.items() if name != "KmsDataKeyReusePeriodSeconds"}
    values["SqsManagedSseEnabled"] = "true"
    if fifo:
        values.update(FifoQueue="true", ContentBasedDeduplication="false", DeduplicationScope="queue",
                      FifoThroughputLimit="perQueue")
    return values


def check_name(name: str, fifo: bool) -> None:
    if fifo and not FIFO_NAME.match(name):
        raise invalid_parameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                                "underscores, must end with .fifo suffix and be 1 to 80 in length.")
    if not fifo and not NAME.match(name):
        raise invalid_parameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")


def checked(attributes: dict[str, str], fifo: bool, creating: bool) -> dict[str, str]:
    """The attributes as stored, or AWS's InvalidAttributeName/InvalidAttributeValue."""
    result = {}
    for name, value in attributes.items():
        if name not in SETTABLE:
            raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name == "FifoQueue" and not creating:
            raise invalid_attribute_value(name)
        if name in FIFO_ONLY and not fifo:
            raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name in NUMBERS:
            least, most, _ = NUMBERS[name]
            if not re.fullmatch(r"-?\d{1,10}", value or "") or not least <= int(value) <= most:
                raise invalid_attribute_value(name)
            value = str(int(value))
        elif name in CHOICES and value not in CHOICES[name]:
            raise invalid_attribute_value(name)
        elif name in ("RedrivePolicy", "RedriveAllowPolicy") and value:
            value = _redrive_json(name, value)
        result[name] = value
    return result


def _redrive_json(name: str, value: str) -> str:
    try:
        document = read_json(value)
    except ValueError:
        raise invalid_attribute_value(name, "Redrive policy is not a valid JSON map.") from None
    if not isinstance(document, dict):
        raise invalid_attribute_value(name, "Redrive policy is not a valid JSON map.")
    if name == "RedrivePolicy":
        target, count = document.get("deadLetterTargetArn"), document.get("maxReceiveCount")
        if not isinstance(target, str) or split_queue_arn(target) is None:
            raise invalid_attribute_value(name, "Value deadLetterTargetArn must be a valid queue ARN.")
        try:
            count = int(count)
        except (TypeError, ValueError):
            raise invalid_attribute_value(name, "Value maxReceiveCount must be an integer.") from None
        if not 1 <= count <= 1000:
            raise invalid_attribute_value(name, "Value maxReceiveCount must be between 1 and 1000.")
        return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}, separators=(",", ":"))
    permission = document.get("redrivePermission", "allowAll")
    sources = document.get("sourceQueueArns")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise invalid_attribute_value(name, "Value redrivePermission must be allowAll, denyAll or byQueue.")
    if permission == "byQueue" and (not isinstance(sources, list) or not 1 <= len(sources) <= 10):
        raise invalid_attribute_value(name, "Value sourceQueueArns must list 1 to 10 queue ARNs for byQueue.")
    return json.dumps(document, separators=(",", ":"))


def one_encryption(current: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """``current`` updated with ``wanted``: a queue is encrypted one way, so choosing a KMS key turns SSE-SQS off
    and turning SSE-SQS on forgets the KMS key."""
    merged = {**current, **wanted}
    if wanted.get("KmsMasterKeyId"):
        merged["SqsManagedSseEnabled"] = "false"
    elif wanted.get("SqsManagedSseEnabled") == "true":
        merged["KmsMasterKeyId"] = ""
    return merged


def redrive_allows(dead_letter_attributes: dict[str, str], source_arn: str) -> bool:
    """Whether a queue's RedriveAllowPolicy lets ``source_arn`` use it as its dead-letter queue."""
    text = dead_letter_attributes.get("RedriveAllowPolicy")
    if not text:
        return True
    document = json.loads(text)
    permission = document.get("redrivePermission", "allowAll")
    if permission == "byQueue":
        return source_arn in document.get("sourceQueueArns", [])
    return permission == "allowAll"
