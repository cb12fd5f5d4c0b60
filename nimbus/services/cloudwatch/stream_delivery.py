"""Metric streams delivering: each running stream sends, once a minute of virtual time has passed, every
datapoint of the metrics its filters select that arrived since its last delivery, aggregated per minute, to
its Firehose delivery stream with PutRecordBatch as the stream's role (``json`` output: one JSON object per
line, as AWS writes them; the OpenTelemetry formats are sent as the same JSON)."""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.aggregation import periods
from nimbus.services.cloudwatch.common import metrics_ns, regions_with, streams_ns
from nimbus.services.cloudwatch.documents import METRIC, STREAM, Metric, MetricStream

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
STREAM_PRINCIPAL = "streams.metrics.cloudwatch.amazonaws.com"
MINUTE = 60
BATCH = 500  # PutRecordBatch's limit


def _selected(stream: MetricStream, metric: Metric) -> bool:
    def matches(rule: dict[str, Any]) -> bool:
        names = rule.get("MetricNames") or []
        return rule.get("Namespace") == metric["Namespace"] and (not names or metric["MetricName"] in names)
    if stream.get("IncludeFilters"):
        return any(matches(rule) for rule in stream["IncludeFilters"])
    return not any(matches(rule) for rule in stream.get("ExcludeFilters") or [])


def deliver_streams(runtime: Runtime, now: float) -> None:
    store = runtime.store
    for account, region in regions_with(store, "metric-streams"):
        for name, stream in STREAM.scan(store, streams_ns(account, region)):
            since = stream.get("DeliveredUntil", now)
            until = now // MINUTE * MINUTE
            if stream["State"] != "running" or until <= since:
                continue
            lines = []
            for _, metric in METRIC.scan(store, metrics_ns(account, region)):
                if _selected(stream, metric):
                    lines.extend(_lines(runtime, account, region, stream, metric, since, until))
            try:
                for start in range(0, len(lines), BATCH):
                    runtime.client.call_as_role(
                        stream["RoleArn"], "firehose", "PutRecordBatch",
                        {"DeliveryStreamName": stream["FirehoseArn"].rsplit("/", 1)[-1],
                         "Records": [{"Data": line} for line in lines[start:start + BATCH]]},
                        invoked_by=STREAM_PRINCIPAL, session_name=f"metric-stream-{name}"[:64],
                        region=stream["FirehoseArn"].split(":")[3] or region)
            except ServiceError as error:
                log.warning("metric stream %s could not deliver: %s", name, error.message)
                continue  # tried again on the next tick, from the same point
            stream["DeliveredUntil"] = until
            STREAM.put(store, streams_ns(account, region), name, stream)


def _lines(runtime: Runtime, account: str, region: str, stream: MetricStream, metric: Metric, since: float,
           until: float) -> list[bytes]:
    out = []
    start = since // MINUTE * MINUTE
    for slot, bucket in sorted(periods(runtime.store, account, region, metric, start, until, MINUTE).items()):
        record = {"metric_stream_name": stream["Name"], "account_id": account, "region": region,
                  "namespace": metric["Namespace"], "metric_name": metric["MetricName"],
                  "dimensions": {d["Name"]: d["Value"] for d in metric["Dimensions"]},
                  "timestamp": int(slot * 1000),
                  "value": {"max": bucket["hi"], "min": bucket["lo"], "sum": bucket["s"], "count": bucket["n"]},
                  "unit": "None"}
        out.append((json.dumps(record) + "\n").encode())
    return out
