"""Export tasks: CreateExportTask, DescribeExportTasks, CancelExportTask (one active task per account, as AWS
allows); export_files.py writes the files."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import export_tasks_ns, invalid, now_ms, page
from .documents import EXPORT_TASK, ExportTask
from .export_files import check_bucket
from .state import LogsState

ACTIVE = ("PENDING", "RUNNING", "PENDING_CANCEL")


class ExportOps(LogsState):
    def _tasks(self, ctx: RequestContext) -> list[ExportTask]:
        tasks = []
        for _, task in EXPORT_TASK.scan(self.store, export_tasks_ns(ctx.account_id, ctx.region)):
            if task["status"]["code"] in ACTIVE and not self.exports.running(task["taskId"]):
                task["status"] = {"code": "FAILED", "message": "The task stopped with the server."}
            tasks.append(task)
        return tasks

    def create_export_task(self, ctx: RequestContext, params: dict) -> dict:
        group = params["logGroupName"]
        self.log_group(ctx, group)
        if params["to"] < params["from"]:
            raise invalid("The value of parameter 'to' must be greater than or equal to the value of parameter "
                          "'from'.")
        if any(t["status"]["code"] in ACTIVE for t in self._tasks(ctx)):
            raise ServiceError("LimitExceededException", "Resource limit exceeded.")
        prefix = (params.get("destinationPrefix") or "exportedlogs").strip("/")
        check_bucket(self.runtime, ctx.account_id, ctx.region, group, params["destination"], prefix)
        task: ExportTask = {
            "taskId": str(uuid.uuid4()), "logGroupName": group, "from": params["from"], "to": params["to"],
            "destination": params["destination"], "destinationPrefix": prefix,
            "status": {"code": "PENDING", "message": "Pending"},
            "executionInfo": {"creationTime": now_ms(ctx)}}
        for optional in ("taskName", "logStreamNamePrefix"):
            if params.get(optional):
                task[optional] = params[optional]  # type: ignore[literal-required]
        EXPORT_TASK.put(self.store, export_tasks_ns(ctx.account_id, ctx.region), task["taskId"], task)
        self.exports.start(ctx.account_id, ctx.region, task)
        return {"taskId": task["taskId"]}

    def describe_export_tasks(self, ctx: RequestContext, params: dict) -> dict:
        tasks = self._tasks(ctx)
        if params.get("taskId"):
            tasks = [t for t in tasks if t["taskId"] == params["taskId"]]
        if params.get("statusCode"):
            tasks = [t for t in tasks if t["status"]["code"] == params["statusCode"]]
        tasks.sort(key=lambda t: (-t["executionInfo"]["creationTime"], t["taskId"]))
        rows = [{k: v for k, v in t.items() if k not in ("SchemaVersion", "logStreamNamePrefix")} for t in tasks]
        return page(rows, params, "exportTasks", lambda t: [-t["executionInfo"]["creationTime"], t["taskId"]])

    def cancel_export_task(self, ctx: RequestContext, params: dict) -> dict:
        task = next((t for t in self._tasks(ctx) if t["taskId"] == params["taskId"]), None)
        if task is None:
            raise ServiceError("ResourceNotFoundException", "The specified export task does not exist.")
        if task["status"]["code"] not in ACTIVE:
            raise ServiceError("InvalidOperationException", "The specified export task has already finished.")
        self.exports.cancel(params["taskId"])
        return {}
