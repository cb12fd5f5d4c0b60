"""The batch operations' shared rules: 1 to 10 entries with distinct, well-formed ids, and one result per entry."""
from __future__ import annotations

import re
from collections.abc import Callable

from nimbus.protocol.errors import ServiceError

from .common import sqs_error

ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_entries(entries: list[dict]) -> list[dict]:
    if not entries:
        raise sqs_error("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.")
    if len(entries) > 10:
        raise sqs_error("TooManyEntriesInBatchRequest", f"Maximum number of entries per request are 10. You have "
                        f"sent {len(entries)}.")
    ids = [entry["Id"] for entry in entries]
    for entry_id in ids:
        if not ENTRY_ID.match(entry_id):
            raise sqs_error("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, "
                            "hyphens and underscores. It can be at most 80 letters long.")
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise sqs_error("BatchEntryIdsNotDistinct", f"Id {duplicate} repeated.")
    return entries


def batch_result(entries: list[dict], run: Callable[[dict], dict]) -> dict:
    """``Successful`` and ``Failed`` as SQS answers a batch: each entry on its own."""
    successful, failed = [], []
    for entry in entries:
        try:
            successful.append({"Id": entry["Id"], **run(entry)})
        except ServiceError as error:
            failed.append({"Id": entry["Id"], "SenderFault": bool(error.sender_fault is not False),
                           "Code": error.query_code or error.code, "Message": error.message})
    return {"Successful": successful, "Failed": failed}
