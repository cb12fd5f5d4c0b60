"""nimbus's own Ec2Resource: a local task runner thread that lives as long as the resource. It starts
when an activity that runs on the resource is waiting for a runner, polls the resource's worker group
through the Data Pipeline API as the resource's ``resourceRole``, and is told to stop (by its heartbeat's
``terminate``) after ``terminateAfter`` on the virtual clock or when no activity of its resource is
left to run."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from nimbus.core.context import CallSource
from nimbus.core.runtime import Runtime

from .documents import Pipeline
from .emr_resource import DATAPIPELINE_PRINCIPAL, EmrTaskRunner, run_job_flow_params, run_on_cluster
from .objects_model import Definition
from .runner import TaskRunner
from .schedule import period_seconds
from .state import pipeline_arn

EC2_PRINCIPAL = "ec2.amazonaws.com"


@dataclass
class _Worker:
    thread: threading.Thread
    stop: threading.Event
    ends_at: float | None


class LocalWorkers:
    def __init__(self, runtime: Runtime, has_work: Callable[[str, str, str, str], bool]):
        self.runtime, self.has_work = runtime, has_work
        self._lock = threading.Lock()
        self._workers: dict[str, _Worker] = {}
        self._where: dict[str, tuple[str, str, str]] = {}

    def ensure(self, pipeline: Pipeline, definition: Definition, resource: str) -> None:
        group = f"{pipeline['pipelineId']}/{resource}"
        role = definition.evaluated(resource, "resourceRole")
        account, region = pipeline.get("accountId", ""), pipeline.get("region", "")
        with self._lock:
            current = self._workers.get(group)
            if current is not None and current.thread.is_alive() or not role:
                return
            terminate_after = definition.get(resource, "terminateAfter")
            now = self.runtime.clock.time()
            stop = threading.Event()

            def call(service: str, operation: str, params: dict) -> dict:
                return self.runtime.client.call_as_role(role, service, operation, params, invoked_by=EC2_PRINCIPAL,
                                                        session_name=resource[:64], region=region)
            runner, target = self._runner(pipeline, definition, resource, call, group, stop)
            thread = threading.Thread(target=target, daemon=True, name=f"nimbus-datapipeline-{group}")
            self._workers[group] = _Worker(thread, stop, now + period_seconds(terminate_after)
                                           if terminate_after else None)
            self._where[group] = (str(account), str(region), pipeline["pipelineId"])
            thread.start()

    def _runner(self, pipeline: Pipeline, definition: Definition, resource: str, call: Callable,
                group: str, stop: threading.Event) -> tuple[TaskRunner, Callable[[], None]]:
        """An Ec2Resource's runner runs tasks itself; an EmrCluster's runs them on the cluster it launches
        as the pipeline's ``role``."""
        if definition.type_of(resource) != "EmrCluster":
            runner = TaskRunner(call, group, hostname=f"ec2-{resource.lower()}.nimbus.internal")
            return runner, lambda: runner.run(stop)
        role, region = definition.evaluated(resource, "role") or "", pipeline.get("region", "")
        account = pipeline.get("accountId", "")

        def as_service(service: str, operation: str, params: dict) -> dict:
            return self.runtime.client.call_as_role(
                role, service, operation, params, invoked_by=DATAPIPELINE_PRINCIPAL, session_name="DataPipeline",
                region=region, source=CallSource(pipeline_arn(account, region, pipeline["pipelineId"]), account))
        emr_runner = EmrTaskRunner(call, group, hostname=f"emr-{resource.lower()}.nimbus.internal")
        launch = run_job_flow_params(definition, resource, pipeline["pipelineId"])
        return emr_runner, lambda: run_on_cluster(emr_runner, stop, launch, as_service)

    def should_terminate(self, group: str) -> bool:
        """A heartbeat's answer: only nimbus's own workers are ever told to stop."""
        with self._lock:
            worker, where = self._workers.get(group), self._where.get(group)
        if worker is None or where is None:
            return False
        if worker.stop.is_set() or (worker.ends_at is not None and self.runtime.clock.time() >= worker.ends_at):
            return True
        return not self.has_work(*where, group)

    def stop_all(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                worker.stop.set()
