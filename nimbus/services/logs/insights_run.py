"""Running Logs Insights queries: the groups' events in the time range become an Arrow table, the compiled query
runs on the sealed DuckDB engine (core/sql) on a thread of its own, and its rows, statistics and status are
stored with the query. StopQuery interrupts DuckDB; a query past its time limit ends as Timeout."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from nimbus.core.sql.engine import Limits, run
from nimbus.core.sql.errors import SqlCancelled, SqlError, SqlTimeout

from .common import streams_ns
from .documents import InsightsQuery
from .event_store import KEY_WIDTH, EventStore, event_key, key_timestamp
from .insights_lookup import load_lookups
from .insights_query import Plan

log = logging.getLogger(__name__)

QUERY_SECONDS = 15 * 60  # AWS stops a query after 60 minutes; nimbus sooner, the machine being shared
LIMITS = Limits(memory="512MB", threads=1, seconds=QUERY_SECONDS, max_rows=10_000)


def load_events(store, account: str, region: str, groups: list[str], start_ms: int, end_ms: int) -> pa.Table:
    """Every event of the groups with start <= timestamp <= end, as the table the compiled query reads."""
    columns: dict[str, list] = {"ts": [], "message": [], "stream": [], "grp": [], "key": [], "ingestion": []}
    events = EventStore(store, account, region)
    first = f"{int(event_key(start_ms, 0)) - 1:0{KEY_WIDTH}d}"
    for group in groups:
        for stream, _ in store.scan(streams_ns(account, region, group)):
            after = first
            while True:
                rows = events.scan(group, stream, after=after, limit=5000)
                for key, doc in rows:
                    stamp = key_timestamp(key)
                    if stamp > end_ms:
                        break
                    columns["ts"].append(stamp)
                    columns["message"].append(doc["m"])
                    columns["stream"].append(stream)
                    columns["grp"].append(group)
                    columns["key"].append(key)
                    columns["ingestion"].append(doc["i"])
                if len(rows) < 5000 or key_timestamp(rows[-1][0]) > end_ms:
                    break
                after = rows[-1][0]
    return pa.table({"ts": pa.array(columns["ts"], pa.int64()), "message": pa.array(columns["message"], pa.string()),
                     "stream": pa.array(columns["stream"], pa.string()), "grp": pa.array(columns["grp"], pa.string()),
                     "key": pa.array(columns["key"], pa.string()),
                     "ingestion": pa.array(columns["ingestion"], pa.int64())})


def _value(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def result_rows(columns: list[str], rows: list[tuple]) -> list[list[dict]]:
    """Insights' rows: one {field, value} per field that has a value."""
    return [[{"field": c, "value": _value(v)} for c, v in zip(columns, row) if v is not None] for row in rows]


def run_query(runner, account: str, region: str, query: InsightsQuery, plan: Plan, cancel: threading.Event) -> None:
    """Run ``query`` to its end on ``runner``'s thread (insights_runner.py), saving its status as it goes."""
    began = time.monotonic()
    try:
        query["status"] = "Running"
        runner.save(account, region, query)
        table = load_events(runner.runtime.store, account, region, query["logGroupNames"],
                            query["startTime"] * 1000, query["endTime"] * 1000 + 999)
        tables = {"events": table, **load_lookups(runner.runtime.store, account, region, plan.lookups)}
        limit = query.get("limit") or LIMITS.max_rows
        result = run(f"{plan.sql} LIMIT {limit}", tables, LIMITS, cancel)
        matched = run(plan.matched_sql, tables, LIMITS, cancel).rows[0][0]
        query["results"] = result_rows(result.columns, result.rows)
        query["statistics"] = {
            "recordsMatched": float(matched), "recordsScanned": float(table.num_rows),
            "bytesScanned": float(pc.sum(pc.binary_length(table.column("message"))).as_py() or 0),
            "logGroupsScanned": float(len(query["logGroupNames"])), "resultCount": float(len(result.rows)),
            "estimatedRecordsSkipped": 0.0, "estimatedBytesSkipped": 0.0}
        query["status"] = "Cancelled" if cancel.is_set() else "Complete"
    except SqlCancelled:
        query["status"] = "Cancelled"
    except SqlTimeout:
        query["status"] = "Timeout"
    except SqlError as error:
        query["status"], query["failure"] = "Failed", str(error)
    except Exception:  # a query must never stay Running: it is recorded as failed, with the traceback logged
        log.exception("Logs Insights query %s failed", query["queryId"])
        query["status"] = "Failed"
    finally:
        query["queryDuration"] = int((time.monotonic() - began) * 1000)
        runner.save(account, region, query)
