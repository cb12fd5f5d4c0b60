"""What every SQS module shares: store namespaces, queue URLs and ARNs, AWS's error shapes.

SQS moved from the query protocol to JSON keeping its old error codes: a JSON answer names the error by
its shape (``QueueDoesNotExist``) and tells the SDKs the query code (``AWS.SimpleQueueService.
NonExistentQueue``) in ``x-amzn-query-error``, which is the code boto3 shows and the XML answer carries.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

queues_ns = Namespace("sqs", "queues")
# A deleted queue's name, until QueueDeletedRecently no longer applies (60 s).
deleted_ns = Namespace("sqs", "deleted-queues")
# One queue's messages: Namespace(...)(account, region, queue name).
messages_ns = Namespace("sqs", "messages")
# A FIFO queue's deduplication entries (5 minutes) and its sequence counter.
dedup_ns = Namespace("sqs", "deduplication")
move_tasks_ns = Namespace("sqs", "move-tasks")

QUERY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "KmsAccessDenied": "KMS.AccessDeniedException",
    "KmsDisabled": "KMS.DisabledException",
    "KmsInvalidKeyUsage": "KMS.InvalidKeyUsageException",
    "KmsInvalidState": "KMS.InvalidStateException",
    "KmsNotFound": "KMS.NotFoundException",
    "KmsOptInRequired": "KMS.OptInRequired",
    "KmsThrottled": "KMS.ThrottlingException",
}
# Errors SQS answers with 403 rather than 400.
FORBIDDEN = {"PurgeQueueInProgress", "OverLimit", "AccessDenied"}


def sqs_error(code: str, message: str) -> ServiceError:
    error = ServiceError(code, message, status=403 if code in FORBIDDEN else 400, sender_fault=True)
    error.query_code = QUERY_CODES.get(code, code)
    return error


def no_queue() -> ServiceError:
    return sqs_error("QueueDoesNotExist", "The specified queue does not exist.")


def invalid_parameter(message: str) -> ServiceError:
    return sqs_error("InvalidParameterValue", message)


def missing_parameter(name: str) -> ServiceError:
    return sqs_error("MissingParameter", f"The request must contain the parameter {name}.")


def invalid_attribute_value(name: str, detail: str = "") -> ServiceError:
    return sqs_error("InvalidAttributeValue", f"Invalid value for the parameter {name}.{' ' + detail if detail else ''}")


def queue_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def split_queue_arn(arn: str) -> tuple[str, str, str] | None:
    """(account, region, name) of a queue ARN, or None."""
    parts = (arn or "").split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[4] or not parts[5]:
        return None
    return parts[4], parts[3], parts[5]


def split_queue_url(url: str) -> tuple[str, str] | None:
    """(account, name) of a queue URL (``<base>/<account>/<name>``), or None."""
    path = urlsplit(url or "").path if "://" in (url or "") else (url or "")
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or not (parts[-2].isdigit() and len(parts[-2]) == 12):
        return None
    return parts[-2], parts[-1]


def queue_url(base: str, account: str, name: str) -> str:
    return f"{base}/{account}/{name}"
