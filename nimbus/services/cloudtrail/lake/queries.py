"""CloudTrail Lake queries: StartQuery (checked at once, run on the Lake's worker), DescribeQuery,
GetQueryResults (paged), CancelQuery and ListQueries. Results are kept 7 days (virtual clock)."""
from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.lake.documents import LAKE_QUERY, LakeQuery
from nimbus.services.cloudtrail.lake.ingest import lake_for, queries_ns
from nimbus.services.cloudtrail.lake.stores import EventDataStoreOps, inactive, store_id

MAX_CONCURRENT_QUERIES = 10
DEFAULT_RESULTS_PAGE = 1000


def _token_error() -> ServiceError:
    return ServiceError("InvalidNextTokenException", "A token that is not valid, or a token that was previously "
                        "used in a request with different parameters.")


def _token(offset: int, query_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([query_id, offset]).encode()).decode()


def _offset(token: str | None, query_id: str) -> int:
    if not token:
        return 0
    try:
        owner, offset = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        raise _token_error() from None
    if owner != query_id or not isinstance(offset, int) or offset < 0:
        raise _token_error()
    return offset


class QueryOps(EventDataStoreOps):
    def _queries(self, ctx: RequestContext) -> list[LakeQuery]:
        return [q for _, q in LAKE_QUERY.scan(self.store, queries_ns(ctx.account_id, ctx.region))]

    def _query(self, ctx: RequestContext, params: dict) -> LakeQuery:
        if params.get("EventDataStore"):
            self._event_data_store(ctx, params["EventDataStore"])
        query_id = params.get("QueryId")
        if not query_id and params.get("QueryAlias"):
            found = [q for q in self._queries(ctx) if q.get("QueryAlias") == params["QueryAlias"]]
            query_id = max(found, key=lambda q: q["CreationTime"])["QueryId"] if found else None
        query = LAKE_QUERY.get(self.store, queries_ns(ctx.account_id, ctx.region), query_id) if query_id else None
        if query is None:
            raise ServiceError("QueryIdNotFoundException", "The query ID does not exist or does not map to a query.")
        return query

    def start_query(self, ctx: RequestContext, params: dict) -> dict:
        statement = params.get("QueryStatement")
        if not statement:
            raise ServiceError("InvalidParameterException", "QueryStatement is required.")
        # The engine (sqlglot, DuckDB, Arrow: about a second of imports) loads with the first query.
        from nimbus.services.cloudtrail.lake.run import execute, referenced_stores

        ids = referenced_stores(statement)
        for name in ids:
            store = self._event_data_store(ctx, name)
            if store["Status"] == "PENDING_DELETION":
                raise inactive(store["EventDataStoreArn"])
        if sum(q["QueryStatus"] in ("QUEUED", "RUNNING") for q in self._queries(ctx)) >= MAX_CONCURRENT_QUERIES:
            raise ServiceError("MaxConcurrentQueriesException",
                               f"You are already running the maximum number of concurrent queries "
                               f"({MAX_CONCURRENT_QUERIES}). Wait a minute, and then try the query again.")
        lake = lake_for(self.runtime)
        lake.flush()  # the calls answered before this one are in the stores it reads
        query: LakeQuery = {"QueryId": str(uuid.uuid4()), "QueryString": statement, "QueryStatus": "QUEUED",
                            "CreationTime": ctx.clock.time(), "EventDataStores": ids}
        for optional in ("QueryAlias", "DeliveryS3Uri"):
            if params.get(optional):
                query[optional] = params[optional]  # type: ignore[literal-required]
        LAKE_QUERY.put(self.store, queries_ns(ctx.account_id, ctx.region), query["QueryId"], query)
        lake.submit(execute, ctx.account_id, ctx.region, query["QueryId"])
        return {"QueryId": query["QueryId"]}

    def describe_query(self, ctx: RequestContext, params: dict) -> dict:
        query = self._query(ctx, params)
        out: dict[str, Any] = {
            "QueryId": query["QueryId"], "QueryString": query["QueryString"], "QueryStatus": query["QueryStatus"],
            "QueryStatistics": {"EventsMatched": len(query.get("Rows") or ()),
                                "EventsScanned": query.get("EventsScanned", 0),
                                "BytesScanned": query.get("BytesScanned", 0),
                                "ExecutionTimeInMillis": query.get("ExecutionTimeInMillis", 0),
                                "CreationTime": timestamp(query["CreationTime"])}}
        for optional in ("ErrorMessage", "DeliveryS3Uri"):
            if query.get(optional):
                out[optional] = query[optional]  # type: ignore[literal-required]
        return out

    def get_query_results(self, ctx: RequestContext, params: dict) -> dict:
        query = self._query(ctx, params)
        size = params.get("MaxQueryResults") or DEFAULT_RESULTS_PAGE
        offset = _offset(params.get("NextToken"), query["QueryId"])
        rows = query.get("Rows") or []
        columns = query.get("Columns") or []
        chunk = rows[offset:offset + size]
        out: dict[str, Any] = {
            "QueryStatus": query["QueryStatus"],
            "QueryStatistics": {"ResultsCount": len(chunk), "TotalResultsCount": len(rows),
                                "BytesScanned": query.get("BytesScanned", 0)},
            "QueryResultRows": [[{c: v} for c, v in zip(columns, row, strict=True) if v is not None]
                                for row in chunk]}
        if offset + size < len(rows):
            out["NextToken"] = _token(offset + size, query["QueryId"])
        if query.get("ErrorMessage"):
            out["ErrorMessage"] = query["ErrorMessage"]
        return out

    def cancel_query(self, ctx: RequestContext, params: dict) -> dict:
        ns = queries_ns(ctx.account_id, ctx.region)
        with self.store.transaction():
            query = self._query(ctx, params)
            if query["QueryStatus"] not in ("QUEUED", "RUNNING"):
                raise ServiceError("InactiveQueryException",
                                   f"The query {query['QueryId']} is {query['QueryStatus']} and cannot be cancelled.")
            query["QueryStatus"] = "CANCELLED"
            LAKE_QUERY.put(self.store, ns, query["QueryId"], query)
        cancel = lake_for(self.runtime).running.get(query["QueryId"])
        if cancel is not None:
            cancel.set()  # DuckDB stops, and the worker is free for the next query at once
        return {"QueryId": query["QueryId"], "QueryStatus": "CANCELLED"}

    def list_queries(self, ctx: RequestContext, params: dict) -> dict:
        wanted = store_id(self._event_data_store(ctx, params["EventDataStore"]))
        start, end = epoch(params.get("StartTime")), epoch(params.get("EndTime"))
        if start is not None and end is not None and start > end:
            raise ServiceError("InvalidDateRangeException", "A date range for the query was specified that is not "
                               "valid. Be sure that the start time is chronologically before the end time.")
        found = sorted((q for q in self._queries(ctx) if wanted in q["EventDataStores"]
                        and (start is None or q["CreationTime"] >= start) and (end is None or q["CreationTime"] <= end)
                        and params.get("QueryStatus") in (None, q["QueryStatus"])),
                       key=lambda q: (-q["CreationTime"], q["QueryId"]))
        offset = _offset(params.get("NextToken"), wanted)
        size = params.get("MaxResults") or 1000
        out: dict[str, Any] = {"Queries": [{"QueryId": q["QueryId"], "QueryStatus": q["QueryStatus"],
                                            "CreationTime": timestamp(q["CreationTime"])}
                                           for q in found[offset:offset + size]]}
        if offset + size < len(found):
            out["NextToken"] = _token(offset + size, wanted)
        return out

