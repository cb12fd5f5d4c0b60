"""Subscriptions: subscribe, confirmation (API call or the SubscribeURL), attributes, listing."""
from __future__ import annotations

import json
import re
import secrets
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.public_url import public_base

from . import filter_policy
from .common import (
    authorization_error,
    invalid_parameter,
    not_found,
    page_after,
    split_subscription_arn,
    split_topic_arn,
    subscription_key,
    subscriptions_ns,
    topics_ns,
    unsubscribed_ns,
)
from .documents import SUBSCRIPTION, TOPIC, Subscription, Topic
from .retry_policy import check_retry_policy, check_throttle_policy
from .state import SnsState
from .topic_attributes import effective_subscription_policy

PROTOCOLS = {"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"}
# These protocols must confirm; the others are confirmed at once (same-account endpoints in AWS).
NEEDS_CONFIRMATION = {"http", "https", "email", "email-json"}
RAW_CAPABLE = {"http", "https", "sqs", "firehose"}
SETTABLE = {"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
            "SubscriptionRoleArn", "ReplayPolicy"}
PENDING_ARN = "pending confirmation"
TOKEN_LIFETIME_SECONDS = 3 * 24 * 3600
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9]{5,15}$")
ARN_OF = {"sqs": ":sqs:", "lambda": ":lambda:", "firehose": ":firehose:", "application": ":sns:"}


def _check_endpoint(protocol: str, endpoint: str | None) -> None:
    endpoint = endpoint or ""
    if protocol in ("http", "https"):
        if not endpoint.lower().startswith(protocol + "://"):
            raise invalid_parameter("Endpoint must match the specified protocol")
    elif protocol in ("email", "email-json"):
        if not EMAIL.match(endpoint):
            raise invalid_parameter("Email address")
    elif protocol == "sms":
        if not PHONE.match(endpoint):
            raise invalid_parameter(f"Invalid SMS endpoint: {endpoint}")
    elif not endpoint.startswith("arn:") or ARN_OF[protocol] not in endpoint:
        label = {"sqs": "SQS", "lambda": "Lambda", "firehose": "Firehose", "application": "Application"}[protocol]
        raise invalid_parameter(f"{label} endpoint ARN")


def check_subscription_attribute(name: str, value: str, protocol: str) -> str:
    if name not in SETTABLE:
        raise invalid_parameter("AttributeName")
    if name == "RawMessageDelivery":
        if value.lower() not in ("true", "false"):
            raise invalid_parameter("Attributes Reason: RawMessageDelivery: Invalid value")
        if protocol not in RAW_CAPABLE and value.lower() == "true":
            raise invalid_parameter(f"Attributes Reason: Delivery protocol [{protocol}] does not support "
                                    "raw message delivery.")
        return value.lower()
    if name == "FilterPolicyScope" and value not in ("MessageAttributes", "MessageBody"):
        raise invalid_parameter("Attributes Reason: FilterPolicyScope: Invalid value [{value}]. Please use "
                                "either MessageBody or MessageAttributes")
    if name in ("DeliveryPolicy", "RedrivePolicy", "ReplayPolicy") and value:
        try:
            document = read_json(value)
            if not isinstance(document, dict):
                raise ValueError
        except ValueError:
            raise invalid_parameter(f"Attributes Reason: {name}: Invalid JSON") from None
        if name == "DeliveryPolicy" and "healthyRetryPolicy" in document:
            check_retry_policy(document["healthyRetryPolicy"], "healthyRetryPolicy")
        if name == "DeliveryPolicy" and "throttlePolicy" in document:
            check_throttle_policy(document["throttlePolicy"], "throttlePolicy")
    return value


def _output_attributes(sub: Subscription, topic: Topic | None) -> dict:
    out = {
        "SubscriptionArn": sub["SubscriptionArn"],
        "TopicArn": sub["TopicArn"],
        "Owner": sub["Owner"],
        "Protocol": sub["Protocol"],
        "Endpoint": sub["Endpoint"],
        "PendingConfirmation": "true" if sub["PendingConfirmation"] else "false",
        "ConfirmationWasAuthenticated": "true" if sub.get("ConfirmationWasAuthenticated") else "false",
        "RawMessageDelivery": "false",
    }
    out.update(sub["Attributes"])
    if sub["Protocol"] in ("http", "https") and topic is not None:
        policy = effective_subscription_policy(topic, sub["Attributes"])
        out["EffectiveDeliveryPolicy"] = json.dumps(policy, separators=(",", ":"))
    return out


class SubscriptionOps(SnsState):
    def subscribe(self, ctx: RequestContext, params: dict) -> dict:
        topic = self.topic(ctx, params["TopicArn"], "SNS:Subscribe")
        topic_arn = topic["Attributes"]["TopicArn"]
        protocol = (params["Protocol"] or "").lower()
        if protocol not in PROTOCOLS:
            raise invalid_parameter(f"Amazon SNS does not support this protocol string: {params['Protocol']}")
        if topic["Attributes"].get("FifoTopic") == "true" and protocol != "sqs":
            raise invalid_parameter(f"Invalid protocol type: {protocol}")
        endpoint = params.get("Endpoint") or ""
        _check_endpoint(protocol, endpoint)
        attributes = {}
        for name, value in (params.get("Attributes") or {}).items():
            attributes[name] = check_subscription_attribute(name, value, protocol)
        if "FilterPolicy" in attributes and attributes["FilterPolicy"]:
            filter_policy.parse(attributes["FilterPolicy"], attributes.get("FilterPolicyScope", "MessageAttributes"))
        account, region = topic["Attributes"]["Owner"], ctx.region
        with self.store.transaction():
            for existing in self.topic_subscriptions(topic):
                if existing["Protocol"] == protocol and existing["Endpoint"] == endpoint:
                    if any(existing["Attributes"].get(k) != v for k, v in attributes.items()):
                        raise invalid_parameter("Attributes Reason: Subscription already exists with different "
                                                "attributes")
                    if existing["PendingConfirmation"]:
                        self.send_confirmation(ctx, topic, existing)
                    return {"SubscriptionArn": self._reported_arn(existing, params)}
            sub_id = str(uuid.uuid4())
            sub: Subscription = {
                "Id": sub_id,
                "SubscriptionArn": f"{topic_arn}:{sub_id}",
                "TopicArn": topic_arn,
                "Protocol": protocol,
                "Endpoint": endpoint,
                "Owner": ctx.principal.account_id if ctx.principal.type != "AWSService" else account,
                "PendingConfirmation": protocol in NEEDS_CONFIRMATION,
                "Token": secrets.token_hex(94) if protocol in NEEDS_CONFIRMATION else None,
                "TokenIssued": ctx.clock.time(),
                "Attributes": attributes,
                "Base": public_base(ctx),
            }
            SUBSCRIPTION.put(self.store, subscriptions_ns(account, region), subscription_key(topic["Name"], sub_id), sub)
        if sub["PendingConfirmation"]:
            self.send_confirmation(ctx, topic, sub)
        return {"SubscriptionArn": self._reported_arn(sub, params)}

    @staticmethod
    def _reported_arn(sub: Subscription, params: dict) -> str:
        if sub["PendingConfirmation"] and not params.get("ReturnSubscriptionArn"):
            return PENDING_ARN
        return sub["SubscriptionArn"]

    def confirm_subscription(self, ctx: RequestContext, params: dict) -> dict:
        # The token is the proof: anyone holding it (the endpoint's owner) may confirm.
        topic = self.topic(ctx, params["TopicArn"], any_region=True)
        token = params["Token"]
        with self.store.transaction():
            for sub in self.topic_subscriptions(topic):
                if sub.get("Token") and secrets.compare_digest(sub["Token"], token):
                    if ctx.clock.time() - sub.get("TokenIssued", 0) > TOKEN_LIFETIME_SECONDS:
                        raise invalid_parameter("Token")
                    if sub["PendingConfirmation"]:
                        sub["PendingConfirmation"] = False
                        sub["ConfirmationWasAuthenticated"] = (
                            str(params.get("AuthenticateOnUnsubscribe", "")).lower() == "true")
                        self._save_subscription(sub)
                    return {"SubscriptionArn": sub["SubscriptionArn"]}
            restored = self._restore(ctx, topic, token)
            if restored is not None:
                return {"SubscriptionArn": restored}
        raise invalid_parameter("Token")

    def _restore(self, ctx: RequestContext, topic: Topic, token: str) -> str | None:
        """Undo an Unsubscribe with the token of its UnsubscribeConfirmation."""
        account, region, topic_name = split_topic_arn(topic["Attributes"]["TopicArn"])
        sub = SUBSCRIPTION.get(self.store, unsubscribed_ns(account, region), token)
        if sub is None or sub["TopicArn"] != topic["Attributes"]["TopicArn"]:
            return None
        self.store.delete(unsubscribed_ns(account, region), token)
        if ctx.clock.time() - sub["TokenIssued"] > TOKEN_LIFETIME_SECONDS:
            return None
        SUBSCRIPTION.put(self.store, subscriptions_ns(account, region), subscription_key(topic_name, sub["Id"]), sub)
        return sub["SubscriptionArn"]

    def unsubscribe(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            sub = self.subscription(ctx, params["SubscriptionArn"])
            self._check_unsubscriber(ctx, sub)
            account, region, topic_name, sub_id = split_subscription_arn(sub["SubscriptionArn"])
            self.store.delete(subscriptions_ns(account, region), subscription_key(topic_name, sub_id))
            topic = TOPIC.get(self.store, topics_ns(account, region), topic_name)
            notify = topic is not None and sub["Protocol"] in ("http", "https") and not sub["PendingConfirmation"]
            if notify:
                # The endpoint is told, and may undo it with the SubscribeURL (the token) for 3 days.
                sub = {**sub, "Token": secrets.token_hex(94), "TokenIssued": ctx.clock.time()}
                SUBSCRIPTION.put(self.store, unsubscribed_ns(account, region), sub["Token"], sub)
        if notify:
            self.send_confirmation(ctx, topic, sub, unsubscribed=True)
        return {}

    def get_subscription_attributes(self, ctx: RequestContext, params: dict) -> dict:
        sub = self.subscription(ctx, params["SubscriptionArn"])
        account, region, topic_name, _ = split_subscription_arn(sub["SubscriptionArn"])
        topic = TOPIC.get(self.store, topics_ns(account, region), topic_name)
        return {"Attributes": _output_attributes(sub, topic)}

    def set_subscription_attributes(self, ctx: RequestContext, params: dict) -> dict:
        name, value = params["AttributeName"], params.get("AttributeValue") or ""
        with self.store.transaction():
            sub = self.subscription(ctx, params["SubscriptionArn"])
            value = check_subscription_attribute(name, value, sub["Protocol"])
            attributes = {**sub["Attributes"], name: value}
            if attributes.get("FilterPolicy"):
                filter_policy.parse(attributes["FilterPolicy"], attributes.get("FilterPolicyScope", "MessageAttributes"))
            if name == "FilterPolicy" and not value:
                attributes.pop("FilterPolicy")
            sub["Attributes"] = attributes
            self._save_subscription(sub)
        return {}

    def list_subscriptions(self, ctx: RequestContext, params: dict) -> dict:
        subs = [s for _, s in SUBSCRIPTION.scan(self.store, subscriptions_ns(ctx.account_id, ctx.region))]
        return self._listing(subs, params.get("NextToken"))

    def list_subscriptions_by_topic(self, ctx: RequestContext, params: dict) -> dict:
        topic = self.topic(ctx, params["TopicArn"], "SNS:ListSubscriptionsByTopic")
        return self._listing(self.topic_subscriptions(topic), params.get("NextToken"))

    # -- helpers -------------------------------------------------------------------

    @staticmethod
    def _check_unsubscriber(ctx: RequestContext, sub: Subscription) -> None:
        """The UnsubscribeURL works unsigned unless the confirmation asked for authentication;
        a signed call must come from the subscription's or the topic's owner."""
        request = ctx.request
        if ctx.internal or request is None:
            return
        signed = "authorization" in request.headers or "X-Amz-Signature" in request.query
        topic_owner = split_subscription_arn(sub["SubscriptionArn"])[0]
        if not signed and sub.get("ConfirmationWasAuthenticated"):
            raise authorization_error("Unsubscribe requires authentication for this subscription")
        if signed and ctx.principal.account_id not in (sub["Owner"], topic_owner):
            raise authorization_error(f"User: {ctx.principal.arn} is not authorized to perform: SNS:Unsubscribe "
                                      f"on resource: {sub['SubscriptionArn']}")

    @staticmethod
    def _listing(subs: list[Subscription], token: str | None) -> dict:
        chunk, next_token = page_after(subs, lambda s: s["SubscriptionArn"], token)
        output = {"Subscriptions": [{
            "SubscriptionArn": "PendingConfirmation" if s["PendingConfirmation"] else s["SubscriptionArn"],
            "Owner": s["Owner"], "Protocol": s["Protocol"], "Endpoint": s["Endpoint"], "TopicArn": s["TopicArn"],
        } for s in chunk]}
        if next_token:
            output["NextToken"] = next_token
        return output

    def subscription(self, ctx: RequestContext, arn: str) -> Subscription:
        if arn in (PENDING_ARN, "PendingConfirmation"):
            raise invalid_parameter("SubscriptionArn Reason: An unconfirmed subscription has no ARN to act on "
                                    "until it is confirmed")
        account, region, topic_name, sub_id = split_subscription_arn(arn)
        sub = SUBSCRIPTION.get(self.store, subscriptions_ns(account, region), subscription_key(topic_name, sub_id))
        if sub is None or sub["SubscriptionArn"] != arn:
            raise not_found("Subscription does not exist")
        return sub

    def _save_subscription(self, sub: Subscription) -> None:
        account, region, topic_name, sub_id = split_subscription_arn(sub["SubscriptionArn"])
        SUBSCRIPTION.put(self.store, subscriptions_ns(account, region), subscription_key(topic_name, sub_id), sub)
