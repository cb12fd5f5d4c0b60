"""Scheduled queries (Create / Get / List / Update / Delete, GetScheduledQueryHistory): stored with AWS's
validation (the schedule expression, the Insights query, the groups), and run on their schedule by
scheduled_run.py, which records each run in the history."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import group_name_of, invalid, now_ms, page
from .insights_query import compile_query
from .scheduled_run import INDEX_NS, history_ns, index_key, reschedule
from .schedules import valid
from .state import LogsState
from .stored import StoredKind

QUERIES = StoredKind("scheduledqueries", "scheduled query")
SUMMARY = ("scheduledQueryArn", "name", "state", "scheduleType", "lastTriggeredTime", "lastExecutionStatus",
           "scheduleExpression", "timezone", "destinationConfiguration", "creationTime", "lastUpdatedTime")
SETTABLE = ("description", "queryLanguage", "queryString", "logGroupIdentifiers", "scheduleExpression", "timezone",
            "startTimeOffset", "endTimeOffset", "destinationConfiguration", "scheduleStartTime", "scheduleEndTime",
            "executionRoleArn", "state")


class ScheduledQueryOps(LogsState):
    def _check(self, ctx: RequestContext, params: dict) -> None:
        if not valid(params["scheduleExpression"]):
            raise invalid(f"Invalid schedule expression: {params['scheduleExpression']}")
        if params["queryLanguage"] == "CWLI":
            compile_query(params["queryString"], ctx.account_id)
        for identifier in params.get("logGroupIdentifiers") or []:
            self.log_group(ctx, group_name_of({"logGroupIdentifier": identifier}))

    def _find(self, ctx: RequestContext, identifier: str) -> dict:
        for query in QUERIES.all(self.store, ctx):
            if identifier in (query["scheduledQueryArn"], query["name"]):
                return query
        raise ServiceError("ResourceNotFoundException", "The specified scheduled query does not exist.")

    def create_scheduled_query(self, ctx: RequestContext, params: dict) -> dict:
        self._check(ctx, params)
        if QUERIES.find(self.store, ctx, params["name"]) is not None:
            raise ServiceError("ConflictException", f"A scheduled query named {params['name']} already exists.")
        now = now_ms(ctx)
        query = {"scheduledQueryArn": ctx.arn(f"scheduled-query:{params['name']}"), "name": params["name"],
                 "scheduleType": "CUSTOMER_MANAGED", "state": "ENABLED", "creationTime": now,
                 "lastUpdatedTime": now, **{k: params[k] for k in SETTABLE if params.get(k) is not None}}
        with self.store.transaction():
            QUERIES.save(self.store, ctx, params["name"], query)
            reschedule(self.store, ctx.account_id, ctx.region, query, now)
        self.schedules.wake()
        return {"scheduledQueryArn": query["scheduledQueryArn"], "state": query["state"]}

    def get_scheduled_query(self, ctx: RequestContext, params: dict) -> dict:
        return self._find(ctx, params["identifier"])

    def list_scheduled_queries(self, ctx: RequestContext, params: dict) -> dict:
        rows = [{k: q[k] for k in SUMMARY if k in q} for q in QUERIES.all(self.store, ctx)
                if (not params.get("state") or q["state"] == params["state"])
                and (not params.get("scheduleType") or q["scheduleType"] == params["scheduleType"])]
        return page(rows, {"limit": params.get("maxResults") or 50, "nextToken": params.get("nextToken")},
                    "scheduledQueries", lambda q: q["name"])

    def update_scheduled_query(self, ctx: RequestContext, params: dict) -> dict:
        query = self._find(ctx, params["identifier"])
        self._check(ctx, params)
        query.update({k: params[k] for k in SETTABLE if params.get(k) is not None})
        query["lastUpdatedTime"] = now_ms(ctx)
        with self.store.transaction():
            QUERIES.save(self.store, ctx, query["name"], query)
            reschedule(self.store, ctx.account_id, ctx.region, query, query["lastUpdatedTime"])
        self.schedules.wake()
        return query

    def delete_scheduled_query(self, ctx: RequestContext, params: dict) -> dict:
        name = self._find(ctx, params["identifier"])["name"]
        with self.store.transaction():
            QUERIES.delete(self.store, ctx, name)
            self.store.delete(INDEX_NS, index_key(ctx.account_id, ctx.region, name))
            self.store.delete_namespace(history_ns(ctx.account_id, ctx.region, name))
        return {}

    def get_scheduled_query_history(self, ctx: RequestContext, params: dict) -> dict:
        query = self._find(ctx, params["identifier"])
        start, end = params.get("startTime"), params.get("endTime")
        statuses = params.get("executionStatuses")
        rows = [r for _, r in self.store.scan(history_ns(ctx.account_id, ctx.region, query["name"]))
                if (start is None or r["triggeredTimestamp"] >= start) and (end is None or r["triggeredTimestamp"] <= end)
                and (not statuses or r["executionStatus"] in statuses)]
        return {"name": query["name"], "scheduledQueryArn": query["scheduledQueryArn"],
                **page(rows, {"limit": params.get("maxResults") or 50, "nextToken": params.get("nextToken")},
                       "triggerHistory", lambda r: r["triggeredTimestamp"])}
