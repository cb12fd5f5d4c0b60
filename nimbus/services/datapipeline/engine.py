"""The scheduler: on every tick (a second of real time, or a jump of the virtual clock) each scheduled
pipeline makes the instances of the periods now due (backfilling past ones), starts those whose
dependencies finished and whose preconditions hold (a new attempt, waiting for a task runner), times
out attempts, and finishes the pipeline when its schedules end."""
from __future__ import annotations

import copy
import logging
import threading
from datetime import datetime, timedelta

from nimbus.core.runtime import Runtime

from .documents import Pipeline, RunObject
from .expressions import ExpressionError, format_datetime, parse_datetime
from .objects_model import Definition, parameter_values
from .runs_model import (
    ACTIVE,
    DONE_OK,
    TERMINAL,
    component_of,
    get,
    head_attempt,
    instance_of,
    is_instance,
    new_attempt,
    new_instance,
    put,
    status,
)
from .schedule import Schedule, period_seconds
from .shell_precondition import PreconditionFailed
from .side_effects import SideEffects
from .validation import ACTIVITIES
from .workers import LocalWorkers

MAX_NEW_PER_TICK = 5000
log = logging.getLogger(__name__)


def _utc(now: datetime) -> datetime:
    return now.replace(tzinfo=None, microsecond=0)


def definition_of(pipeline: Pipeline) -> Definition:
    return Definition(pipeline.get("activeObjects", []),
                      parameter_values(pipeline.get("activeParameterObjects", []),
                                       pipeline.get("activeParameterValues", [])))


class Engine(SideEffects):
    def __init__(self, runtime: Runtime):
        super().__init__(runtime)
        self._tick_lock = threading.Lock()
        self.workers = LocalWorkers(runtime, self._has_work)
        self.engine_job = self.every("datapipeline", 1.0, self.tick, on_advance=self.tick)

    def close(self) -> None:
        super().close()
        self.workers.stop_all()

    def _has_work(self, account: str, region: str, pipeline_id: str, group: str) -> bool:
        """An instance still waiting on its dependencies has work for its resource too (its cluster stays)."""
        pipeline = self.find_pipeline(account, region, pipeline_id)
        definition = definition_of(pipeline) if pipeline else None
        return any(status(r) in ACTIVE and (get(r, "@workerGroup") or (
            definition and pipeline and self.worker_group(pipeline, definition, component_of(r)))) == group
            for r in self.runs(account, region, pipeline_id) if is_instance(r))

    def wake_engine(self) -> None:
        self.engine_job.wake()

    def tick(self) -> float | None:
        with self._tick_lock:
            for ns in self.store.namespaces(("datapipeline",)):
                if len(ns) == 4 and ns[3] == "pipelines":
                    for pipeline in self.all_pipelines(ns[1], ns[2]):
                        if pipeline["pipelineState"] == "SCHEDULED" and not self.closed:
                            self._advance_guarded(ns[1], ns[2], pipeline["pipelineId"])
        return None

    def _advance_guarded(self, account: str, region: str, pipeline_id: str) -> None:
        """One pipeline's trouble (a definition nimbus cannot follow) never stops the others'."""
        try:
            self.advance(account, region, pipeline_id)
        except Exception:  # noqa: BLE001 - logged with its traceback; the next tick tries again
            log.exception("Data Pipeline %s could not be advanced", pipeline_id)

    def advance_now(self, account: str, region: str, pipeline_id: str) -> None:
        """The pipeline's due instances made (and started) before the call returns."""
        with self._tick_lock:
            self.advance(account, region, pipeline_id)

    def advance(self, account: str, region: str, pipeline_id: str) -> None:
        now = _utc(self.clock.now())
        with self.store.transaction():
            pipeline = self.find_pipeline(account, region, pipeline_id)
            if pipeline is None or pipeline["pipelineState"] != "SCHEDULED":
                return
            before = copy.deepcopy(pipeline)
            definition = definition_of(pipeline)
            schedules_done = self._materialize(account, region, pipeline, definition, now)
            runs = {run["id"]: run for run in self.runs(account, region, pipeline_id)}
            for run in list(runs.values()):
                if is_instance(run) and status(run) == "WAITING_ON_DEPENDENCIES":
                    self._try_start(account, region, pipeline, definition, run, runs, now)
                elif is_instance(run) and status(run) in ("WAITING_FOR_RUNNER", "RUNNING"):
                    self._check_timeouts(account, region, pipeline, definition, run, runs, now)
                if is_instance(run) and status(run) in ACTIVE:
                    self._check_late(account, region, pipeline, definition, run, now)
            if schedules_done and all(status(r) in TERMINAL for r in runs.values() if is_instance(r)):
                pipeline["pipelineState"] = "FINISHED"
            if pipeline != before:
                self.save_pipeline(account, region, pipeline)

    def _materialize(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
                     now: datetime) -> bool:
        """Instances for every period now due; True when every activity's schedule has ended."""
        first = datetime.utcfromtimestamp(pipeline.get("scheduledFrom", pipeline.get("activatedAt", 0.0)))
        created = pipeline.setdefault("periodsCreated", {})
        all_done = True
        for component in definition.objects:
            kind = definition.type_of(component)
            if kind not in ACTIVITIES:
                continue
            done = created.get(component, 0)
            style = definition.get(component, "scheduleType") or "timeseries"
            if style == "ondemand" or definition.ref(component, "schedule") is None:
                if done == 0:
                    self._add(account, region, pipeline, new_instance(component, kind, first, first, now))
                    created[component] = 1
                continue
            schedule = self._schedule(definition, component, first)
            for n, start, end in schedule.due(done, now, style == "timeseries", MAX_NEW_PER_TICK):
                self._add(account, region, pipeline, new_instance(component, kind, start, end, now))
                created[component] = n + 1
                pipeline["latestRunTime"] = (start - datetime(1970, 1, 1)).total_seconds()
            all_done = all_done and schedule.finished(created.get(component, 0))
        return all_done

    def _schedule(self, definition: Definition, component: str, first: datetime) -> Schedule:
        schedule_id = definition.ref(component, "schedule") or ""
        start = definition.get(schedule_id, "startDateTime")
        if definition.get(schedule_id, "startAt") == "FIRST_ACTIVATION_DATE_TIME":
            start = None
        return Schedule.of(definition.get(schedule_id, "period") or "1 day", start, first,
                           definition.get(schedule_id, "endDateTime"), definition.get(schedule_id, "occurrences"))

    def _add(self, account: str, region: str, pipeline: Pipeline, run: RunObject) -> None:
        self.save_run(account, region, pipeline["pipelineId"], run)

    def peer(self, runs: dict[str, RunObject], component: str, instance: RunObject) -> RunObject | None:
        """The instance of ``component`` for the same scheduled period as ``instance``."""
        found = runs.get(f"@{component}_{get(instance, '@scheduledStartTime')}")
        if found is None:  # an on-demand component has one instance, whatever its period
            found = next((r for r in runs.values() if is_instance(r) and component_of(r) == component), None)
        return found

    def _try_start(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
                   instance: RunObject, runs: dict[str, RunObject], now: datetime) -> None:
        retry_at = get(instance, "@nextRetryTime")
        if retry_at and parse_datetime(retry_at) > now:
            return
        component = component_of(instance)
        for dependency in definition.refs(component, "dependsOn"):
            other = self.peer(runs, dependency, instance)
            if other is None or status(other) not in DONE_OK:
                if other is not None and status(other) in TERMINAL and \
                        definition.get(component, "failureAndRerunMode") == "cascade":
                    self.finish(account, region, pipeline, definition, instance, "CASCADE_FAILED", now,
                                f"Dependency {other['id']} ended {status(other)}")
                return
        for precondition in definition.refs(component, "precondition"):
            try:
                if not self.precondition_holds(pipeline, definition, precondition, instance):
                    return
            except PreconditionFailed as failure:
                self.finish(account, region, pipeline, definition, instance, "FAILED", now, str(failure))
                return
        count = int(get(instance, "@attemptCount") or "0") + 1
        attempt = new_attempt(instance, count, now)
        put(instance, "@attemptCount", str(count))
        put(instance, "@status", "WAITING_FOR_RUNNER")
        put(instance, "@nextRetryTime", None)
        if get(instance, "@actualStartTime") is None:
            put(instance, "@actualStartTime", format_datetime(now))
        instance["fields"] = [f for f in instance["fields"] if f["key"] != "@headAttempt"]
        instance["fields"].append({"key": "@headAttempt", "refValue": attempt["id"]})
        timeout = definition.get(component, "attemptTimeout")
        if timeout:
            put(attempt, "@attemptDeadline", format_datetime(now + timedelta(seconds=period_seconds(timeout))))
        group = self.worker_group(pipeline, definition, component)
        put(instance, "@workerGroup", group)
        runs[attempt["id"]] = attempt
        self.save_run(account, region, pipeline["pipelineId"], attempt)
        self.save_run(account, region, pipeline["pipelineId"], instance)
        self.enqueue(account, region, group, pipeline["pipelineId"], instance,
                     get(instance, "@scheduledStartTime") or "")
        self.resource_needed(pipeline, definition, component)


    def _check_timeouts(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
                        instance: RunObject, runs: dict[str, RunObject], now: datetime) -> None:
        attempt = runs.get(head_attempt(instance) or "")
        if attempt is None:
            return
        for field, reason in (("@attemptDeadline", "attemptTimeout"), ("@leaseDeadline", "reportProgressTimeout")):
            deadline = get(attempt, field)
            if deadline and parse_datetime(deadline) <= now and status(attempt) in ("RUNNING", "WAITING_FOR_RUNNER"):
                self.attempt_ended(account, region, pipeline, definition, instance, attempt, "TIMEDOUT", now,
                                   f"Attempt timed out ({reason})")
                return

    def _check_late(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
                    instance: RunObject, now: datetime) -> None:
        component = component_of(instance)
        late_after = definition.get(component, "lateAfterTimeout")
        if not late_after or get(instance, "@lateNotified"):
            return
        try:
            due = parse_datetime(get(instance, "@scheduledStartTime") or "") + \
                timedelta(seconds=period_seconds(late_after))
        except ExpressionError:
            return
        if due <= now:
            put(instance, "@lateNotified", "true")
            self.run_actions(pipeline, definition, component, "onLateAction", instance)
            self.save_run(account, region, pipeline["pipelineId"], instance)

    def attempt_ended(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
                      instance: RunObject, attempt: RunObject, outcome: str, now: datetime,
                      message: str | None = None) -> None:
        """An attempt FINISHED, FAILED or TIMEDOUT: the instance finishes, retries or fails for good."""
        self._close(account, region, pipeline, attempt, outcome, now, message)
        component = component_of(instance)
        if outcome == "FINISHED":
            self.finish(account, region, pipeline, definition, instance, "FINISHED", now)
            return
        retries_text = definition.get(component, "maximumRetries") or DEFAULT_MAXIMUM_RETRIES
        retries = int(retries_text) if retries_text.isdigit() else int(DEFAULT_MAXIMUM_RETRIES)
        if int(get(instance, "@attemptCount") or "1") <= retries:
            delay = period_seconds(definition.get(component, "retryDelay") or DEFAULT_RETRY_DELAY, DEFAULT_RETRY_DELAY)
            put(instance, "@status", "WAITING_ON_DEPENDENCIES")
            put(instance, "@nextRetryTime", format_datetime(now + timedelta(seconds=delay)))
            self.save_run(account, region, pipeline["pipelineId"], instance)
            return
        self.finish(account, region, pipeline, definition, instance, outcome, now, message)

    def finish(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
               instance: RunObject, outcome: str, now: datetime, message: str | None = None) -> None:
        self._close(account, region, pipeline, instance, outcome, now, message)
        component = component_of(instance)
        self.run_actions(pipeline, definition, component, "onSuccess" if outcome == "FINISHED" else "onFail",
                         instance)
        if outcome != "FINISHED" and definition.get(component, "failureAndRerunMode") == "cascade":
            self._cascade(account, region, pipeline, definition, instance, now)

    def _close(self, account: str, region: str, pipeline: Pipeline, run: RunObject, outcome: str, now: datetime,
               message: str | None) -> None:
        put(run, "@status", outcome)
        put(run, "@actualEndTime", format_datetime(now))
        if message:
            put(run, "errorMessage", message)
        self.save_run(account, region, pipeline["pipelineId"], run)

    def _cascade(self, account: str, region: str, pipeline: Pipeline, definition: Definition,
                 failed: RunObject, now: datetime) -> None:
        """Instances of the same period that depend on a failed one fail with it (CASCADE_FAILED)."""
        runs = {run["id"]: run for run in self.runs(account, region, pipeline["pipelineId"])}
        failed_component = component_of(failed)
        for component in definition.objects:
            if failed_component in definition.refs(component, "dependsOn"):
                dependent = self.peer(runs, component, failed)
                if dependent is not None and status(dependent) == "WAITING_ON_DEPENDENCIES":
                    self.finish(account, region, pipeline, definition, dependent, "CASCADE_FAILED", now,
                                f"Dependency {failed['id']} ended {status(failed)}")

    def report(self, account: str, region: str, pipeline_id: str, attempt_id: str, outcome: str,
               message: str | None) -> None:
        """A task runner's SetTaskStatus, applied to the attempt and its instance."""
        now = _utc(self.clock.now())
        with self.store.transaction():
            pipeline = self.find_pipeline(account, region, pipeline_id)
            attempt = self.find_run(account, region, pipeline_id, attempt_id)
            if pipeline is None or attempt is None or status(attempt) in TERMINAL:
                return
            instance = self.find_run(account, region, pipeline_id, instance_of(attempt))
            if instance is None:
                return
            self.attempt_ended(account, region, pipeline, definition_of(pipeline), instance, attempt, outcome, now,
                               message)
        # what depends on this attempt starts on the engine's next tick, within a second


DEFAULT_MAXIMUM_RETRIES = "3"  # AWS: "By default, an activity retries three times before entering a hard failure"
DEFAULT_RETRY_DELAY = "10 minutes"
