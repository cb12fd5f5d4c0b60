"""Parameter policies (Advanced tier): Expiration, ExpirationNotification and NoChangeNotification.

Validated as AWS documents them; Expiration deletes the parameter on the virtual clock (expiry.py).
The notifications are kept and reported: nimbus serves no EventBridge to send them to.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError

MAX_POLICIES = 10
UNITS = ("Days", "Hours")
# Each policy type and the attribute its number is in (Expiration's is a timestamp instead).
NOTIFICATIONS = {"ExpirationNotification": "Before", "NoChangeNotification": "After"}


def invalid_attribute(detail: str) -> ServiceError:
    return ServiceError("InvalidPolicyAttributeException", f"A policy attribute or its value is invalid. {detail}")


def parse_policies(text: str, now: float) -> list[dict]:
    """The policies of PutParameter's ``Policies`` JSON array, checked."""
    try:
        policies = read_json(text)
    except ValueError:
        raise invalid_attribute("The policies are not a valid JSON array.") from None
    if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
        raise invalid_attribute("The policies are not a valid JSON array.")
    if len(policies) > MAX_POLICIES:
        raise ServiceError("PoliciesLimitExceededException",
                           f"You specified more than the maximum number of allowed policies for the parameter. "
                           f"The maximum is {MAX_POLICIES}.")
    seen: set[str] = set()
    for policy in policies:
        kind = policy.get("Type")
        if kind != "Expiration" and kind not in NOTIFICATIONS:
            raise ServiceError("InvalidPolicyTypeException",
                               f"The policy type {kind} is not supported. Parameter Store supports the following "
                               "policy types: Expiration, ExpirationNotification, and NoChangeNotification.")
        if kind in seen:
            raise ServiceError("IncompatiblePolicyException",
                               f"There is a conflict in the policies specified for this parameter: more than one "
                               f"{kind} policy. Review your policies, and try again.")
        seen.add(kind)
        if policy.get("Version", "1.0") != "1.0":
            raise invalid_attribute("The policy Version must be 1.0.")
        attributes = policy.get("Attributes")
        if not isinstance(attributes, dict):
            raise invalid_attribute(f"The {kind} policy has no Attributes.")
        if kind == "Expiration":
            when = expiration_time([policy])
            if when is None:
                raise invalid_attribute("Timestamp must be an ISO 8601 date and time, such as "
                                        "2020-05-13T00:00:00.000Z.")
            if when <= now:
                raise invalid_attribute("Timestamp must be in the future.")
        else:
            _check_notification(kind, attributes)
    return policies


def _check_notification(kind: str, attributes: dict) -> None:
    number = attributes.get(NOTIFICATIONS[kind])
    if not isinstance(number, str) or not number.isdigit() or int(number) < 1:
        raise invalid_attribute(f"{NOTIFICATIONS[kind]} must be a whole number of at least 1, as a string.")
    if attributes.get("Unit", "Days") not in UNITS:
        raise invalid_attribute("Unit must be Days or Hours.")


def expiration_time(policies: list[dict]) -> float | None:
    """When an Expiration policy deletes the parameter (epoch seconds), or None."""
    for policy in policies:
        if policy.get("Type") != "Expiration":
            continue
        stamp = policy.get("Attributes", {}).get("Timestamp")
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except (AttributeError, ValueError):
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    return None


def policy_texts(policies: list[dict]) -> list[str]:
    return [json.dumps(p, separators=(",", ":")) for p in policies]


def policies_output(texts: list[str]) -> list[dict]:
    """ParameterMetadata's Policies: each one's text, type and status."""
    out = []
    for text in texts:
        kind = json.loads(text).get("Type")
        out.append({"PolicyText": text, "PolicyType": kind, "PolicyStatus": "Pending"})
    return out
