"""Topic attributes: AWS's defaults (policy, delivery policy) and the rules for setting them."""
from __future__ import annotations

import json
import re

from nimbus.core.json_text import read_json

from .common import invalid_parameter
from .data_identifiers import check_policy as check_data_protection_policy
from .documents import Topic
from .retry_policy import check_retry_policy, check_throttle_policy

TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
FIFO_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")

# Attributes a caller may set (CreateTopic and SetTopicAttributes).
SETTABLE = {
    "Policy", "DisplayName", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig",
    "ContentBasedDeduplication", "FifoTopic", "ArchivePolicy", "FifoThroughputScope", "DataProtectionPolicy",
    "HTTPSuccessFeedbackRoleArn", "HTTPFailureFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate",
    "SQSSuccessFeedbackRoleArn", "SQSFailureFeedbackRoleArn", "SQSSuccessFeedbackSampleRate",
    "LambdaSuccessFeedbackRoleArn", "LambdaFailureFeedbackRoleArn", "LambdaSuccessFeedbackSampleRate",
    "FirehoseSuccessFeedbackRoleArn", "FirehoseFailureFeedbackRoleArn", "FirehoseSuccessFeedbackSampleRate",
    "ApplicationSuccessFeedbackRoleArn", "ApplicationFailureFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate",
}
# Only settable when the topic is created.
CREATE_ONLY = {"FifoTopic"}

DEFAULT_EFFECTIVE_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}

DEFAULT_ACTIONS = [
    "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
    "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
]


def default_policy(topic_arn: str, account: str) -> str:
    """The policy AWS gives every new topic: the owner's account may do everything."""
    return json.dumps({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": DEFAULT_ACTIONS,
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
        }],
    }, separators=(",", ":"))


def check_name(name: str, fifo: bool) -> None:
    if fifo and not FIFO_TOPIC_NAME.match(name):
        raise invalid_parameter(
            "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII "
            "letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
    if not fifo and not TOPIC_NAME.match(name):
        raise invalid_parameter("Topic Name")


def _boolean(name: str, value: str) -> str:
    if value.lower() not in ("true", "false"):
        raise invalid_parameter(f"Attributes Reason: {name}: Invalid value [{value}] for {name}")
    return value.lower()


def _json_document(name: str, value: str) -> str:
    try:
        document = read_json(value)
    except ValueError:
        raise invalid_parameter(f"Attributes Reason: {name}: Invalid JSON") from None
    if not isinstance(document, dict):
        raise invalid_parameter(f"Attributes Reason: {name}: Invalid JSON")
    return value


def check_attribute(name: str, value: str, topic: Topic | None) -> str:
    """The value to store for ``name``, or InvalidParameter as AWS answers."""
    if name not in SETTABLE:
        raise invalid_parameter("AttributeName")
    fifo = topic is not None and topic["Attributes"].get("FifoTopic") == "true"
    if name in ("FifoTopic", "ContentBasedDeduplication"):
        value = _boolean(name, value)
        if name == "ContentBasedDeduplication" and value == "true" and topic is not None and not fifo:
            raise invalid_parameter(
                "Attributes Reason: Content-based deduplication can only be set for FIFO topics")
    elif name in ("Policy", "DeliveryPolicy", "ArchivePolicy", "DataProtectionPolicy"):
        if value:
            _json_document(name, value)
        if name == "DeliveryPolicy" and value:
            http = json.loads(value).get("http") or {}
            if "defaultHealthyRetryPolicy" in http:
                check_retry_policy(http["defaultHealthyRetryPolicy"], "http.defaultHealthyRetryPolicy")
            if "defaultThrottlePolicy" in http:
                check_throttle_policy(http["defaultThrottlePolicy"], "http.defaultThrottlePolicy")
        if name == "DataProtectionPolicy" and value:
            check_data_protection_policy(value)
        if name == "Policy" and value:
            statements = json.loads(value).get("Statement")
            if not isinstance(statements, (list, dict)):
                raise invalid_parameter("Policy Error: null")
    elif name == "SignatureVersion":
        if value not in ("1", "2"):
            raise invalid_parameter("Attributes Reason: SignatureVersion: Invalid value. Valid values are 1 and 2")
    elif name == "DisplayName" and len(value) > 100:
        raise invalid_parameter("DisplayName")
    elif name == "FifoThroughputScope" and value not in ("Topic", "MessageGroup"):
        raise invalid_parameter("Attributes Reason: FifoThroughputScope: Invalid value")
    elif name == "TracingConfig" and value not in ("Active", "PassThrough"):
        raise invalid_parameter("Attributes Reason: TracingConfig: Invalid value")
    return value


def effective_delivery_policy(topic: Topic) -> dict:
    policy = json.loads(json.dumps(DEFAULT_EFFECTIVE_DELIVERY_POLICY))
    custom = topic["Attributes"].get("DeliveryPolicy")
    if custom:
        http = json.loads(custom).get("http") or {}
        for key, value in http.items():
            if isinstance(value, dict) and isinstance(policy["http"].get(key), dict):
                policy["http"][key].update(value)
            else:
                policy["http"][key] = value
    return policy


def effective_subscription_policy(topic: Topic, sub_attributes: dict) -> dict:
    """A subscription's delivery policy: the topic's, overridden by its own unless the topic forbids it."""
    http = effective_delivery_policy(topic)["http"]
    retry = dict(http["defaultHealthyRetryPolicy"])
    request_policy = dict(http.get("defaultRequestPolicy") or {})
    throttle = http.get("defaultThrottlePolicy")
    own = sub_attributes.get("DeliveryPolicy")
    if own and not http.get("disableSubscriptionOverrides"):
        own = json.loads(own)
        retry.update(own.get("healthyRetryPolicy") or {})
        request_policy.update(own.get("requestPolicy") or {})
        throttle = own.get("throttlePolicy", throttle)
    return {"healthyRetryPolicy": retry, "sicklyRetryPolicy": None, "throttlePolicy": throttle,
            "requestPolicy": request_policy, "guaranteed": False}
