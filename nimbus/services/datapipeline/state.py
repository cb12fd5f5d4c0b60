"""What every Data Pipeline module shares: finding and saving pipelines, their run objects and tasks,
and AWS's words for a pipeline that is not there."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .documents import PIPELINE, RUN_OBJECT, TASK, Pipeline, RunObject, Task

pipelines_ns = Namespace("datapipeline", "pipelines")
runs_ns = Namespace("datapipeline", "runs")
tasks_ns = Namespace("datapipeline", "tasks")
queue_ns = Namespace("datapipeline", "queue")  # per worker group: attempts waiting for a runner, oldest first
DELETED = "DELETING"


def invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequestException", message, status=400)


def pipeline_arn(account: str, region: str, pipeline_id: str) -> str:
    return f"arn:aws:datapipeline:{region}:{account}:pipeline/{pipeline_id}"


class DataPipelineState(BaseProvider):
    def find_pipeline(self, account: str, region: str, pipeline_id: str) -> Pipeline | None:
        return PIPELINE.get(self.store, pipelines_ns(account, region), pipeline_id)

    def pipeline(self, ctx: RequestContext, pipeline_id: str) -> Pipeline:
        """The live pipeline ``pipeline_id`` names, or AWS's not-found or deleted error."""
        found = self.find_pipeline(ctx.account_id, ctx.region, pipeline_id)
        if found is None:
            raise ServiceError("PipelineNotFoundException", f"Pipeline with id: {pipeline_id} does not exist",
                               status=400)
        if found["pipelineState"] == DELETED:
            raise ServiceError("PipelineDeletedException", f"Pipeline with id: {pipeline_id} is deleted",
                               status=400)
        return found

    def save_pipeline(self, account: str, region: str, pipeline: Pipeline) -> None:
        PIPELINE.put(self.store, pipelines_ns(account, region), pipeline["pipelineId"], pipeline)

    def all_pipelines(self, account: str, region: str) -> list[Pipeline]:
        return [doc for _, doc in PIPELINE.scan(self.store, pipelines_ns(account, region))]

    def runs(self, account: str, region: str, pipeline_id: str) -> list[RunObject]:
        return [doc for _, doc in RUN_OBJECT.scan(self.store, runs_ns(account, region, pipeline_id))]

    def find_run(self, account: str, region: str, pipeline_id: str, object_id: str) -> RunObject | None:
        return RUN_OBJECT.get(self.store, runs_ns(account, region, pipeline_id), object_id)

    def save_run(self, account: str, region: str, pipeline_id: str, run: RunObject) -> None:
        RUN_OBJECT.put(self.store, runs_ns(account, region, pipeline_id), run["id"], run)

    def enqueue(self, account: str, region: str, worker_group: str, pipeline_id: str, instance: RunObject,
                scheduled: str) -> None:
        self.store.put(queue_ns(account, region, worker_group), f"{scheduled}|{pipeline_id}|{instance['id']}",
                       {"pipelineId": pipeline_id, "instanceId": instance["id"]})

    def find_task(self, account: str, region: str, task_id: str) -> Task | None:
        return TASK.get(self.store, tasks_ns(account, region), task_id)

    def save_task(self, account: str, region: str, task: Task) -> None:
        TASK.put(self.store, tasks_ns(account, region), task["taskId"], task)

    def drop_task(self, account: str, region: str, task_id: str) -> None:
        self.store.delete(tasks_ns(account, region), task_id)

    def all_tasks(self, account: str, region: str) -> list[Task]:
        return [doc for _, doc in TASK.scan(self.store, tasks_ns(account, region))]
