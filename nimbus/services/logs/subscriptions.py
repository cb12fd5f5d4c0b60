"""Subscription filters: PutSubscriptionFilter / Describe / Delete, up to two per log group.

Putting a filter checks what AWS checks: the pattern parses, the caller may pass the role (iam:PassRole),
a cross-account destination's access policy lets the caller's account subscribe, and a control message
reaches the target as the role. Delivery itself is forwarding.py's.
"""
from __future__ import annotations

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

from .common import SERVICE_PRINCIPAL, group_arn, invalid, now_ms, page, subscriptions_ns
from .documents import SUBSCRIPTION_FILTER, SubscriptionFilter
from .filter_pattern import compile_pattern
from .forwarding import DESTINATION_MISSING, SESSION_NAME, control_payload, destination_of, resolve, send, target_kind
from .state import LogsState

MAX_FILTERS = 2
CHECKED_NAMES = {"kinesis": "Kinesis stream", "firehose": "Firehose stream"}


class SubscriptionOps(LogsState):
    def put_subscription_filter(self, ctx: RequestContext, params: dict) -> dict:
        group_name = params["logGroupName"]
        self.standard_only(self.log_group(ctx, group_name), "Subscription filters")
        compile_pattern(params["filterPattern"])
        destination_arn, role_arn = params["destinationArn"], params.get("roleArn")
        kind = target_kind(destination_arn)
        source = CallSource(group_arn(ctx, group_name), ctx.account_id)
        if kind == "logs":
            self._may_subscribe(ctx, destination_arn)
        elif role_arn:
            check_pass_role(ctx, role_arn, SERVICE_PRINCIPAL, SESSION_NAME, _undeliverable(kind), source)
        target, role = resolve(self.store, destination_arn, role_arn)
        try:
            send(self.runtime, target, role, control_payload(now_ms(ctx), CHECKED_NAMES[target_kind(target)]),
                 "control", source)
        except ServiceError:
            raise _undeliverable(target_kind(target))("") from None
        ns = subscriptions_ns(ctx.account_id, ctx.region, group_name)
        with self.store.transaction():
            existing = [name for name, _ in self.store.scan(ns)]
            if params["filterName"] not in existing and len(existing) >= MAX_FILTERS:
                raise ServiceError("LimitExceededException", "Resource limit exceeded.")
            subscription: SubscriptionFilter = {
                "filterName": params["filterName"], "logGroupName": group_name,
                "filterPattern": params["filterPattern"], "destinationArn": destination_arn,
                "creationTime": now_ms(ctx), "distribution": params.get("distribution") or "ByLogStream",
                "applyOnTransformedLogs": bool(params.get("applyOnTransformedLogs")),
            }
            if role_arn:
                subscription["roleArn"] = role_arn
            SUBSCRIPTION_FILTER.put(self.store, ns, params["filterName"], subscription)
        return {}

    def _may_subscribe(self, ctx: RequestContext, arn: str) -> None:
        """Another account's destination: its access policy must let the caller's account subscribe."""
        destination = destination_of(self.store, arn)
        if destination is None:
            raise ServiceError("ResourceNotFoundException", DESTINATION_MISSING)
        owner = arn.split(":")[4]
        if owner != ctx.account_id:
            ctx.authorize("logs:PutSubscriptionFilter", arn, resource_policy=destination.get("accessPolicy"),
                          resource_account=owner, mode="always", must_grant=True,
                          error=lambda _decision: ServiceError(
                              "AccessDeniedException", f"User with accountId: {ctx.account_id} is not authorized "
                              f"to perform: logs:PutSubscriptionFilter on resource: {arn}"))

    def describe_subscription_filters(self, ctx: RequestContext, params: dict) -> dict:
        group_name = params["logGroupName"]
        self.log_group(ctx, group_name)
        rows = [f for _, f in SUBSCRIPTION_FILTER.scan(self.store, subscriptions_ns(ctx.account_id, ctx.region,
                                                                                    group_name),
                                                       prefix=params.get("filterNamePrefix") or "")]
        return page(rows, params, "subscriptionFilters", lambda f: f["filterName"])

    def delete_subscription_filter(self, ctx: RequestContext, params: dict) -> dict:
        self.log_group(ctx, params["logGroupName"])
        self.delete_or_missing(subscriptions_ns(ctx.account_id, ctx.region, params["logGroupName"]),
                               params["filterName"], "The specified subscription filter does not exist.")
        return {}


UNDELIVERABLE = {
    "kinesis": "Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is "
               "in ACTIVE state.",
    "firehose": "Could not deliver test message to specified Firehose stream. Check if the given Firehose stream "
                "is in ACTIVE state.",
}


def _undeliverable(kind: str):
    return lambda _why: invalid(UNDELIVERABLE[kind])
