"""Topics: create (idempotent), attributes, tags, listing, deletion."""
from __future__ import annotations

import json

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError

from . import topic_attributes as attrs
from .common import (
    authorization_error,
    invalid_parameter,
    page_after,
    split_topic_arn,
    subscription_key,
    subscriptions_ns,
    topics_ns,
)
from .delivery_status import check_feedback_role
from .documents import TOPIC, Subscription, Topic
from .policy import topic_policy_allows
from .state import SnsState


def topic_output_attributes(topic: Topic, subscriptions: list[Subscription]) -> dict:
    out = dict(topic["Attributes"])
    out["SubscriptionsConfirmed"] = str(sum(1 for s in subscriptions if not s["PendingConfirmation"]))
    out["SubscriptionsPending"] = str(sum(1 for s in subscriptions if s["PendingConfirmation"]))
    out["SubscriptionsDeleted"] = "0"
    out["EffectiveDeliveryPolicy"] = json.dumps(attrs.effective_delivery_policy(topic), separators=(",", ":"))
    return out


def _check_tags(tags: list[dict]) -> None:
    if len(tags) > MAX_TAGS:
        raise ServiceError("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
    keys = [t["Key"] for t in tags]
    if len(set(keys)) != len(keys):
        raise invalid_parameter("Duplicated keys are not allowed.")


class TopicOps(SnsState):
    def create_topic(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Name"]
        given = dict(params.get("Attributes") or {})
        fifo = given.get("FifoTopic", "false").lower() == "true"
        attrs.check_name(name, fifo)
        for key, value in given.items():
            given[key] = attrs.check_attribute(key, value, None)
            if key.endswith("FeedbackRoleArn") and value:
                check_feedback_role(ctx, key, value)
        if given.get("ContentBasedDeduplication") == "true" and not fifo:
            raise invalid_parameter("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
        tags = params.get("Tags") or []
        _check_tags(tags)
        arn = ctx.arn(name)
        with self.store.transaction():
            existing = TOPIC.get(self.store, topics_ns(ctx.account_id, ctx.region), name)
            if existing is not None:
                # Creating an existing topic returns it, unless the request asks for something else.
                current = existing["Attributes"]
                if any(current.get(k, "") != v for k, v in given.items() if k != "Policy"):
                    raise invalid_parameter("Attributes Reason: Topic already exists with different attributes")
                have = {t["Key"]: t["Value"] for t in existing.get("Tags", [])}
                if tags and any(have.get(t["Key"]) != t["Value"] for t in tags):
                    raise invalid_parameter("Tags Reason: Topic already exists with different tags")
                return {"TopicArn": existing["Attributes"]["TopicArn"]}
            attributes = {
                "TopicArn": arn,
                "Owner": ctx.account_id,
                "Policy": attrs.default_policy(arn, ctx.account_id),
                "DisplayName": "",
                "SignatureVersion": "1",
            }
            if fifo:
                attributes.update({"FifoTopic": "true", "ContentBasedDeduplication": "false",
                                   "FifoThroughputScope": "Topic"})
            attributes.update(given)
            if params.get("DataProtectionPolicy"):
                attributes["DataProtectionPolicy"] = attrs.check_attribute(
                    "DataProtectionPolicy", params["DataProtectionPolicy"], None)
            topic: Topic = {"Name": name, "Attributes": attributes, "Tags": tags, "CreatedAt": ctx.clock.time()}
            TOPIC.put(self.store, topics_ns(ctx.account_id, ctx.region), name, topic)
        ctx.emit_resource_change("AWS::SNS::Topic", arn, "created", lambda: {"TopicArn": arn})
        return {"TopicArn": arn}

    def get_topic_attributes(self, ctx: RequestContext, params: dict) -> dict:
        topic = self.topic(ctx, params["TopicArn"], "SNS:GetTopicAttributes")
        return {"Attributes": topic_output_attributes(topic, self.topic_subscriptions(topic))}

    def set_topic_attributes(self, ctx: RequestContext, params: dict) -> dict:
        name, value = params["AttributeName"], params.get("AttributeValue") or ""
        with self.store.transaction():
            topic = self.topic(ctx, params["TopicArn"], "SNS:SetTopicAttributes")
            if name in attrs.CREATE_ONLY:
                raise invalid_parameter("AttributeName")
            value = attrs.check_attribute(name, value, topic)
            if name.endswith("FeedbackRoleArn") and value:
                check_feedback_role(ctx, name, value)
            if name == "Policy" and not value:
                value = attrs.default_policy(topic["Attributes"]["TopicArn"], topic["Attributes"]["Owner"])
            topic["Attributes"][name] = value
            self.save_topic(topic)
        ctx.emit_resource_change("AWS::SNS::Topic", topic["Attributes"]["TopicArn"], "updated", lambda: {name: value})
        return {}

    def delete_topic(self, ctx: RequestContext, params: dict) -> dict:
        account, region, name = split_topic_arn(params["TopicArn"])
        with self.store.transaction():
            topic = TOPIC.get(self.store, topics_ns(account, region), name)
            if topic is None:
                # Deleting a topic that does not exist succeeds, as in AWS.
                return {}
            if not topic_policy_allows(topic, ctx, "SNS:DeleteTopic"):
                raise authorization_error(f"User: {ctx.principal.arn} is not authorized to perform: SNS:DeleteTopic")
            for sub in self.topic_subscriptions(topic):
                self.store.delete(subscriptions_ns(account, region), subscription_key(name, sub["Id"]))
            self.store.delete(topics_ns(account, region), name)
        ctx.emit_resource_change("AWS::SNS::Topic", params["TopicArn"], "deleted")
        return {}

    def list_topics(self, ctx: RequestContext, params: dict) -> dict:
        topics = [t["Attributes"]["TopicArn"] for _, t in TOPIC.scan(self.store, topics_ns(ctx.account_id, ctx.region))]
        chunk, token = page_after([{"TopicArn": arn} for arn in topics], lambda t: t["TopicArn"],
                                  params.get("NextToken"))
        output = {"Topics": chunk}
        if token:
            output["NextToken"] = token
        return output

    # -- policy statements by label ------------------------------------------------

    def add_permission(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            topic = self.topic(ctx, params["TopicArn"], "SNS:AddPermission")
            policy = json.loads(topic["Attributes"]["Policy"])
            statements = policy.setdefault("Statement", [])
            if any(s.get("Sid") == params["Label"] for s in statements):
                raise invalid_parameter("Statement already exists")
            accounts = [f"arn:aws:iam::{a}:root" if a.isdigit() else a for a in params["AWSAccountId"]]
            statements.append({
                "Sid": params["Label"], "Effect": "Allow",
                "Principal": {"AWS": accounts[0] if len(accounts) == 1 else accounts},
                "Action": [f"SNS:{a}" for a in params["ActionName"]] if len(params["ActionName"]) > 1
                else f"SNS:{params['ActionName'][0]}",
                "Resource": topic["Attributes"]["TopicArn"],
            })
            topic["Attributes"]["Policy"] = json.dumps(policy, separators=(",", ":"))
            self.save_topic(topic)
        return {}

    def remove_permission(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            topic = self.topic(ctx, params["TopicArn"], "SNS:RemovePermission")
            policy = json.loads(topic["Attributes"]["Policy"])
            policy["Statement"] = [s for s in policy.get("Statement", []) if s.get("Sid") != params["Label"]]
            topic["Attributes"]["Policy"] = json.dumps(policy, separators=(",", ":"))
            self.save_topic(topic)
        return {}

    # -- tags --------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            topic = self._tag_target(ctx, params["ResourceArn"])
            merged = {t["Key"]: t["Value"] for t in topic.get("Tags", [])}
            merged.update({t["Key"]: t["Value"] for t in params["Tags"]})
            tags = [{"Key": k, "Value": v} for k, v in merged.items()]
            _check_tags(tags)
            topic["Tags"] = tags
            self.save_topic(topic)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            topic = self._tag_target(ctx, params["ResourceArn"])
            topic["Tags"] = [t for t in topic.get("Tags", []) if t["Key"] not in params["TagKeys"]]
            self.save_topic(topic)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        return {"Tags": self._tag_target(ctx, params["ResourceArn"]).get("Tags", [])}

    def _tag_target(self, ctx: RequestContext, arn: str) -> Topic:
        try:
            return self.topic(ctx, arn)
        except ServiceError as error:
            if error.code in ("NotFound", "InvalidParameter"):
                raise ServiceError("ResourceNotFound", "Resource does not exist") from None
            raise
