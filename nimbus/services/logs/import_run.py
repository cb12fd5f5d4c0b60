"""Running an import task: CloudTrail Lake is asked, as the import role (assumed by ``cloudtrail.amazonaws.com``,
the principal AWS's documented role trusts), for the event data store's events in the filter's time range, and
they are written as JSON messages to the managed group ``aws/cloudtrail/<store id>``, one batch per page."""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime

from nimbus.protocol.errors import ServiceError

from .background import BackgroundRuns
from .common import streams_ns
from .event_store import EventStore
from .stored import StoredKind

log = logging.getLogger(__name__)

IMPORTS = StoredKind("imports", "import task")
IMPORTER = "cloudtrail.amazonaws.com"
PAGE = 1000
QUERY_DEADLINE_S = 300.0
# The Lake columns a message carries (Lake answers them as text); userIdentity's are flattened into an object.
COLUMNS = ("eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
           "errorCode", "errorMessage", "requestID", "eventID", "readOnly", "eventType", "managementEvent",
           "recipientAccountId", "eventCategory")
IDENTITY = ("type", "principalId", "arn", "accountId", "userName", "invokedBy")


def store_id_of(source_arn: str) -> str:
    return source_arn.rsplit("/", 1)[1]


def destination_group(source_arn: str) -> str:
    return f"aws/cloudtrail/{store_id_of(source_arn)}"


def statement(task: dict) -> str:
    selected = ", ".join([*COLUMNS, *(f"userIdentity.{f} AS identity_{f}" for f in IDENTITY)])
    sql = f"SELECT {selected} FROM {store_id_of(task['importSourceArn'])}"
    window = task.get("importFilter") or {}
    bounds = [f"eventTime {op} '{_lake_time(window[key])}'" for key, op in
              (("startEventTime", ">="), ("endEventTime", "<=")) if window.get(key) is not None]
    return sql + (" WHERE " + " AND ".join(bounds) if bounds else "") + " ORDER BY eventTime"


def _lake_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _event(row: list[dict]) -> dict:
    cells = {k: v for cell in row for k, v in cell.items()}
    message = {k: cells[k] for k in COLUMNS if k in cells}
    identity = {f: cells[f"identity_{f}"] for f in IDENTITY if f"identity_{f}" in cells}
    if identity:
        message["userIdentity"] = identity
    stamp = datetime.strptime(cells["eventTime"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return {"timestamp": int(stamp.timestamp() * 1000), "message": json.dumps(message, separators=(",", ":"))}


class ImportRunner(BackgroundRuns):
    """Import tasks running in this process; one left IN_PROGRESS by a stopped server reads as FAILED."""

    def __init__(self, runtime):
        super().__init__(runtime, "import")

    def start(self, ctx, task: dict) -> None:
        self.launch(task["importId"], lambda cancel: self._run(ctx.account_id, ctx.region, task, cancel))

    def _as_role(self, task: dict, region: str, operation: str, params: dict) -> dict:
        return self.runtime.client.call_as_role(task["importRoleArn"], "cloudtrail", operation, params,
                                                invoked_by=IMPORTER, session_name="CWLImport", region=region)

    def _save(self, account: str, region: str, task: dict) -> None:
        task["lastUpdatedTime"] = int(self.runtime.clock.time() * 1000)
        self.runtime.store.put(IMPORTS.ns(account, region), task["importId"], task)

    def _run(self, account: str, region: str, task: dict, cancel: threading.Event) -> None:
        try:
            query_id = self._as_role(task, region, "StartQuery", {"QueryStatement": statement(task)})["QueryId"]
            self._finish_query(task, region, query_id, cancel)
            token: str | None = None
            while not cancel.is_set():
                page = self._as_role(task, region, "GetQueryResults", {
                    "QueryId": query_id, "MaxQueryResults": PAGE, **({"NextToken": token} if token else {})})
                self._write(account, region, task, [_event(row) for row in page["QueryResultRows"]])
                token = page.get("NextToken")
                if not token:
                    break
            task["importStatus"] = "CANCELLED" if cancel.is_set() else "COMPLETED"
        except ServiceError as error:
            task.update(importStatus="FAILED", errorMessage=error.message or error.code)
        except Exception:  # a task must never stay IN_PROGRESS: recorded as failed, the traceback logged
            log.exception("import task %s failed", task["importId"])
            task.update(importStatus="FAILED", errorMessage="Internal failure")
        finally:
            self._save(account, region, task)

    def _finish_query(self, task: dict, region: str, query_id: str, cancel: threading.Event) -> None:
        deadline = time.monotonic() + QUERY_DEADLINE_S
        while not cancel.is_set():
            status = self._as_role(task, region, "DescribeQuery", {"QueryId": query_id})
            if status["QueryStatus"] == "FINISHED":
                return
            if status["QueryStatus"] not in ("QUEUED", "RUNNING") or time.monotonic() > deadline:
                raise ServiceError("InvalidOperationException", status.get("ErrorMessage") or
                                   f"The CloudTrail Lake query ended {status['QueryStatus']}.")
            cancel.wait(0.05)

    def _write(self, account: str, region: str, task: dict, events: list[dict]) -> None:
        """One batch: the events appended to the group's stream, the batch and the byte count recorded."""
        batch = {"batchId": f"{task['importId']}-{len(task['batches']) + 1:06d}", "status": "COMPLETED"}
        if events:
            store = self.runtime.store
            with store.transaction():
                stream = store.get(streams_ns(account, region, task["group"]), task["stream"])
                if stream is None:
                    raise ServiceError("ResourceNotFoundException", "The destination log stream was deleted.")
                events.sort(key=lambda e: e["timestamp"])
                EventStore(store, account, region).append(task["group"], task["stream"], stream["seq"], events,
                                                          int(self.runtime.clock.time() * 1000))
                note_appended(stream, events, int(self.runtime.clock.time() * 1000))
                store.put(streams_ns(account, region, task["group"]), task["stream"], stream)
        task["batches"].append(batch)
        task["importStatistics"]["bytesImported"] += sum(len(e["message"].encode()) for e in events)
        self._save(account, region, task)


def note_appended(stream: dict, events: list[dict], now: int) -> None:
    """A stream's counters after ``events`` (in time order) were appended at ``now``."""
    stream["seq"] += len(events)
    first, last = events[0]["timestamp"], events[-1]["timestamp"]
    stream["firstEventTimestamp"] = min(stream.get("firstEventTimestamp") or first, first)
    stream["lastEventTimestamp"] = max(stream.get("lastEventTimestamp") or last, last)
    stream["lastIngestionTime"] = now
    stream["storedBytes"] = stream.get("storedBytes", 0) + sum(len(e["message"].encode()) for e in events)
