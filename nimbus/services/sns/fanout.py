"""From one published message to each subscription: filter, format, sign, send or record."""
from __future__ import annotations

import functools
import itertools
import json

from . import filter_policy, message_attributes, messages
from .common import sent_ns, split_topic_arn
from .delivery import http_job
from .retry_policy import retry_delays
from .topic_attributes import effective_subscription_policy

_record_seq = itertools.count()


@functools.lru_cache(maxsize=1024)
def _policy(text: str) -> dict:
    return json.loads(text)


def passes_filter(sub: dict, published: dict) -> bool:
    text = sub["Attributes"].get("FilterPolicy")
    if not text:
        return True
    scope = sub["Attributes"].get("FilterPolicyScope", "MessageAttributes")
    policy = _policy(text)
    if scope == "MessageBody":
        try:
            values = json.loads(published["Message"])
        except ValueError:
            return False
    else:
        values = message_attributes.filter_values(published.get("MessageAttributes") or {})
    return filter_policy.matches(policy, values)


class FanOut:
    """Mixed into the provider: needs ``self.signer``, ``self.deliverer`` and ``self.store``."""

    def fan_out(self, topic: dict, published: dict, subscriptions: list[dict], base: str) -> None:
        version = topic["Attributes"].get("SignatureVersion", "1")
        for sub in subscriptions:
            if not passes_filter(sub, published):
                continue
            protocol = sub["Protocol"]
            for_protocol = {**published, "Message": messages.body_for(published, protocol)}
            raw = sub["Attributes"].get("RawMessageDelivery") == "true"
            document = for_protocol["Message"] if raw else messages.notification(
                self.signer, sub.get("Base") or base, for_protocol, sub["SubscriptionArn"], version)
            if protocol in ("http", "https"):
                policy = effective_subscription_policy(topic, sub["Attributes"])
                content_type = policy["requestPolicy"].get("headerContentType", "text/plain; charset=UTF-8")
                self.deliverer.post(http_job(
                    sub["Endpoint"], document, raw, sub["SubscriptionArn"], published["TopicArn"], "Notification",
                    published["MessageId"], retry_delays(policy["healthyRetryPolicy"]), content_type))
            else:
                if protocol in ("email", "sms"):
                    document = for_protocol["Message"]
                self.record(sub, "Notification", document, published["MessageId"], published.get("Subject"))

    def send_confirmation(self, ctx, topic: dict, sub: dict, unsubscribed: bool = False) -> None:
        """SubscriptionConfirmation (or UnsubscribeConfirmation, whose SubscribeURL restores it)."""
        version = topic["Attributes"].get("SignatureVersion", "1")
        document = messages.confirmation(self.signer, sub["Base"], sub["TopicArn"], sub["Token"], version,
                                         ctx.clock.time(), sub["SubscriptionArn"] if unsubscribed else None)
        if sub["Protocol"] in ("http", "https"):
            policy = effective_subscription_policy(topic, sub["Attributes"])
            self.deliverer.post(http_job(
                sub["Endpoint"], document, False, sub["SubscriptionArn"] if unsubscribed else None, sub["TopicArn"],
                document["Type"], document["MessageId"], retry_delays(policy["healthyRetryPolicy"]),
                "text/plain; charset=UTF-8"))
        else:
            self.record(sub, document["Type"], document, document["MessageId"], None)

    def record(self, sub: dict, message_type: str, document, message_id: str, subject: str | None) -> None:
        """What nimbus would have sent to an endpoint it does not reach (email, sms, sqs, lambda...)."""
        account, region, _ = split_topic_arn(sub["TopicArn"])
        now = self.clock.time()
        self.store.put(sent_ns(account, region), f"{now:017.6f}-{next(_record_seq):012d}", {
            "Protocol": sub["Protocol"], "Endpoint": sub["Endpoint"], "SubscriptionArn": sub["SubscriptionArn"],
            "TopicArn": sub["TopicArn"], "MessageId": message_id, "Type": message_type, "Subject": subject,
            "Body": document if isinstance(document, str) else json.dumps(document), "Time": now,
        })
