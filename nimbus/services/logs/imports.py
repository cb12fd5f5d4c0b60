"""Import tasks (CreateImportTask, DescribeImportTasks, DescribeImportTaskBatches, CancelImportTask): a CloudTrail
Lake event data store's events copied into the managed group ``aws/cloudtrail/<store id>`` (import_run.py).

Creating one checks what AWS documents: the source is an event data store ARN, the caller may pass the role
(iam:PassRole to ``cloudtrail.amazonaws.com``, which the role must trust), the store exists for the role and is
ENABLED, and no other import of that store is in progress."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

from .common import group_arn, groups_ns, invalid, now_ms, page, streams_ns
from .documents import LOG_GROUP, LOG_STREAM
from .import_run import IMPORTER, IMPORTS, destination_group
from .state import LogsState

PUBLIC = ("importId", "importSourceArn", "importStatus", "importDestinationArn", "importStatistics",
          "importFilter", "creationTime", "lastUpdatedTime", "errorMessage")
EVENT_DATA_STORE = "eventdatastore/"


class ImportOps(LogsState):
    def _import(self, ctx: RequestContext, import_id: str) -> dict:
        task = IMPORTS.get(self.store, ctx, import_id)
        if task["importStatus"] == "IN_PROGRESS" and not self.imports.running(import_id):
            task.update(importStatus="FAILED", errorMessage="The import stopped when the server did.")
        return task

    def _imports(self, ctx: RequestContext) -> list[dict]:
        return [self._import(ctx, t["importId"]) for t in IMPORTS.all(self.store, ctx)]

    def create_import_task(self, ctx: RequestContext, params: dict) -> dict:
        source, role = params["importSourceArn"], params["importRoleArn"]
        parts = source.split(":")
        if len(parts) != 6 or parts[2] != "cloudtrail" or not parts[5].startswith(EVENT_DATA_STORE):
            raise invalid(f"Invalid importSourceArn: {source}. Only CloudTrail Lake event data stores can be "
                          "imported.")
        window = params.get("importFilter") or {}
        if window.get("startEventTime") is not None and window.get("endEventTime") is not None \
                and window["startEventTime"] > window["endEventTime"]:
            raise invalid("startEventTime must be before endEventTime.")
        check_pass_role(ctx, role, IMPORTER, "CWLImport", lambda why: invalid(f"Invalid importRoleArn: {why}"))
        try:
            store = self.runtime.client.call_as_role(role, "cloudtrail", "GetEventDataStore", {
                "EventDataStore": source}, invoked_by=IMPORTER, session_name="CWLImport", region=ctx.region)
        except ServiceError as error:  # in Logs' words: the source is missing, or the role may not read it
            if "NotFound" in error.code:
                raise ServiceError("ResourceNotFoundException", f"The import source {source} does not exist.") \
                    from None
            raise ServiceError("AccessDeniedException", f"The import role {role} cannot read {source}: "
                               f"{error.message or error.code}") from None
        if store["Status"] != "ENABLED":
            raise ServiceError("InvalidOperationException", f"The import source {source} is not in an ACTIVE state.")
        if any(t["importSourceArn"] == source and t["importStatus"] == "IN_PROGRESS" for t in self._imports(ctx)):
            raise ServiceError("ConflictException", f"An import from {source} is already in progress.")
        group, now = destination_group(source), now_ms(ctx)
        task = {"importId": str(uuid.uuid4()), "importSourceArn": source, "importRoleArn": role,
                "importStatus": "IN_PROGRESS", "importDestinationArn": group_arn(ctx, group),
                "importStatistics": {"bytesImported": 0}, "creationTime": now, "lastUpdatedTime": now,
                "group": group, "stream": "import", "batches": []}
        if window:
            task["importFilter"] = window
        with self.store.transaction():
            self._managed_group(ctx, group, task["stream"], now)
            IMPORTS.save(self.store, ctx, task["importId"], task)
        self.imports.start(ctx, task)
        return {"importId": task["importId"], "importDestinationArn": task["importDestinationArn"],
                "creationTime": now}

    def _managed_group(self, ctx: RequestContext, group: str, stream: str, now: int) -> None:
        groups = groups_ns(ctx.account_id, ctx.region)
        if LOG_GROUP.get(self.store, groups, group) is None:
            self.save_group(ctx, {"logGroupName": group, "creationTime": now, "arn": group_arn(ctx, group),
                                  "logGroupClass": "STANDARD", "tags": {},
                                  "dataSource": {"name": "aws_cloudtrail", "type": "cloudtrail"}})
        if LOG_STREAM.get(self.store, streams_ns(ctx.account_id, ctx.region, group), stream) is None:
            self.save_stream(ctx, group, {"logStreamName": stream, "creationTime": now, "storedBytes": 0, "seq": 0,
                                          "arn": f"{group_arn(ctx, group)}:log-stream:{stream}",
                                          "uploadSequenceToken": "49039859" + "0" * 48})

    def describe_import_tasks(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("importId"):
            rows = [self._import(ctx, params["importId"])]
        else:
            rows = sorted(self._imports(ctx), key=lambda t: (t["creationTime"], t["importId"]))
        rows = [{k: t[k] for k in PUBLIC if k in t} for t in rows
                if params.get("importStatus") in (None, t["importStatus"])
                and params.get("importSourceArn") in (None, t["importSourceArn"])]
        return page(rows, params, "imports", lambda t: [t["creationTime"], t["importId"]])

    def describe_import_task_batches(self, ctx: RequestContext, params: dict) -> dict:
        task = self._import(ctx, params["importId"])
        wanted = params.get("batchImportStatus")
        rows = [b for b in task["batches"] if not wanted or b["status"] in wanted]
        return {"importSourceArn": task["importSourceArn"], "importId": task["importId"],
                **page(rows, params, "importBatches", lambda b: b["batchId"])}

    def cancel_import_task(self, ctx: RequestContext, params: dict) -> dict:
        task = self._import(ctx, params["importId"])
        if task["importStatus"] != "IN_PROGRESS":
            raise ServiceError("InvalidOperationException",
                               f"The import task {task['importId']} is {task['importStatus']} and cannot be cancelled.")
        self.imports.cancel(task["importId"])
        task.update(importStatus="CANCELLED", lastUpdatedTime=now_ms(ctx))
        IMPORTS.save(self.store, ctx, task["importId"], task)
        return {k: task[k] for k in ("importId", "importStatistics", "importStatus", "creationTime", "lastUpdatedTime")}
