"""What an accepted PutLogEvents batch sets off besides storing it: subscription payloads (queued in the
same transaction, so they are as durable as the events), metric filters, and Logs' own metrics
(``AWS/Logs`` IncomingLogEvents and IncomingBytes, by LogGroupName and for the account)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.metrics import publish_metric

from .common import metric_filters_ns, now_ms, subscriptions_ns
from .documents import METRIC_FILTER, SUBSCRIPTION_FILTER, MetricFilter
from .event_store import event_id, event_key
from .forwarding import enqueue
from .metric_filters import matcher, publish_matches


def queue_subscriptions(ctx: RequestContext, store, group: str, stream: str, first_seq: int,
                        events: list[dict], transformed: list[dict]) -> bool:
    """Inside PutLogEvents' transaction: one outbox entry per filter with matching events (the events as sent,
    or as the group's transformer made them for a filter with applyOnTransformedLogs)."""
    queued = False
    for _, subscription in SUBSCRIPTION_FILTER.scan(store, subscriptions_ns(ctx.account_id, ctx.region, group)):
        test = matcher(subscription["filterPattern"])
        seen = transformed if subscription.get("applyOnTransformedLogs") else events
        matched = [[event_id(stream, event_key(e["timestamp"], first_seq + offset)), e["timestamp"], e["message"]]
                   for offset, e in enumerate(seen) if test(e["message"])]
        if matched:
            enqueue(store, {
                "account": ctx.account_id, "region": ctx.region, "group": group, "stream": stream,
                "filter": subscription["filterName"], "destination": subscription["destinationArn"],
                "role": subscription.get("roleArn"), "distribution": subscription.get("distribution", "ByLogStream"),
                "events": matched, "queued": now_ms(ctx), "attempts": 0,
            })
            queued = True
    return queued


def metric_filters(ctx: RequestContext, store, group: str) -> list[MetricFilter]:
    return [f for _, f in METRIC_FILTER.scan(store, metric_filters_ns(ctx.account_id, ctx.region, group))]


def publish_ingestion(ctx: RequestContext, group: str, events: list[dict], filters: list[MetricFilter],
                      transformed: list[dict]) -> None:
    """After the batch is committed; metric filters with applyOnTransformedLogs see the transformed events."""
    publish_matches(ctx, [f for f in filters if not f.get("applyOnTransformedLogs")], events)
    publish_matches(ctx, [f for f in filters if f.get("applyOnTransformedLogs")], transformed)
    size = sum(len(e["message"].encode()) for e in events)
    for dimensions in ({"LogGroupName": group}, {}):
        for name, value, unit in (("IncomingLogEvents", len(events), "None"), ("IncomingBytes", size, "Bytes")):
            publish_metric(ctx.runtime.events, ctx.clock.now(), ctx.account_id, ctx.region, "AWS/Logs", name,
                           dimensions, value, unit)
