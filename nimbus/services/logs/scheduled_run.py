"""Running scheduled queries on their schedule, on the virtual clock: a background job (``logs-scheduled-queries``)
keeps an index of every enabled query's next run (all accounts), and at each due time runs the Insights query over
``[due - startTimeOffset, due - endTimeOffset]``, writes its rows to the S3 destination as the destination's role
(assumed by ``logs.amazonaws.com``), and records the run in the query's history."""
from __future__ import annotations

import json
import logging
import threading
import uuid

from nimbus.core.context import CallSource
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

from .common import SERVICE_PRINCIPAL, group_name_of
from .schedules import next_run

log = logging.getLogger(__name__)

INDEX_NS = ("logs", "scheduleindex")  # "<account>\n<region>\n<name>" -> {"next": virtual ms}
queries_ns = Namespace("logs", "scheduledqueries")
history_ns = Namespace("logs", "scheduledhistory")  # + query name: "<triggered ms>" -> a TriggerHistoryRecord
DEFAULT_START_OFFSET_S = 3600


def index_key(account: str, region: str, name: str) -> str:
    return f"{account}\n{region}\n{name}"


def reschedule(store, account: str, region: str, query: dict, now_ms: int, last_due: int | None = None) -> None:
    """Put the query's next run in the index (or take it out: disabled, or past its end). After a run, the
    schedule keeps its phase from ``last_due``; runs a clock jump skipped over are not made up."""
    key = index_key(account, region, query["name"])
    expression = query["scheduleExpression"]
    due = None
    if query["state"] == "ENABLED":
        due = next_run(expression, last_due if last_due is not None
                       else max(now_ms, query.get("scheduleStartTime", 0) * 1000 - 1))
        if due is not None and due <= now_ms:
            if expression.startswith("rate("):  # the same phase, past the runs a jump skipped
                interval = next_run(expression, 0) or 1
                due += ((now_ms - due) // interval + 1) * interval
            else:  # cron times are absolute
                due = next_run(expression, now_ms)
    if due is None or (query.get("scheduleEndTime") and due > query["scheduleEndTime"] * 1000):
        store.delete(INDEX_NS, key)
    else:
        store.put(INDEX_NS, key, {"next": due})


def _rows(store, account: str, region: str, query: dict, due: int) -> list[dict]:
    # The SQL engine (DuckDB, Arrow) is imported by the first run, not when Logs starts: an idle server
    # holds none of it.
    from nimbus.core.sql.engine import run

    from .insights_lookup import load_lookups
    from .insights_query import compile_query
    from .insights_run import LIMITS, load_events, result_rows

    plan = compile_query(query["queryString"], account)
    start = due - (query.get("startTimeOffset") or DEFAULT_START_OFFSET_S) * 1000
    end = due - (query.get("endTimeOffset") or 0) * 1000
    groups = [group_name_of({"logGroupIdentifier": g}) for g in query.get("logGroupIdentifiers") or []]
    table = load_events(store, account, region, groups, start, end)
    tables = {"events": table, **load_lookups(store, account, region, plan.lookups)}
    result = run(f"{plan.sql} LIMIT {LIMITS.max_rows}", tables, LIMITS)
    return [{cell["field"]: cell["value"] for cell in row} for row in result_rows(result.columns, result.rows)]


class ScheduledRunner:
    def __init__(self, provider):
        self.runtime = provider.runtime
        self._lock = threading.Lock()
        self.job = provider.every("logs-scheduled-queries", 5.0, self.tick, on_advance=self.tick)

    def wake(self) -> None:
        self.job.wake()

    def tick(self) -> int | None:
        """Run what is due; the virtual time of the next run, for the scheduler."""
        with self._lock:
            store, now = self.runtime.store, int(self.runtime.clock.time() * 1000)
            upcoming = []
            for key, entry in store.scan(INDEX_NS):
                account, region, name = key.split("\n", 2)
                query = store.get(queries_ns(account, region), name)
                if query is None:
                    store.delete(INDEX_NS, key)
                    continue
                if entry["next"] <= now:
                    self._trigger(account, region, query, entry["next"])
                    reschedule(store, account, region, query, now, entry["next"])
                    entry = store.get(INDEX_NS, key) or {}
                if entry.get("next"):
                    upcoming.append(entry["next"])
            return min(upcoming) / 1000 if upcoming else None

    def _trigger(self, account: str, region: str, query: dict, due: int) -> None:
        from nimbus.core.sql.errors import SqlError  # loads the engine: only once a query runs

        record: dict = {"queryId": str(uuid.uuid4()), "triggeredTimestamp": due, "destinations": []}
        try:
            rows = _rows(self.runtime.store, account, region, query, due)
            record["executionStatus"] = "Complete"
            s3 = (query.get("destinationConfiguration") or {}).get("s3Configuration")
            if s3:
                record["destinations"].append(self._deliver(account, region, query, s3, record["queryId"], rows))
        except (SqlError, ServiceError) as error:
            invalid_query = isinstance(error, ServiceError) and error.code == "MalformedQueryException"
            record.update(executionStatus="InvalidQuery" if invalid_query else "Failed",
                          errorMessage=str(error) if isinstance(error, SqlError) else error.message or error.code)
        except Exception:  # a run must be recorded whatever happened: as failed, the traceback logged
            log.exception("scheduled query %s failed", query["name"])
            record.update(executionStatus="Failed", errorMessage="Internal failure")
        store = self.runtime.store
        with store.transaction():
            store.put(history_ns(account, region, query["name"]), f"{due:016d}", record)
            current = store.get(queries_ns(account, region), query["name"])
            if current is not None:
                current.update(lastTriggeredTime=due, lastExecutionStatus=record["executionStatus"])
                store.put(queries_ns(account, region), query["name"], current)

    def _deliver(self, account: str, region: str, query: dict, s3: dict, query_id: str, rows: list[dict]) -> dict:
        """The rows as JSON lines at ``<prefix>/<query name>/<queryId>.json``, written as the destination's role."""
        bucket, _, prefix = s3["destinationIdentifier"].removeprefix("s3://").partition("/")
        key = "/".join(part for part in (prefix.strip("/"), query["name"], f"{query_id}.json") if part)
        destination = {"destinationType": "S3", "destinationIdentifier": s3["destinationIdentifier"]}
        try:
            self.runtime.client.call_as_role(
                s3.get("roleArn") or query["executionRoleArn"], "s3", "PutObject",
                {"Bucket": bucket, "Key": key, "ContentType": "application/json",
                 "Body": "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows).encode()},
                invoked_by=SERVICE_PRINCIPAL, session_name="ScheduledQuery", region=region,
                source=CallSource(query["scheduledQueryArn"], account))
            return {**destination, "status": "COMPLETE", "processedIdentifier": f"s3://{bucket}/{key}"}
        except ServiceError as error:
            return {**destination, "status": "CLIENT_ERROR", "errorMessage": error.message or error.code}
