"""CloudWatch Logs Insights over 1,000,000 events, nimbus vs moto: loading them with PutLogEvents, then the
time from StartQuery to a finished GetQueryResults for an aggregation and for a filter.

``NIMBUS_BENCH_LOGS_EVENTS`` sets the number of events (default 1,000,000). moto answers StartQuery and
GetQueryResults with a minimal engine; the rows it returns are reported beside the timings so the two are not
mistaken for the same work.
"""
from __future__ import annotations

import json
import os
import time

from benchmarks.harness import running

GROUP = "/bench/insights"
BATCH = 8000  # ~0.9 MB per PutLogEvents call, under AWS's 1,048,576-byte limit
STATS_QUERY = "stats count(*) as n, avg(latency) as mean, pct(latency, 95) as p95 by level"
FILTER_QUERY = 'filter level = "ERROR" and latency > 900 | fields @timestamp, path, latency | sort latency desc ' \
               "| limit 100"


def _load(logs, total: int) -> float:
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="app")
    base = int(time.time() * 1000) - 3_600_000
    levels = ("INFO", "INFO", "INFO", "WARN", "ERROR")
    start = time.perf_counter()
    for first in range(0, total, BATCH):
        count = min(BATCH, total - first)
        events = [{"timestamp": base + (first + i) // 300, "message": json.dumps(
            {"level": levels[(first + i) % 5], "latency": (first + i) * 7 % 1000, "path": f"/api/{(first + i) % 13}"},
            separators=(",", ":"))} for i in range(count)]
        logs.put_log_events(logGroupName=GROUP, logStreamName="app", logEvents=events)
    return time.perf_counter() - start


def _query(logs, text: str) -> tuple[float, int, str]:
    """Seconds from StartQuery to a finished result, the rows returned and the final status."""
    now = int(time.time())
    start = time.perf_counter()
    query_id = logs.start_query(logGroupName=GROUP, startTime=now - 7200, endTime=now + 60,
                                queryString=text)["queryId"]
    while True:
        answer = logs.get_query_results(queryId=query_id)
        if answer["status"] not in ("Scheduled", "Running"):
            return time.perf_counter() - start, len(answer.get("results", [])), answer["status"]
        time.sleep(0.05)


def run(seconds: float) -> list[dict]:
    total = int(os.environ.get("NIMBUS_BENCH_LOGS_EVENTS", "1000000"))
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            logs = target.client("logs")
            load = _load(logs, total)
            stats_s, stats_rows, stats_status = _query(logs, STATS_QUERY)
            filter_s, filter_rows, filter_status = _query(logs, FILTER_QUERY)
            rows.append({"server": name, "logs_load_events_per_s": total / load,
                         "insights_stats_by_level_s": stats_s, "insights_stats_rows": float(stats_rows),
                         "insights_filter_sort_limit_s": filter_s, "insights_filter_rows": float(filter_rows),
                         "rss_after_mib": target.rss_mib()})
            print(f"{name}: stats {stats_status}, filter {filter_status}", flush=True)
    return rows
