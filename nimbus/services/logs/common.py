"""What every CloudWatch Logs module shares: namespaces, ARNs, errors, lookups, paging tokens."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

DAY_MS = 86_400_000


groups_ns = Namespace("logs", "groups")
streams_ns = Namespace("logs", "streams")
subscriptions_ns = Namespace("logs", "subscriptions")  # + group name
metric_filters_ns = Namespace("logs", "metricfilters")  # + group name
destinations_ns = Namespace("logs", "destinations")
queries_ns = Namespace("logs", "queries")
query_definitions_ns = Namespace("logs", "querydefinitions")
export_tasks_ns = Namespace("logs", "exports")
account_policies_ns = Namespace("logs", "accountpolicies")  # + policy type
# Subscription payloads not yet delivered, of every account: the forwarder drains them in key order.
OUTBOX_NS = ("logs", "outbox")
SERVICE_PRINCIPAL = "logs.amazonaws.com"


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def group_missing() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log group does not exist.")


def stream_missing() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log stream does not exist.")


def group_arn(ctx, name: str) -> str:
    return ctx.arn(f"log-group:{name}")


def now_ms(ctx) -> int:
    return int(ctx.clock.time() * 1000)


def group_name_of(params: dict) -> str:
    """logGroupName, or the name in logGroupIdentifier (a name or an ARN); not both."""
    name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
    if name and identifier:
        raise invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if identifier:
        if identifier.startswith("arn:"):
            parts = identifier.split(":")
            if len(parts) < 7 or parts[5] != "log-group":
                raise invalid("Invalid logGroupIdentifier")
            return parts[6]
        return identifier
    if not name:
        raise invalid("Either logGroupName or logGroupIdentifier must be specified.")
    return name


def encode_token(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_token(token: str | None, required_keys: tuple[str, ...]) -> dict | None:
    if token is None:
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid("The specified nextToken is invalid.") from None
    if not isinstance(state, dict) or any(k not in state for k in required_keys):
        raise invalid("The specified nextToken is invalid.")
    return state


def page(rows: list, params: dict, list_name: str, marker: Callable[[Any], Any]) -> dict:
    """One page of ``rows`` (in ``marker`` order) after the request's ``nextToken``, ``limit`` (default 50)."""
    state = decode_token(params.get("nextToken"), ("after",))
    if state:
        rows = [row for row in rows if marker(row) > state["after"]]
    limit = params.get("limit") or 50
    output: dict = {list_name: rows[:limit]}
    if len(rows) > limit:
        output["nextToken"] = encode_token({"after": marker(rows[limit - 1])})
    return output
