"""Pushes to platform endpoints: nimbus cannot reach APNs or FCM, so it records what the push service
would have received (the platform payload, the device token) where ``/_nimbus/sns/recorded`` lists it.
A disabled endpoint, or one of a disabled application, gets nothing, as in AWS."""
from __future__ import annotations

from nimbus.core.arns import parse_arn
from nimbus.store.base import Store

from .common import applications_ns, endpoints_ns, invalid_parameter, sent_ns
from .documents import PLATFORM_APPLICATION, PLATFORM_ENDPOINT, PlatformApplication, PlatformEndpoint
from .fanout import next_record_seq
from .platform_rules import platform_payload


def is_endpoint_arn(arn: str | None) -> bool:
    parts = parse_arn(arn or "")
    return bool(parts) and parts["service"] == "sns" and parts["resource"].startswith("endpoint/")


def split_resource_arn(arn: str, kind: str, param: str) -> tuple[str, str, str]:
    """(account, region, key) of a platform application (``app/...``) or endpoint (``endpoint/...``) ARN."""
    parts = parse_arn(arn or "")
    if not parts or parts["service"] != "sns" or not parts["resource"].startswith(f"{kind}/"):
        raise invalid_parameter(f"{param} Reason: Wrong format for the ARN")
    key = parts["resource"][len(kind) + 1:]
    if key.count("/") != (1 if kind == "app" else 2):
        raise invalid_parameter(f"{param} Reason: Wrong format for the ARN")
    return parts["account"], parts["region"], key


def endpoint_of(store: Store, arn: str) -> PlatformEndpoint | None:
    account, region, key = split_resource_arn(arn, "endpoint", "TargetArn")
    return PLATFORM_ENDPOINT.get(store, endpoints_ns(account, region), key)


def application_of(store: Store, arn: str) -> PlatformApplication | None:
    account, region, key = split_resource_arn(arn, "app", "PlatformApplicationArn")
    return PLATFORM_APPLICATION.get(store, applications_ns(account, region), key)


def push_record(store: Store, endpoint: PlatformEndpoint, published: dict, now: float,
                subscription_arn: str | None = None) -> tuple[tuple, str, dict] | None:
    """What the endpoint's push service would receive (namespace, key, record), or None when the endpoint
    or its application is disabled (a topic's fan-out skips it)."""
    application = application_of(store, endpoint["PlatformApplicationArn"])
    if application is None or endpoint["Attributes"].get("Enabled") != "true" \
            or application["Attributes"].get("Enabled", "true") != "true":
        return None
    account, region, _ = split_resource_arn(endpoint["EndpointArn"], "endpoint", "TargetArn")
    return sent_ns(account, region), f"{now:017.6f}-{next_record_seq():012d}", {
        "Protocol": "application", "Endpoint": endpoint["EndpointArn"], "Platform": application["Platform"],
        "Token": endpoint["Attributes"]["Token"], "SubscriptionArn": subscription_arn,
        "TopicArn": published.get("TopicArn"), "MessageId": published["MessageId"], "Type": "Notification",
        "Body": platform_payload(application["Platform"], published), "Time": now,
        "CustomUserData": endpoint["Attributes"].get("CustomUserData"),
    }
