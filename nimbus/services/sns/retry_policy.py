"""The delays between delivery attempts that an HTTP/S delivery policy describes.

AWS's four phases: immediate retries, pre-backoff retries at minDelayTarget, backoff retries
growing from minDelayTarget to maxDelayTarget by the backoff function, post-backoff retries at
maxDelayTarget; numRetries counts them all.
"""
from __future__ import annotations

import math

from .common import invalid_parameter


def retry_delays(policy: dict) -> list[float]:
    """Seconds to wait before each retry (its length is the number of retries)."""
    minimum = float(policy.get("minDelayTarget", 20))
    maximum = float(policy.get("maxDelayTarget", 20))
    total = int(policy.get("numRetries", 3))
    immediate = int(policy.get("numNoDelayRetries", 0))
    pre = int(policy.get("numMinDelayRetries", 0))
    post = int(policy.get("numMaxDelayRetries", 0))
    backoff = max(0, total - immediate - pre - post)
    function = policy.get("backoffFunction", "linear")
    delays = [0.0] * immediate + [minimum] * pre
    for i in range(backoff):
        fraction = (i + 1) / backoff
        if function == "exponential" and minimum > 0:
            delay = minimum * math.pow(maximum / minimum, fraction)
        elif function == "geometric":
            delay = minimum + (maximum - minimum) * fraction ** 2
        elif function == "arithmetic":
            delay = minimum + (maximum - minimum) * fraction * (fraction + 1) / 2
        else:
            delay = minimum + (maximum - minimum) * fraction
        delays.append(round(delay, 3))
    delays += [maximum] * post
    return delays[:max(total, 0)]


def max_per_second(policy: dict) -> float | None:
    """An effective policy's throttle: at most this many deliveries per second to the subscription."""
    value = (policy.get("throttlePolicy") or {}).get("maxReceivesPerSecond")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def check_throttle_policy(policy, where: str) -> None:
    if not isinstance(policy, dict):
        raise invalid_parameter(f"DeliveryPolicy: {where} must be an object")
    value = policy.get("maxReceivesPerSecond")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise invalid_parameter(f"DeliveryPolicy: {where}.maxReceivesPerSecond must be an integer of at least 1")


def should_retry(status: int | None) -> bool:
    """Connection failures, 5xx and 429 are retried; other answers are final, as in AWS."""
    return status is None or status >= 500 or status == 429


BACKOFF_FUNCTIONS = ("linear", "arithmetic", "geometric", "exponential")


def check_retry_policy(policy, where: str) -> None:
    """AWS's bounds for an HTTP/S retry policy; raises InvalidParameter naming the problem."""
    def fail(detail: str):
        raise invalid_parameter(f"DeliveryPolicy: {where}.{detail}")
    if not isinstance(policy, dict):
        fail("must be an object")
    numbers = {}
    for key in ("minDelayTarget", "maxDelayTarget", "numRetries", "numNoDelayRetries", "numMinDelayRetries",
                "numMaxDelayRetries"):
        if key in policy:
            value = policy[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                fail(f"{key} must be a non-negative integer")
            numbers[key] = value
    if numbers.get("numRetries", 3) > 100:
        fail("numRetries must be at most 100")
    low, high = numbers.get("minDelayTarget", 20), numbers.get("maxDelayTarget", 20)
    if low < 1 or high > 3600 or low > high:
        fail("minDelayTarget must be between 1 and maxDelayTarget, which must be at most 3600")
    phases = sum(numbers.get(k, 0) for k in ("numNoDelayRetries", "numMinDelayRetries", "numMaxDelayRetries"))
    if phases > numbers.get("numRetries", 3):
        fail("numRetries must cover numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries")
    if policy.get("backoffFunction", "linear") not in BACKOFF_FUNCTIONS:
        fail("backoffFunction must be one of linear, arithmetic, geometric, exponential")
