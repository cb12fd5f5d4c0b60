"""Which subscriptions a published message reaches (filter policies), and the order of what fan-out records."""
from __future__ import annotations

import functools
import itertools
import json

from nimbus.core.json_text import read_json

from . import filter_policy, message_attributes
from .documents import Subscription

_record_seq = itertools.count()


def next_record_seq() -> int:
    """Orders what is recorded or queued within the same clock reading."""
    return next(_record_seq)


@functools.lru_cache(maxsize=1024)
def _policy(text: str) -> dict:
    return json.loads(text)


def passes_filter(sub: Subscription, published: dict) -> bool:
    text = sub["Attributes"].get("FilterPolicy")
    if not text:
        return True
    scope = sub["Attributes"].get("FilterPolicyScope", "MessageAttributes")
    policy = _policy(text)
    if scope == "MessageBody":
        try:
            values = read_json(published["Message"])
        except ValueError:
            return False
    else:
        values = message_attributes.filter_values(published.get("MessageAttributes") or {})
    return filter_policy.matches(policy, values)
