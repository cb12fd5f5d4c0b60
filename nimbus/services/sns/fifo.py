"""FIFO topics: the rules for MessageGroupId / MessageDeduplicationId, the 5-minute deduplication
window on the virtual clock, and sequence numbers."""
from __future__ import annotations

import hashlib
import re

from nimbus.core.namespaces import regional

from .common import invalid_parameter
from .documents import Topic

DEDUP_WINDOW_SECONDS = 300
TOKEN = re.compile(r"^[\x21-\x7e]{1,128}$")


def _ns(kind: str, topic_arn: str) -> tuple[str, ...]:
    _, _, _, region, account, name = topic_arn.split(":", 5)
    return regional("sns", account, region, kind, name)


def check_request(topic: Topic, entry: dict) -> None:
    """AWS's InvalidParameter for group/dedup ids that do not fit the topic type."""
    fifo = topic["Attributes"].get("FifoTopic") == "true"
    group, dedup = entry.get("MessageGroupId"), entry.get("MessageDeduplicationId")
    if not fifo:
        if dedup is not None:
            raise invalid_parameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
                                    "parameter that is not valid for this topic type")
        return
    if not group:
        raise invalid_parameter("The MessageGroupId parameter is required for FIFO topics")
    if not TOKEN.match(group):
        raise invalid_parameter("MessageGroupId Reason: MessageGroupId can only contain alphanumeric characters "
                                "and punctuation, and must be 1 to 128 characters long")
    if dedup is None and topic["Attributes"].get("ContentBasedDeduplication") != "true":
        raise invalid_parameter("The topic should either have ContentBasedDeduplication enabled or "
                                "MessageDeduplicationId provided explicitly")
    if dedup is not None and not TOKEN.match(dedup):
        raise invalid_parameter("MessageDeduplicationId Reason: MessageDeduplicationId can only contain "
                                "alphanumeric characters and punctuation, and must be 1 to 128 characters long")


def dedup_id(entry: dict) -> str:
    # Content-based deduplication hashes the body only, as AWS documents.
    return entry.get("MessageDeduplicationId") or hashlib.sha256(entry["Message"].encode()).hexdigest()


def accept(store, topic_arn: str, entry: dict, message_id: str, now: float) -> tuple[str, str, bool]:
    """(message id, sequence number, is new). A duplicate within the window repeats the first answer."""
    key = dedup_id(entry)
    dedup_ns = _ns("fifo_dedup", topic_arn)
    with store.transaction():
        seen = store.get(dedup_ns, key)
        if seen is not None and now - seen["At"] < DEDUP_WINDOW_SECONDS:
            return seen["MessageId"], seen["SequenceNumber"], False
        counter_ns = _ns("fifo_sequence", topic_arn)
        sequence = (store.get(counter_ns, "last") or 10000000000000000000) + 1
        store.put(counter_ns, "last", sequence)
        number = f"{sequence:020d}"
        store.put(dedup_ns, key, {"MessageId": message_id, "SequenceNumber": number, "At": now})
        if sequence % 500 == 0:
            _expire(store, dedup_ns, now)
    return message_id, number, True


def _expire(store, dedup_ns, now: float) -> None:
    for key, seen in store.scan(dedup_ns):
        if now - seen["At"] >= DEDUP_WINDOW_SECONDS:
            store.delete(dedup_ns, key)
