"""Writing an export task's files to S3 in AWS's layout, as the Logs service principal, so the bucket's policy
decides (AWS's documented policy names ``logs.<region>.amazonaws.com``).

``<prefix>/aws-logs-write-test`` is written first (AWS's permission check), then one gzipped file per stream,
``<prefix>/<taskId>/<stream>/000000.gz``, of lines ``<ISO 8601 timestamp> <message>``.
"""
from __future__ import annotations

import gzip
import logging
import threading
from datetime import UTC, datetime

from nimbus.core.context import CallSource
from nimbus.protocol.errors import ServiceError

from .background import BackgroundRuns
from .common import export_tasks_ns, streams_ns
from .documents import EXPORT_TASK, ExportTask
from .event_store import KEY_WIDTH, EventStore, event_key, key_timestamp

log = logging.getLogger(__name__)

WRITE_TEST = "aws-logs-write-test"
WRITE_TEST_BODY = b"Permission Check Successful"


def as_logs(runtime, account: str, region: str, group: str, operation: str, params: dict) -> dict:
    return runtime.client.call("s3", operation, params, account_id=account, region=region,
                               invoked_by=f"logs.{region}.amazonaws.com",
                               source=CallSource(f"arn:aws:logs:{region}:{account}:log-group:{group}", account))


def check_bucket(runtime, account: str, region: str, group: str, bucket: str, prefix: str) -> None:
    """What AWS checks before accepting the task: it may read the bucket's ACL and write the test object."""
    try:
        as_logs(runtime, account, region, group, "GetBucketAcl", {"Bucket": bucket})
    except ServiceError:
        raise ServiceError("InvalidParameterException", "GetBucketAcl call on the given bucket failed. Please check "
                           "if CloudWatch Logs has been granted permission to perform this operation.") from None
    try:
        as_logs(runtime, account, region, group, "PutObject", {
            "Bucket": bucket, "Key": f"{prefix}/{WRITE_TEST}", "Body": WRITE_TEST_BODY,
            "ACL": "bucket-owner-full-control"})
    except ServiceError:
        raise ServiceError("InvalidParameterException", "PutObject call on the given bucket failed. Please check if "
                           "CloudWatch Logs has been granted permission to perform this operation.") from None


def _lines(events: EventStore, group: str, stream: str, start: int, end: int) -> bytes:
    lines = []
    after = f"{int(event_key(start, 0)) - 1:0{KEY_WIDTH}d}"
    while True:
        rows = events.scan(group, stream, after=after, limit=5000)
        for key, doc in rows:
            stamp = key_timestamp(key)
            if stamp >= end:
                return "".join(lines).encode()
            when = datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            lines.append(f"{when} {doc['m']}\n")
        if len(rows) < 5000:
            return "".join(lines).encode()
        after = rows[-1][0]


class ExportRunner(BackgroundRuns):
    """Export tasks running in this process."""

    def __init__(self, runtime):
        super().__init__(runtime, "export")

    def start(self, account: str, region: str, task: ExportTask) -> None:
        self.launch(task["taskId"], lambda cancel: self._run(account, region, task, cancel))

    def _save(self, account: str, region: str, task: ExportTask) -> None:
        EXPORT_TASK.put(self.runtime.store, export_tasks_ns(account, region), task["taskId"], task)

    def _run(self, account: str, region: str, task: ExportTask, cancel: threading.Event) -> None:
        group = task["logGroupName"]
        try:
            task["status"] = {"code": "RUNNING", "message": "Started successfully"}
            self._save(account, region, task)
            events = EventStore(self.runtime.store, account, region)
            for stream, _ in self.runtime.store.scan(streams_ns(account, region, group),
                                                     prefix=task.get("logStreamNamePrefix") or ""):
                if cancel.is_set():
                    break
                body = _lines(events, group, stream, task["from"], task["to"])
                if body:
                    as_logs(self.runtime, account, region, group, "PutObject", {
                        "Bucket": task["destination"], "ACL": "bucket-owner-full-control",
                        "Key": f"{task['destinationPrefix']}/{task['taskId']}/{stream}/000000.gz",
                        "Body": gzip.compress(body), "ContentEncoding": "gzip"})
            task["status"] = ({"code": "CANCELLED", "message": "Cancelled by user"} if cancel.is_set()
                              else {"code": "COMPLETED", "message": "Completed successfully"})
        except ServiceError as error:
            task["status"] = {"code": "FAILED", "message": error.message or error.code}
        except Exception:  # a task must never stay RUNNING: recorded as failed, the traceback logged
            log.exception("export task %s failed", task["taskId"])
            task["status"] = {"code": "FAILED", "message": "Internal failure"}
        finally:
            task["executionInfo"]["completionTime"] = int(self.runtime.clock.time() * 1000)
            self._save(account, region, task)
