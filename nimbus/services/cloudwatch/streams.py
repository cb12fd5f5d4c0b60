"""Metric streams: PutMetricStream, GetMetricStream, ListMetricStreams, DeleteMetricStream, Start and
StopMetricStreams. A running stream's datapoints reach its Firehose delivery stream (stream_delivery.py)."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import combination, invalid, streams_ns
from nimbus.services.cloudwatch.documents import STREAM, MetricStream
from nimbus.services.cloudwatch.stream_delivery import STREAM_PRINCIPAL
from nimbus.services.cloudwatch.tagging import TaggingOps

FORMATS = ("json", "opentelemetry0.7", "opentelemetry1.0")
PAGE = 100
RESOURCE_TYPE = "AWS::CloudWatch::MetricStream"


def _refused(message: str) -> ServiceError:
    return invalid(message)


def _shown(stream: MetricStream) -> dict:
    out = {k: v for k, v in stream.items() if k not in ("SchemaVersion", "DeliveredUntil")}
    for name in ("CreationDate", "LastUpdateDate"):
        out[name] = timestamp(stream[name])  # type: ignore[literal-required]
    return out


class StreamOps(TaggingOps):
    def put_metric_stream(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("IncludeFilters") and params.get("ExcludeFilters"):
            raise combination("You cannot include both IncludeFilters and ExcludeFilters.")
        if params["OutputFormat"] not in FORMATS:
            raise invalid(f"The value {params['OutputFormat']} for parameter OutputFormat is invalid.")
        if not re.fullmatch(r"arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream/[\w.-]+", params["FirehoseArn"]):
            raise invalid(f"The value {params['FirehoseArn']} for parameter FirehoseArn is invalid.")
        name, now = params["Name"], self.clock.time()
        arn = ctx.arn(f"metric-stream/{name}")
        check_pass_role(ctx, params["RoleArn"], STREAM_PRINCIPAL, f"metric-stream-{name}"[:64], _refused)
        ns = streams_ns(ctx.account_id, ctx.region)
        with self.store.transaction():
            old = STREAM.get(self.store, ns, name)
            stream = MetricStream(
                Arn=arn, Name=name, FirehoseArn=params["FirehoseArn"], RoleArn=params["RoleArn"],
                OutputFormat=params["OutputFormat"], IncludeFilters=params.get("IncludeFilters") or [],
                ExcludeFilters=params.get("ExcludeFilters") or [],
                StatisticsConfigurations=params.get("StatisticsConfigurations") or [],
                IncludeLinkedAccountsMetrics=params.get("IncludeLinkedAccountsMetrics", False),
                State=old["State"] if old else "running", CreationDate=old["CreationDate"] if old else now,
                LastUpdateDate=now, DeliveredUntil=old.get("DeliveredUntil", now) if old else now)
            STREAM.put(self.store, ns, name, stream)
            if params.get("Tags") and old is None:
                self.add_tags(ctx, arn, params["Tags"])
        ctx.emit_resource_change(RESOURCE_TYPE, arn, "updated" if old else "created", lambda: {"Name": name})
        return {"Arn": arn}

    def _stream(self, ctx: RequestContext, name: str) -> MetricStream:
        stream = STREAM.get(self.store, streams_ns(ctx.account_id, ctx.region), name)
        if stream is None:
            raise ServiceError("ResourceNotFoundException", f"Metric stream {name} not found.",
                               ResourceType="MetricStream", ResourceId=name)
        return stream

    def get_metric_stream(self, ctx: RequestContext, params: dict) -> dict:
        return _shown(self._stream(ctx, params["Name"]))

    def list_metric_streams(self, ctx: RequestContext, params: dict) -> dict:
        limit = params.get("MaxResults") or PAGE
        found = STREAM.scan(self.store, streams_ns(ctx.account_id, ctx.region), start_after=params.get("NextToken"),
                            limit=limit + 1)
        entries = [{k: v for k, v in _shown(s).items() if k in ("Arn", "CreationDate", "LastUpdateDate", "Name",
                                                                  "FirehoseArn", "State", "OutputFormat")}
                   for _, s in found[:limit]]
        out: dict = {"Entries": entries}
        if len(found) > limit:
            out["NextToken"] = found[limit - 1][0]
        return out

    def delete_metric_stream(self, ctx: RequestContext, params: dict) -> dict:
        stream = STREAM.get(self.store, streams_ns(ctx.account_id, ctx.region), params["Name"])
        if stream is not None:
            self.store.delete(streams_ns(ctx.account_id, ctx.region), params["Name"])
            self.drop_tags(ctx, stream["Arn"])
            ctx.emit_resource_change(RESOURCE_TYPE, stream["Arn"], "deleted")
        return {}

    def start_metric_streams(self, ctx: RequestContext, params: dict) -> dict:
        return self._set_state(ctx, params["Names"], "running")

    def stop_metric_streams(self, ctx: RequestContext, params: dict) -> dict:
        return self._set_state(ctx, params["Names"], "stopped")

    def _set_state(self, ctx: RequestContext, names: list[str], state: str) -> dict:
        with self.store.transaction():
            for name in names:
                stream = self._stream(ctx, name)
                if stream["State"] != state:
                    stream["State"], stream["LastUpdateDate"] = state, self.clock.time()
                    if state == "running":
                        stream["DeliveredUntil"] = self.clock.time()  # a stopped stream sends nothing later
                    STREAM.put(self.store, streams_ns(ctx.account_id, ctx.region), name, stream)
                    ctx.emit_resource_change(RESOURCE_TYPE, stream["Arn"], "updated", lambda: {"State": state})
        return {}
