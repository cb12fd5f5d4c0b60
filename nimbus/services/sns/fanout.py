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


def filtered_out_by(sub: Subscription, published: dict) -> str | None:
    """None when the subscription gets the message; else why not, as SNS's metrics name it:
    ``MessageAttributes``, ``MessageBody``, or ``InvalidAttributes`` (a body scope on a body that is not JSON)."""
    text = sub["Attributes"].get("FilterPolicy")
    if not text:
        return None
    scope = sub["Attributes"].get("FilterPolicyScope", "MessageAttributes")
    policy = _policy(text)
    if scope == "MessageBody":
        try:
            values = read_json(published["Message"])
        except ValueError:
            return "InvalidAttributes"
    else:
        values = message_attributes.filter_values(published.get("MessageAttributes") or {})
    return None if filter_policy.matches(policy, values) else scope
