"""What every SNS operation module shares: the signer and delivery pool (created on first use), topic
lookup, and the fan-out engine.

A published message is first an outbox document (stored before Publish answers); the fan-out turns it,
in one transaction, into what is recorded and one stored delivery per HTTP/S subscription, so every step
survives a restart.
"""
from __future__ import annotations

import json
import logging
from functools import cached_property

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from . import messages, sns_metrics
from .common import (
    authorization_error,
    not_found,
    outbox_ns,
    sent_ns,
    split_subscription_arn,
    split_topic_arn,
    subscription_key,
    subscriptions_ns,
    topics_ns,
)
from .data_identifiers import apply as protect
from .delivery import Deliverer, deliverer_for, http_job
from .delivery_status import log_delivery_status
from .documents import OUTBOX_MESSAGE, SUBSCRIPTION, TOPIC, Subscription, Topic
from .fanout import filtered_out_by, next_record_seq
from .platform_delivery import endpoint_of, push_record
from .policy import topic_policy_allows
from .queue_delivery import send_to_queue
from .retry_policy import max_per_second, retry_delays
from .signing import Signer
from .sms_rules import settings_of, sms_options, sms_record
from .topic_attributes import effective_subscription_policy

log = logging.getLogger(__name__)


class SnsState(BaseProvider):
    @cached_property
    def signer(self) -> Signer:
        config = self.runtime.config
        return Signer(None if config.ephemeral else config.data_dir)

    @cached_property
    def deliverer(self) -> Deliverer:
        return deliverer_for(self.runtime)

    def topic(self, ctx: RequestContext, arn: str, action: str | None = None, any_region: bool = False) -> Topic:
        """The topic an ARN names (in its own account), checked against the topic policy.

        Calls reach topics of their own region only, except the token/link calls (``any_region``),
        which an unsigned SubscribeURL may make without naming a region.
        """
        account, region, name = split_topic_arn(arn)
        topic = TOPIC.get(self.store, topics_ns(account, region), name) if any_region or region == ctx.region else None
        if topic is None:
            raise not_found("Topic does not exist")
        if action and not topic_policy_allows(topic, ctx, action):
            raise authorization_error(
                f"User: {ctx.principal.arn} is not authorized to perform: {action} on resource: {arn}")
        return topic

    def save_topic(self, topic: Topic) -> None:
        account, region, name = split_topic_arn(topic["Attributes"]["TopicArn"])
        TOPIC.put(self.store, topics_ns(account, region), name, topic)

    def topic_subscriptions(self, topic: Topic) -> list[Subscription]:
        account, region, name = split_topic_arn(topic["Attributes"]["TopicArn"])
        return [s for _, s in SUBSCRIPTION.scan(self.store, subscriptions_ns(account, region), prefix=f"{name}:")]

    # -- fan-out ----------------------------------------------------------------

    def queue_fan_out(self, topic: Topic, published: dict, subscriptions: list[Subscription], base: str) -> str:
        """Store the message for its subscriptions (the caller's one write), then fan out off the request path."""
        account, region, _ = split_topic_arn(published["TopicArn"])
        key = f"{published['Timestamp']:017.6f}-{next_record_seq():012d}-{published['MessageId']}"
        OUTBOX_MESSAGE.put(self.store, outbox_ns(account, region), key, {
            "Published": published, "Base": base, "Subscriptions": [s["SubscriptionArn"] for s in subscriptions]})
        return key

    def start_fan_out(self, key: str, topic: Topic, published: dict, subscriptions: list[Subscription], base: str) -> None:
        self.deliverer.run_in_order(published["TopicArn"], self.fan_out, key, topic, published, subscriptions, base)

    def resume_fan_outs(self) -> int:
        """At start-up: messages accepted but not yet fanned out go out now, in publish order per topic."""
        count = 0
        for ns in self.store.namespaces(("sns",)):
            if len(ns) != 4 or ns != outbox_ns(ns[1], ns[2]):
                continue
            for key, doc in OUTBOX_MESSAGE.scan(self.store, ns):
                published = doc["Published"]
                account, region, name = split_topic_arn(published["TopicArn"])
                topic = TOPIC.get(self.store, topics_ns(account, region), name)
                subscriptions = []
                for arn in doc["Subscriptions"]:
                    _, _, topic_name, sub_id = split_subscription_arn(arn)
                    sub = SUBSCRIPTION.get(self.store, subscriptions_ns(account, region), subscription_key(topic_name, sub_id))
                    if sub is not None:
                        subscriptions.append(sub)
                if topic is None:
                    self.store.delete(ns, key)  # the topic was deleted: AWS delivers nothing more of it
                    continue
                self.start_fan_out(key, topic, published, subscriptions, doc["Base"])
                count += 1
        return count

    def fan_out(self, key: str, topic: Topic, published: dict, subscriptions: list[Subscription], base: str) -> None:
        version = topic["Attributes"].get("SignatureVersion", "1")
        account, region, _ = split_topic_arn(published["TopicArn"])
        now = self.clock.time()
        jobs, records, filtered, skipped = [], [], [], 0
        refused: list[tuple] = []  # SQS deliveries SQS refused: recorded, already counted
        policy_text = topic["Attributes"].get("DataProtectionPolicy")
        for sub in subscriptions:
            reason = filtered_out_by(sub, published)
            if reason is not None:
                filtered.append(reason)
                continue
            protocol = sub["Protocol"]
            for_protocol = {**published, "Message": messages.body_for(published, protocol)}
            for_sub = published
            if policy_text:
                outbound = protect(policy_text, "Outbound", for_protocol["Message"],
                                   f"arn:aws:iam::{sub['Owner']}:root", sub["Owner"])
                if outbound.denied:
                    skipped += 1  # the policy denies this subscriber the message: a failed delivery
                    continue
                if outbound.message != for_protocol["Message"]:
                    for_protocol["Message"] = outbound.message
                    for_sub = {**published, "Message": outbound.message, "MessageStructure": None}
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
            elif protocol == "application":
                # Only the topic owner's own endpoints: another account's are not the topic's to push to.
                endpoint = endpoint_of(self.store, sub["Endpoint"]) if sub["Endpoint"].split(":")[4:5] == [
                    account] else None
                # A disabled endpoint (or a deleted one) is skipped, as AWS skips it.
                push = push_record(self.store, endpoint, for_sub, now, sub["SubscriptionArn"]) if endpoint else None
                if push is not None:
                    records.append(push)
                else:
                    skipped += 1
            elif protocol == "sms":
                settings = settings_of(self.store, account, region)
                records.append(sms_record(settings, account, region, sub["Endpoint"], for_protocol["Message"],
                                          published["MessageId"], now,
                                          sms_options(published.get("MessageAttributes"), settings), sub))
            elif protocol == "sqs":
                refused += self.delivered_to_queue(sub, for_sub, document, raw)
            else:
                if protocol == "email":
                    document = for_protocol["Message"]
                records.append(self.recorded(sub, "Notification", document, published["MessageId"],
                                             published.get("Subject")))
        with self.store.transaction():
            if not self.store.delete(outbox_ns(account, region), key):
                return  # already fanned out, or wiped by a reset
            for ns, record_key, record in records + refused:
                self.store.put(ns, record_key, record)
            for job in jobs:
                job.save(self.store)
        self.deliverer.enqueue(jobs)
        self._count_fan_out(published["TopicArn"], records, filtered, skipped)

    def _count_fan_out(self, topic_arn: str, records: list, filtered: list[str], skipped: int) -> None:
        """SNS's metrics for what the fan-out settled at once (HTTP/S deliveries count when they end)."""
        for reason in filtered:
            sns_metrics.filtered_out(self.runtime, topic_arn, reason)
        for _, _, record in records:
            sns_metrics.delivery_outcome(self.runtime, topic_arn, record.get("Status") != "OPTED_OUT")
        for _ in range(skipped):
            sns_metrics.delivery_outcome(self.runtime, topic_arn, False)

    def delivered_to_queue(self, sub: Subscription, published: dict, document, raw: bool) -> list[tuple]:
        """Send to an SQS subscription's queue, counted in the topic's metrics and logged (delivery status
        logging) either way. A delivery SQS refuses (no such queue, a policy that does not grant SNS) is
        recorded instead, as the other protocols' deliveries are: the record to store with the fan-out."""
        topic_arn = published["TopicArn"]
        try:
            sent = send_to_queue(self.runtime, sub["Endpoint"], topic_arn, published, document, raw)
        except ServiceError as error:
            log.warning("SNS message %s not delivered to %s: %s", published["MessageId"], sub["Endpoint"], error.code)
            sent, answer = None, json.dumps({"ErrorCode": error.code, "ErrorMessage": error.message})
        else:
            answer = json.dumps({"sqsRequestId": sent.get("RequestId", ""), "sqsMessageId": sent["MessageId"]})
        sns_metrics.delivery_outcome(self.runtime, topic_arn, sent is not None)
        log_delivery_status(self.runtime, topic_arn, "sqs", message_id=published["MessageId"],
                            message=published["Message"], published_at=published["Timestamp"],
                            destination=sub["Endpoint"], status_code=200 if sent else 400, provider_response=answer,
                            attempts=1, success=sent is not None)
        return [] if sent is not None else [
            self.recorded(sub, "Notification", document, published["MessageId"], published.get("Subject"))]

    def send_confirmation(self, ctx, topic: Topic, sub: Subscription, unsubscribed: bool = False) -> None:
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
                "text/plain; charset=UTF-8", f"{now:017.6f}-{next_record_seq():012d}-{document['MessageId']}", now,
                max_per_second(policy)))
        else:
            self.store.put(*self.recorded(sub, document["Type"], document, document["MessageId"], None))

    def recorded(self, sub: Subscription, message_type: str, document, message_id: str,
                 subject: str | None) -> tuple[tuple, str, dict]:
        """What nimbus would have sent to an endpoint it does not reach (email, sms, sqs, lambda...):
        the namespace, key and document to store."""
        account, region, _ = split_topic_arn(sub["TopicArn"])
        now = self.clock.time()
        return sent_ns(account, region), f"{now:017.6f}-{next_record_seq():012d}", {
            "Protocol": sub["Protocol"], "Endpoint": sub["Endpoint"], "SubscriptionArn": sub["SubscriptionArn"],
            "TopicArn": sub["TopicArn"], "MessageId": message_id, "Type": message_type, "Subject": subject,
            "Body": document if isinstance(document, str) else json.dumps(document), "Time": now,
        }
