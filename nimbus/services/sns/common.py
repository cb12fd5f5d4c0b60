"""What every SNS module shares: store namespaces, ARNs, AWS's error shapes, paging tokens."""
from __future__ import annotations

import base64
import binascii

from nimbus.core import paging
from nimbus.core.arns import parse_arn
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

# Topics and subscriptions are kept per account and region, keyed by topic name / subscription id.
topics_ns = Namespace("sns", "topics")
subscriptions_ns = Namespace("sns", "subscriptions")


def subscription_key(topic_name: str, sub_id: str) -> str:
    """Subscriptions are keyed under their topic, so a topic's subscriptions are one prefix scan."""
    return f"{topic_name}:{sub_id}"


# Platform applications keyed by "<platform>/<name>", endpoints by "<platform>/<application>/<id>".
applications_ns = Namespace("sns", "platform-applications")
endpoints_ns = Namespace("sns", "platform-endpoints")
# What data protection policies' Audit statements found (history rows, listed by /_nimbus/sns/data-protection).
findings_ns = Namespace("sns", "data-protection-findings")
# One document per account and region: SMS attributes, sandbox numbers, opt-outs.
sms_ns = Namespace("sns", "sms")


# Unsubscribed HTTP/S subscriptions by their UnsubscribeConfirmation token (to restore them).
unsubscribed_ns = Namespace("sns", "unsubscribed")
# Messages for protocols nimbus records instead of sending (email, sms, sqs, lambda...).
sent_ns = Namespace("sns", "recorded")
# Published messages not yet fanned out to their subscriptions (written before Publish answers).
outbox_ns = Namespace("sns", "outbox")
# HTTP/S deliveries not yet delivered or given up, with their attempt count and next attempt time.
pending_ns = Namespace("sns", "pending-deliveries")
# HTTP/S deliveries given up without a dead-letter target (AWS discards them; nimbus keeps a note).
undelivered_ns = Namespace("sns", "undelivered")


def invalid_parameter(detail: str) -> ServiceError:
    return ServiceError("InvalidParameter", f"Invalid parameter: {detail}")


def invalid_value(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message)


def not_found(message: str) -> ServiceError:
    return ServiceError("NotFound", message)


def authorization_error(message: str) -> ServiceError:
    return ServiceError("AuthorizationError", message)


def split_topic_arn(arn: str, param: str = "TopicArn") -> tuple[str, str, str]:
    """(account, region, name) of a topic ARN, or AWS's InvalidParameter."""
    parts = parse_arn(arn or "")
    if not parts or parts["service"] != "sns" or not parts["account"] or ":" in parts["resource"] or not parts["resource"]:
        raise invalid_parameter(f"{param}")
    return parts["account"], parts["region"], parts["resource"]


def split_subscription_arn(arn: str) -> tuple[str, str, str, str]:
    """(account, region, topic name, subscription id) of a subscription ARN."""
    parts = parse_arn(arn or "")
    if not parts or parts["service"] != "sns" or parts["resource"].count(":") != 1:
        raise invalid_parameter("SubscriptionArn")
    topic, sub_id = parts["resource"].split(":")
    return parts["account"], parts["region"], topic, sub_id


def encode_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode()


def decode_token(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid_parameter("NextToken") from None


def page_after(items: list[dict], key, token: str | None, limit: int = 100) -> tuple[list[dict], str | None]:
    """Items sorted by ``key`` after the token's key; AWS lists SNS resources 100 at a time."""
    after = decode_token(token)
    items = sorted(items, key=key)
    if after is not None:
        keys = [key(item) for item in items]
        if after not in keys and not token_is_plausible(after):
            raise invalid_parameter("NextToken")
    chunk, more = paging.page_after(items, key, after, limit)
    return chunk, (encode_token(key(chunk[-1])) if more else None)


def token_is_plausible(after: str) -> bool:
    # A token names the last item listed; that item may have been deleted since.
    return after.startswith("arn:")
