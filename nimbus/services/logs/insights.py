"""Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries, GetLogGroupFields, GetLogRecord.

The query text is compiled when StartQuery is called (a malformed query is MalformedQueryException with its
location, as AWS answers); the query then runs in the background (insights_run.py) and GetQueryResults reads
its status, rows and statistics. Queries are kept for 7 days of virtual time, as AWS keeps them.
"""
from __future__ import annotations

import json
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError

from .common import DAY_MS, group_name_of, groups_ns, invalid, now_ms, page, queries_ns, streams_ns
from .data_protection import mask_for, mask_groups
from .documents import INSIGHTS_QUERY, LOG_GROUP, InsightsQuery
from .event_store import EventStore, event_key, key_timestamp
from .insights_lookup import load_lookups
from .insights_query import compile_query
from .state import LogsState

MAX_GROUPS = 50
MAX_CONCURRENT = 30
KEPT_MS = 7 * DAY_MS
FIELDS_WINDOW_MS = 15 * 60 * 1000  # GetLogGroupFields samples the 15 minutes before `time`
SYSTEM_FIELDS = ("@timestamp", "@message", "@logStream", "@log", "@ingestionTime")


def _flatten(document, prefix: str = "") -> list[str]:
    if isinstance(document, dict):
        return [name for key, value in document.items() for name in _flatten(value, f"{prefix}{key}.")]
    return [prefix[:-1]] if prefix else []


class InsightsOps(LogsState):
    def start_query(self, ctx: RequestContext, params: dict) -> dict:
        if (params.get("queryLanguage") or "CWLI") != "CWLI":
            raise invalid("nimbus runs Logs Insights QL (CWLI) queries only.")
        given = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if params.get(k)]
        if len(given) != 1:
            raise invalid("Exactly one of logGroupName, logGroupNames and logGroupIdentifiers must be given.")
        names = params[given[0]] if given[0] != "logGroupName" else [params["logGroupName"]]
        groups = [group_name_of({"logGroupIdentifier": n}) for n in names]
        if len(groups) > MAX_GROUPS:
            raise invalid(f"A query can search at most {MAX_GROUPS} log groups.")
        for group in groups:
            self.log_group(ctx, group)
        if params["endTime"] < params["startTime"]:
            raise invalid("endTime must be greater than or equal to startTime.")
        plan = compile_query(params["queryString"], ctx.account_id)
        load_lookups(self.store, ctx.account_id, ctx.region, plan.lookups)  # the tables exist, with those fields
        if self.queries.count() >= MAX_CONCURRENT:
            raise ServiceError("LimitExceededException", "Account maximum query concurrency limit of "
                               f"[{MAX_CONCURRENT}] reached.")
        query: InsightsQuery = {
            "queryId": str(uuid.uuid4()), "queryString": params["queryString"], "status": "Scheduled",
            "createTime": now_ms(ctx), "logGroupNames": groups, "startTime": params["startTime"],
            "endTime": params["endTime"], "queryLanguage": "CWLI"}
        if params.get("limit"):
            query["limit"] = params["limit"]
        INSIGHTS_QUERY.put(self.store, queries_ns(ctx.account_id, ctx.region), query["queryId"], query)
        self.queries.start(ctx.account_id, ctx.region, query, plan)
        return {"queryId": query["queryId"]}

    def _query(self, ctx: RequestContext, query_id: str) -> InsightsQuery:
        query = INSIGHTS_QUERY.get(self.store, queries_ns(ctx.account_id, ctx.region), query_id)
        if query is None or now_ms(ctx) - query["createTime"] > KEPT_MS:
            raise ServiceError("ResourceNotFoundException", f"Query {query_id} does not exist.")
        if query["status"] in ("Scheduled", "Running") and not self.queries.running(query_id):
            query["status"] = "Failed"  # its process ended (a restart) before it did
        return query

    def get_query_results(self, ctx: RequestContext, params: dict) -> dict:
        query = self._query(ctx, params["queryId"])
        results = query.get("results", [])
        mask = mask_groups(self.store, ctx, query["logGroupNames"])
        if mask is not None:
            results = [[{**cell, "value": mask(cell["value"])} for cell in row] for row in results]
        return {"queryLanguage": "CWLI", "status": query["status"], "results": results,
                "statistics": query.get("statistics", {"recordsMatched": 0.0, "recordsScanned": 0.0,
                                                       "bytesScanned": 0.0})}

    def stop_query(self, ctx: RequestContext, params: dict) -> dict:
        query = self._query(ctx, params["queryId"])
        if query["status"] not in ("Scheduled", "Running"):
            raise invalid(f"Query {params['queryId']} is not running (its status is {query['status']}).")
        return {"success": self.queries.cancel(params["queryId"])}

    def describe_queries(self, ctx: RequestContext, params: dict) -> dict:
        queries = [self._query(ctx, q["queryId"]) for _, q in
                   INSIGHTS_QUERY.scan(self.store, queries_ns(ctx.account_id, ctx.region))
                   if now_ms(ctx) - q["createTime"] <= KEPT_MS]
        if params.get("logGroupName"):
            queries = [q for q in queries if params["logGroupName"] in q["logGroupNames"]]
        if params.get("status"):
            queries = [q for q in queries if q["status"] == params["status"]]
        queries.sort(key=lambda q: (-q["createTime"], q["queryId"]))
        rows = [{"queryLanguage": "CWLI", "queryId": q["queryId"], "queryString": q["queryString"],
                 "status": q["status"], "createTime": q["createTime"], "logGroupName": q["logGroupNames"][0],
                 **({"queryDuration": q["queryDuration"]} if "queryDuration" in q else {}),
                 "bytesScanned": q.get("statistics", {}).get("bytesScanned", 0.0)} for q in queries]
        return page(rows, {"limit": params.get("maxResults") or 1000, "nextToken": params.get("nextToken")},
                    "queries", lambda q: [-q["createTime"], q["queryId"]])

    def get_log_group_fields(self, ctx: RequestContext, params: dict) -> dict:
        group = group_name_of(params)
        self.log_group(ctx, group)
        end = params["time"] * 1000 if params.get("time") else now_ms(ctx)
        events = EventStore(self.store, ctx.account_id, ctx.region)
        counts: dict[str, int] = {}
        total = 0
        after = f"{int(event_key(end - FIELDS_WINDOW_MS, 0)) - 1:036d}"
        for stream, _ in self.store.scan(streams_ns(ctx.account_id, ctx.region, group)):
            for key, doc in events.scan(group, stream, after=after, limit=10_000):
                if key_timestamp(key) > end:
                    break
                total += 1
                try:
                    names = _flatten(read_json(doc["m"]))
                except ValueError:
                    names = []
                for name in set(names):
                    counts[name] = counts.get(name, 0) + 1
        fields = [{"name": name, "percent": 100} for name in SYSTEM_FIELDS] if total else []
        fields += [{"name": n, "percent": round(100 * c / total)} for n, c in sorted(counts.items())]
        return {"logGroupFields": fields}

    def get_log_record(self, ctx: RequestContext, params: dict) -> dict:
        parts = params["logRecordPointer"].split(":")
        if len(parts) != 3 or not parts[2].isdigit():
            raise invalid("The specified logRecordPointer is invalid.")
        group, stream, key = parts
        doc = self.store.get(EventStore(self.store, ctx.account_id, ctx.region).ns(group, stream), key)
        if doc is None:
            raise ServiceError("ResourceNotFoundException", "The specified log record does not exist.")
        record = {"@timestamp": str(key_timestamp(key)), "@message": doc["m"], "@logStream": stream,
                  "@log": f"{ctx.account_id}:{group}", "@ingestionTime": str(doc["i"])}
        try:
            document = read_json(doc["m"])
        except ValueError:
            document = None
        for name in _flatten(document):
            value = document
            for part in name.split("."):
                value = value[part]
            record.setdefault(name, value if isinstance(value, str) else json.dumps(value))
        group_doc = LOG_GROUP.get(self.store, groups_ns(ctx.account_id, ctx.region), group)
        mask = mask_for(self.store, ctx, group_doc, bool(params.get("unmask"))) if group_doc else None
        if mask is not None:
            record = {name: mask(value) for name, value in record.items()}
        return {"logRecord": record}
