"""From one published message to each subscription: filter, format, sign, send or record."""
from __future__ import annotations

import functools
import itertools
import json

from . import filter_policy, message_attributes, messages
from .common import (
    outbox_ns,
    sent_ns,
    split_subscription_arn,
    split_topic_arn,
    subscription_key,
    subscriptions_ns,
    topics_ns,
)
from .delivery import http_job
from .retry_policy import max_per_second, retry_delays
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
    """Mixed into the provider: needs ``self.signer``, ``self.deliverer`` and ``self.store``.

    A published message is first an outbox document (stored before Publish answers); the fan-out
    turns it, in one transaction, into what is recorded and one stored delivery per HTTP/S
    subscription, so every step survives a restart.
    """

    def queue_fan_out(self, topic: dict, published: dict, subscriptions: list[dict], base: str) -> str:
        """Store the message for its subscriptions (the caller's one write), then fan out off the request path."""
        account, region, _ = split_topic_arn(published["TopicArn"])
        key = f"{published['Timestamp']:017.6f}-{next(_record_seq):012d}-{published['MessageId']}"
        self.store.put(outbox_ns(account, region), key, {
            "Published": published, "Base": base, "Subscriptions": [s["SubscriptionArn"] for s in subscriptions]})
        return key

    def start_fan_out(self, key: str, topic: dict, published: dict, subscriptions: list[dict], base: str) -> None:
        self.deliverer.run_in_order(published["TopicArn"], self.fan_out, key, topic, published, subscriptions, base)

    def resume_fan_outs(self) -> int:
        """At start-up: messages accepted but not yet fanned out go out now, in publish order per topic."""
        count = 0
        for ns in self.store.namespaces(("sns",)):
            if len(ns) != 4 or ns != outbox_ns(ns[1], ns[2]):
                continue
            for key, doc in self.store.scan(ns):
                published = doc["Published"]
                account, region, name = split_topic_arn(published["TopicArn"])
                topic = self.store.get(topics_ns(account, region), name)
                subscriptions = []
                for arn in doc["Subscriptions"]:
                    _, _, topic_name, sub_id = split_subscription_arn(arn)
                    sub = self.store.get(subscriptions_ns(account, region), subscription_key(topic_name, sub_id))
                    if sub is not None:
                        subscriptions.append(sub)
                if topic is None:
                    self.store.delete(ns, key)  # the topic was deleted: AWS delivers nothing more of it
                    continue
                self.start_fan_out(key, topic, published, subscriptions, doc["Base"])
                count += 1
        return count

    def fan_out(self, key: str, topic: dict, published: dict, subscriptions: list[dict], base: str) -> None:
        version = topic["Attributes"].get("SignatureVersion", "1")
        account, region, _ = split_topic_arn(published["TopicArn"])
        now = self.clock.time()
        jobs, records = [], []
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
                jobs.append(http_job(
                    sub["Endpoint"], document, raw, sub["SubscriptionArn"], published["TopicArn"], "Notification",
                    published["MessageId"], retry_delays(policy["healthyRetryPolicy"]), content_type,
                    f"{key}:{sub['Id']}", now, max_per_second(policy)))
            else:
                if protocol in ("email", "sms"):
                    document = for_protocol["Message"]
                records.append(self.recorded(sub, "Notification", document, published["MessageId"],
                                             published.get("Subject")))
        with self.store.transaction():
            if not self.store.delete(outbox_ns(account, region), key):
                return  # already fanned out, or wiped by a reset
            for ns, record_key, record in records:
                self.store.put(ns, record_key, record)
            for job in jobs:
                self.store.put(job.ns, job.key, job.to_doc())
        self.deliverer.enqueue(jobs)

    def send_confirmation(self, ctx, topic: dict, sub: dict, unsubscribed: bool = False) -> None:
        """SubscriptionConfirmation (or UnsubscribeConfirmation, whose SubscribeURL restores it)."""
        version = topic["Attributes"].get("SignatureVersion", "1")
        now = ctx.clock.time()
        document = messages.confirmation(self.signer, sub["Base"], sub["TopicArn"], sub["Token"], version,
                                         now, sub["SubscriptionArn"] if unsubscribed else None)
        if sub["Protocol"] in ("http", "https"):
            policy = effective_subscription_policy(topic, sub["Attributes"])
            self.deliverer.post(http_job(
                sub["Endpoint"], document, False, sub["SubscriptionArn"] if unsubscribed else None, sub["TopicArn"],
                document["Type"], document["MessageId"], retry_delays(policy["healthyRetryPolicy"]),
                "text/plain; charset=UTF-8", f"{now:017.6f}-{next(_record_seq):012d}-{document['MessageId']}", now,
                max_per_second(policy)))
        else:
            self.store.put(*self.recorded(sub, document["Type"], document, document["MessageId"], None))

    def recorded(self, sub: dict, message_type: str, document, message_id: str,
                 subject: str | None) -> tuple[tuple, str, dict]:
        """What nimbus would have sent to an endpoint it does not reach (email, sms, sqs, lambda...):
        the namespace, key and document to store."""
        account, region, _ = split_topic_arn(sub["TopicArn"])
        now = self.clock.time()
        return sent_ns(account, region), f"{now:017.6f}-{next(_record_seq):012d}", {
            "Protocol": sub["Protocol"], "Endpoint": sub["Endpoint"], "SubscriptionArn": sub["SubscriptionArn"],
            "TopicArn": sub["TopicArn"], "MessageId": message_id, "Type": message_type, "Subject": subject,
            "Body": document if isinstance(document, str) else json.dumps(document), "Time": now,
        }
