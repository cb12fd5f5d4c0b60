"""ShellCommandPrecondition: its command runs on a task runner, as AWS runs it, and holds when it exits 0.

When the scheduler finds an instance whose precondition is a shell command, it queues a check for the
worker group that runs the instance (the precondition's own ``runsOn``/``workerGroup`` first): a task
whose object is the precondition, evaluated for the instance's period. The runner runs ``command`` (or
``scriptUri`` with ``scriptArgument``s) and reports FINISHED (it holds) or FALSE. A false check is tried
again after the precondition's ``retryDelay``; the instance fails once the precondition's
``maximumRetries`` false checks are used up, or once ``preconditionTimeout`` has passed since the first
check. A check not reported within ``attemptTimeout`` counts as false. The check's progress is kept on
the instance (``@<precondition>_check...`` fields), so it survives a restart.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from nimbus.core.context import RequestContext

from .documents import Pipeline, RunObject, Task
from .expressions import ExpressionError, format_datetime, parse_datetime
from .objects_model import Definition
from .runs_model import get, put
from .schedule import period_seconds
from .state import DataPipelineState, queue_ns

DEFAULT_CHECK_DELAY = "10 minutes"  # AWS's retryDelay default, for preconditions as for activities


class PreconditionFailed(Exception):
    """The precondition can no longer hold: the instance fails."""


def _now(state: DataPipelineState) -> datetime:
    return state.runtime.clock.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)


def _period(text: str | None) -> tuple[str, float] | None:
    """A duration field as (its text, seconds); None when unset or not a period (an expression that
    evaluated oddly: validation refuses a literal one)."""
    try:
        return (text, period_seconds(text)) if text else None
    except ExpressionError:
        return None


def _field(precondition: str, what: str) -> str:
    return f"@{precondition}_check{what}"


class ShellPreconditions(DataPipelineState):
    def shell_check(self, pipeline: Pipeline, definition: Definition, precondition: str, instance: RunObject,
                    group: str) -> bool:
        """Does the shell precondition hold for ``instance``? Queues a check when one is due."""
        state = get(instance, _field(precondition, "Status"))
        if state == "HOLDS":
            return True
        now = _now(self)
        since = get(instance, _field(precondition, "Since"))
        timeout = _period(definition.get(precondition, "preconditionTimeout"))
        if since and timeout and now >= parse_datetime(since) + timedelta(seconds=timeout[1]):
            raise PreconditionFailed(f"Precondition {precondition} did not hold within {timeout[0]}")
        deadline = get(instance, _field(precondition, "Deadline"))
        if state == "CHECKING" and not (deadline and now >= parse_datetime(deadline)):
            return False  # a runner has it, or will
        if state == "CHECKING":  # its runner did not answer in time: a false check
            self._checked(instance, precondition, False, definition, now)
            state = "FALSE"
        if state == "FALSE":
            tries = int(get(instance, _field(precondition, "Tries")) or "0")
            maximum = definition.get(precondition, "maximumRetries")
            if maximum and maximum.isdigit() and tries > int(maximum):
                raise PreconditionFailed(f"Precondition {precondition} did not hold after {tries} checks")
            retry_at = get(instance, _field(precondition, "RetryAt"))
            if retry_at and now < parse_datetime(retry_at):
                return False
        self._queue_check(pipeline, definition, precondition, instance, group, now)
        return False

    def _queue_check(self, pipeline: Pipeline, definition: Definition, precondition: str, instance: RunObject,
                     group: str, now: datetime) -> None:
        put(instance, _field(precondition, "Status"), "CHECKING")
        put(instance, _field(precondition, "Since"), get(instance, _field(precondition, "Since")) or format_datetime(now))
        attempt_timeout = _period(definition.get(precondition, "attemptTimeout"))
        put(instance, _field(precondition, "Deadline"), format_datetime(
            now + timedelta(seconds=attempt_timeout[1])) if attempt_timeout else None)
        put(instance, _field(precondition, "Task"), None)
        own = definition.ref(precondition, "runsOn")
        group = f"{pipeline['pipelineId']}/{own}" if own else definition.evaluated(precondition, "workerGroup") or group
        self.store.put(queue_ns(pipeline["accountId"], pipeline["region"], group),
                       f"{get(instance, '@scheduledStartTime') or ''}|{pipeline['pipelineId']}|{instance['id']}|"
                       f"{precondition}",
                       {"pipelineId": pipeline["pipelineId"], "instanceId": instance["id"], "precondition": precondition})

    def _checked(self, instance: RunObject, precondition: str, holds: bool, definition: Definition,
                 now: datetime) -> None:
        put(instance, _field(precondition, "Status"), "HOLDS" if holds else "FALSE")
        put(instance, _field(precondition, "Task"), None)
        if not holds:
            tries = int(get(instance, _field(precondition, "Tries")) or "0") + 1
            put(instance, _field(precondition, "Tries"), str(tries))
            delay = definition.get(precondition, "retryDelay") or DEFAULT_CHECK_DELAY
            put(instance, _field(precondition, "RetryAt"),
                format_datetime(now + timedelta(seconds=period_seconds(delay, DEFAULT_CHECK_DELAY))))
            put(instance, "@preconditionStatus", f"{precondition}: false ({tries} checks)")

    def claim_check(self, ctx: RequestContext, definition: Definition, pipeline: Pipeline, instance: RunObject,
                    precondition: str, worker_group: str) -> dict | None:
        """The check's task for PollForTask, or None when it is no longer wanted."""
        from .side_effects import runtime_fields  # they import this module
        from .task_objects import evaluated_object
        if get(instance, _field(precondition, "Status")) != "CHECKING" or get(instance, _field(precondition, "Task")):
            return None
        task_id = uuid.uuid4().hex
        put(instance, _field(precondition, "Task"), task_id)
        self.save_run(ctx.account_id, ctx.region, pipeline["pipelineId"], instance)
        check_id = f"{instance['id']}_{precondition}_check{int(get(instance, _field(precondition, 'Tries')) or '0') + 1}"
        check = evaluated_object(definition, precondition, runtime_fields(instance))
        check["fields"].append({"key": "@componentParent", "refValue": precondition})  # where its log goes
        check["id"] = check["name"] = check_id
        self.save_task(ctx.account_id, ctx.region, Task(
            taskId=task_id, pipelineId=pipeline["pipelineId"], attemptId=check_id, instanceId=instance["id"],
            workerGroup=worker_group, precondition=precondition))
        return {"taskId": task_id, "pipelineId": pipeline["pipelineId"], "attemptId": check_id,
                "objects": {check_id: check}}

    def check_wanted(self, account: str, region: str, task: Task) -> bool:
        """ReportTaskProgress for a check: is it still the one the instance waits for?"""
        instance = self.find_run(account, region, task["pipelineId"], task["instanceId"])
        return instance is not None and get(instance, _field(task["precondition"], "Task")) == task["taskId"]

    def check_reported(self, account: str, region: str, task: Task, holds: bool, definition: Definition) -> None:
        """SetTaskStatus for a check: FINISHED holds, FALSE or FAILED does not."""
        with self.store.transaction():
            instance = self.find_run(account, region, task["pipelineId"], task["instanceId"])
            if instance is None or get(instance, _field(task["precondition"], "Task")) != task["taskId"]:
                return  # a check that timed out and was replaced
            self._checked(instance, task["precondition"], holds, definition, _now(self))
            self.save_run(account, region, task["pipelineId"], instance)
