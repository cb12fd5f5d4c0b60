"""The Task Runner protocol: PollForTask (routed by workerGroup, a long poll bounded to a few seconds),
ReportTaskProgress (extends the task's lease, tells a runner its task was canceled),
ReportTaskRunnerHeartbeat (tells nimbus's own workers when to stop) and SetTaskStatus."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .engine import Engine, _utc, definition_of
from .expressions import format_datetime
from .runs_model import component_of, get, head_attempt, put, status
from .schedule import period_seconds
from .state import queue_ns
from .task_objects import task_objects

LONG_POLL_SECONDS = 5.0
DEFAULT_LEASE = "10 minutes"  # a runner that neither reports progress nor finishes loses its task


def _task_not_found(task_id: str) -> ServiceError:
    return ServiceError("TaskNotFoundException", f"Task with id: {task_id} does not exist", status=400)


class TaskOps(Engine):
    def poll_for_task(self, ctx: RequestContext, params: dict) -> dict:
        deadline = time.monotonic() + LONG_POLL_SECONDS
        while True:
            task = self._claim(ctx, params["workerGroup"], params.get("hostname"))
            if task is not None or time.monotonic() >= deadline or self.closed:
                return {"taskObject": task} if task else {}
            time.sleep(0.2)

    def _claim(self, ctx: RequestContext, worker_group: str, hostname: str | None) -> dict | None:
        """The oldest attempt waiting in the worker group's queue, now RUNNING as the caller's task."""
        now = _utc(self.clock.now())
        queue = queue_ns(ctx.account_id, ctx.region, worker_group)
        with self.store.transaction():
            for key, entry in self.store.scan(queue):
                pipeline = self.find_pipeline(ctx.account_id, ctx.region, entry["pipelineId"])
                if pipeline is not None and pipeline["pipelineState"] in ("PAUSED", "INACTIVE"):
                    continue  # it keeps its place until the pipeline resumes
                instance = self.find_run(ctx.account_id, ctx.region, entry["pipelineId"], entry["instanceId"])
                if entry.get("precondition"):  # a ShellCommandPrecondition's check
                    self.store.delete(queue, key)
                    check = None if pipeline is None or instance is None or pipeline["pipelineState"] != "SCHEDULED" \
                        else self.claim_check(ctx, definition_of(pipeline), pipeline, instance, entry["precondition"],
                                              worker_group)
                    if check is not None:
                        return check
                    continue
                attempt = self.find_run(ctx.account_id, ctx.region, entry["pipelineId"],
                                        head_attempt(instance) or "") if instance else None
                self.store.delete(queue, key)
                if pipeline is None or instance is None or attempt is None or \
                        status(instance) != "WAITING_FOR_RUNNER" or pipeline["pipelineState"] != "SCHEDULED":
                    continue
                definition = definition_of(pipeline)
                lease = definition.get(component_of(instance), "reportProgressTimeout") or DEFAULT_LEASE
                for run in (instance, attempt):
                    put(run, "@status", "RUNNING")
                    put(run, "@actualStartTime", get(run, "@actualStartTime") or format_datetime(now))
                    put(run, "@hostname", hostname)
                put(attempt, "@leaseDeadline", format_datetime(now + timedelta(seconds=period_seconds(lease, DEFAULT_LEASE))))
                task_id = uuid.uuid4().hex
                put(attempt, "@taskId", task_id)
                for run in (instance, attempt):
                    self.save_run(ctx.account_id, ctx.region, pipeline["pipelineId"], run)
                self.save_task(ctx.account_id, ctx.region, {
                    "taskId": task_id, "pipelineId": pipeline["pipelineId"], "attemptId": attempt["id"],
                    "instanceId": instance["id"], "workerGroup": worker_group})
                return {"taskId": task_id, "pipelineId": pipeline["pipelineId"], "attemptId": attempt["id"],
                        "objects": task_objects(definition, instance, attempt)}
        return None

    def report_task_progress(self, ctx: RequestContext, params: dict) -> dict:
        now = _utc(self.clock.now())
        with self.store.transaction():
            task = self.find_task(ctx.account_id, ctx.region, params["taskId"])
            if task is None:
                raise _task_not_found(params["taskId"])
            pipeline = self.pipeline(ctx, task["pipelineId"])
            if task.get("precondition"):
                return {"canceled": not self.check_wanted(ctx.account_id, ctx.region, task)}
            attempt = self.find_run(ctx.account_id, ctx.region, task["pipelineId"], task["attemptId"])
            if attempt is None or status(attempt) != "RUNNING":
                return {"canceled": True}
            instance = self.find_run(ctx.account_id, ctx.region, task["pipelineId"], task["instanceId"])
            lease = definition_of(pipeline).get(component_of(instance) if instance else "",
                                                "reportProgressTimeout") or DEFAULT_LEASE
            put(attempt, "@leaseDeadline", format_datetime(now + timedelta(seconds=period_seconds(lease, DEFAULT_LEASE))))
            for field in params.get("fields", []):
                if "stringValue" in field and not field["key"].startswith("@"):
                    put(attempt, field["key"], field["stringValue"])
            self.save_run(ctx.account_id, ctx.region, task["pipelineId"], attempt)
        return {"canceled": False}

    def report_task_runner_heartbeat(self, ctx: RequestContext, params: dict) -> dict:
        return {"terminate": self.workers.should_terminate(params.get("workerGroup") or "")}

    def set_task_status(self, ctx: RequestContext, params: dict) -> dict:
        task = self.find_task(ctx.account_id, ctx.region, params["taskId"])
        if task is None:
            raise _task_not_found(params["taskId"])
        pipeline = self.pipeline(ctx, task["pipelineId"])
        if task.get("precondition"):  # FALSE: the check ran and the precondition does not hold
            self.check_reported(ctx.account_id, ctx.region, task, params["taskStatus"] == "FINISHED",
                                definition_of(pipeline))
            self.drop_task(ctx.account_id, ctx.region, task["taskId"])
            return {}
        outcome = {"FINISHED": "FINISHED", "FAILED": "FAILED", "FALSE": "FAILED"}[params["taskStatus"]]
        message = params.get("errorMessage")
        if params.get("errorId") and message:
            message = f"{params['errorId']}: {message}"
        self.report(ctx.account_id, ctx.region, task["pipelineId"], task["attemptId"], outcome, message)
        self.drop_task(ctx.account_id, ctx.region, task["taskId"])
        return {}

