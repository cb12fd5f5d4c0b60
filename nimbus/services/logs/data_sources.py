"""What Logs knows about where a group's data comes from: ListAggregateLogGroupSummaries (groups counted by
data source), GetLogFields (the fields of a data source's events) and GetLogObject (large log objects).

Only the managed groups nimbus creates know their data source (``aws_cloudtrail`` / ``cloudtrail``, from import
tasks); every other group counts as ``unknown``. nimbus serves no OpenTelemetry ingestion, so no event has a
large log object and every pointer is unknown."""
from __future__ import annotations

import json
from collections import Counter

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import groups_ns, page, streams_ns
from .documents import LOG_GROUP, LogGroup
from .event_store import EventStore
from .state import LogsState

UNKNOWN = {"name": "unknown", "type": "unknown"}
SAMPLE = 1000  # events read per group to discover a data source's fields


def _source(group: LogGroup) -> dict[str, str]:
    return group.get("dataSource") or UNKNOWN


def _name_matches(pattern: str | None, name: str) -> bool:
    """AWS's pattern: up to five alternatives separated by ``|``, each a substring, or a prefix after ``^``."""
    if not pattern:
        return True
    name = name.lower()
    return any(name.startswith(alt[1:].lower()) if alt.startswith("^") else alt.lower() in name
               for alt in pattern.split("|"))


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {dict: "struct", list: "array"}.get(type(value), "string")


class DataSourceOps(LogsState):
    def _groups(self, ctx: RequestContext) -> list[LogGroup]:
        return [g for _, g in LOG_GROUP.scan(self.store, groups_ns(ctx.account_id, ctx.region))]

    def list_aggregate_log_group_summaries(self, ctx: RequestContext, params: dict) -> dict:
        keys = ["name", "type"] + (["format"] if params["groupBy"] == "DATA_SOURCE_NAME_TYPE_AND_FORMAT" else [])
        wanted = params.get("dataSources") or []
        counts: Counter = Counter()
        for group in self._groups(ctx):
            source = _source(group)
            if params.get("logGroupClass") not in (None, group.get("logGroupClass", "STANDARD")) \
                    or not _name_matches(params.get("logGroupNamePattern"), group["logGroupName"]) \
                    or (wanted and not any(w["name"] == source["name"] and w.get("type") in (None, source["type"])
                                           for w in wanted)):
                continue
            counts[tuple(source.get(k, "unknown") for k in keys)] += 1
        rows = [{"logGroupCount": n, "groupingIdentifiers": [{"key": f"dataSource.{k}", "value": v}
                                                              for k, v in zip(keys, values, strict=True)]}
                for values, n in sorted(counts.items())]
        return page(rows, params, "aggregateLogGroupSummaries",
                    lambda r: [i["value"] for i in r["groupingIdentifiers"]])

    def get_log_fields(self, ctx: RequestContext, params: dict) -> dict:
        wanted = {"name": params["dataSourceName"], "type": params["dataSourceType"]}
        groups = [g for g in self._groups(ctx) if _source(g) == wanted and g.get("dataSource")]
        if not groups:
            raise ServiceError("ResourceNotFoundException", f"No log groups found for data source "
                               f"{wanted['name']} of type {wanted['type']}.")
        fields: dict[str, str] = {"@timestamp": "timestamp", "@message": "string", "@logStream": "string"}
        events = EventStore(self.store, ctx.account_id, ctx.region)
        for group in groups:
            for stream, _ in self.store.scan(streams_ns(ctx.account_id, ctx.region, group["logGroupName"])):
                for _, doc in events.scan(group["logGroupName"], stream, limit=SAMPLE):
                    try:
                        message = json.loads(doc["m"])
                    except ValueError:
                        continue
                    if isinstance(message, dict):
                        for key, value in message.items():
                            fields.setdefault(key, _json_type(value))
        return {"logFields": [{"logFieldName": name, "logFieldType": {"type": kind}}
                              for name, kind in fields.items()]}

    def get_log_object(self, ctx: RequestContext, params: dict) -> dict:
        raise ServiceError("ResourceNotFoundException",
                           f"The log object {params['logObjectPointer']} does not exist.")
