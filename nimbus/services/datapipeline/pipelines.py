"""Pipelines: CreatePipeline (idempotent on uniqueId), DescribePipelines, ListPipelines, DeletePipeline,
AddTags and RemoveTags."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.paging import page_after

from .documents import Pipeline
from .expressions import format_datetime
from .state import DELETED, DataPipelineState, invalid_request, pipeline_arn, runs_ns, tasks_ns

MAX_TAGS = 10
_LIST_PAGE = 100


def _when(epoch: float) -> str:
    from datetime import UTC, datetime
    return format_datetime(datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None))


def _merged_tags(current: list[dict], added: list[dict]) -> list[dict]:
    tags = {t["key"]: t["value"] for t in current}
    for tag in added:
        if tag["key"].lower().startswith("aws:"):
            raise invalid_request("Tag keys cannot start with the reserved prefix 'aws:'")
        tags[tag["key"]] = tag["value"]
    if len(tags) > MAX_TAGS:
        raise invalid_request(f"A pipeline can have at most {MAX_TAGS} tags")
    return [{"key": k, "value": v} for k, v in tags.items()]


def described(account: str, pipeline: Pipeline) -> dict:
    fields = [("@id", pipeline["pipelineId"]), ("name", pipeline["name"]), ("uniqueId", pipeline["uniqueId"]),
              ("@pipelineState", pipeline["pipelineState"]), ("@creationTime", _when(pipeline["creationTime"])),
              ("@userId", pipeline["userId"]), ("@accountId", account), ("pipelineCreator", pipeline["userId"]),
              ("@sphere", "PIPELINE")]
    if "description" in pipeline:
        fields.append(("description", pipeline["description"]))
    if "latestRunTime" in pipeline:
        fields.append(("@latestRunTime", _when(pipeline["latestRunTime"])))
    if "activatedAt" in pipeline:
        fields.append(("@firstActivationTime", _when(pipeline["activatedAt"])))
    out = {"pipelineId": pipeline["pipelineId"], "name": pipeline["name"], "tags": pipeline.get("tags", []),
           "fields": [{"key": k, "stringValue": v} for k, v in fields]}
    if "description" in pipeline:
        out["description"] = pipeline["description"]
    return out


class PipelineOps(DataPipelineState):
    def create_pipeline(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            for existing in self.all_pipelines(ctx.account_id, ctx.region):
                if existing["uniqueId"] == params["uniqueId"] and existing["pipelineState"] != DELETED:
                    # AWS answers a repeated uniqueId with the pipeline it made the first time
                    return {"pipelineId": existing["pipelineId"]}
            pipeline: Pipeline = {
                "pipelineId": random_id("df-", 19), "name": params["name"], "uniqueId": params["uniqueId"],
                "accountId": ctx.account_id, "region": ctx.region, "tags": _merged_tags([], params.get("tags", [])), "creationTime": ctx.clock.time(),
                "userId": ctx.principal.arn if ctx.principal else ctx.account_id, "pipelineState": "PENDING",
                "periodsCreated": {}}
            if params.get("description") is not None:
                pipeline["description"] = params["description"]
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
        ctx.emit_resource_change("AWS::DataPipeline::Pipeline",
                                 pipeline_arn(ctx.account_id, ctx.region, pipeline["pipelineId"]), "created",
                                 lambda: described(ctx.account_id, pipeline))
        return {"pipelineId": pipeline["pipelineId"]}

    def describe_pipelines(self, ctx: RequestContext, params: dict) -> dict:
        if len(params["pipelineIds"]) > 25:
            raise invalid_request("Too many pipeline ids; at most 25 can be described at once")
        return {"pipelineDescriptionList": [described(ctx.account_id, self.pipeline(ctx, pipeline_id))
                                            for pipeline_id in params["pipelineIds"]]}

    def list_pipelines(self, ctx: RequestContext, params: dict) -> dict:
        live = sorted((p for p in self.all_pipelines(ctx.account_id, ctx.region) if p["pipelineState"] != DELETED),
                      key=lambda p: p["pipelineId"])
        chunk, more = page_after(live, lambda p: p["pipelineId"], params.get("marker"), _LIST_PAGE)
        out: dict = {"pipelineIdList": [{"id": p["pipelineId"], "name": p["name"]} for p in chunk],
                     "hasMoreResults": more}
        if more:
            out["marker"] = chunk[-1]["pipelineId"]
        return out

    def delete_pipeline(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            pipeline = self.find_pipeline(ctx.account_id, ctx.region, params["pipelineId"])
            if pipeline is None:
                self.pipeline(ctx, params["pipelineId"])  # AWS's not-found words
                return {}
            pipeline["pipelineState"] = DELETED
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
            self.store.delete_namespace(runs_ns(ctx.account_id, ctx.region, pipeline["pipelineId"]))
            for task in self.all_tasks(ctx.account_id, ctx.region):
                if task["pipelineId"] == pipeline["pipelineId"]:
                    self.store.delete(tasks_ns(ctx.account_id, ctx.region), task["taskId"])
        ctx.emit_resource_change("AWS::DataPipeline::Pipeline",
                                 pipeline_arn(ctx.account_id, ctx.region, pipeline["pipelineId"]), "deleted", None)
        return {}

    def add_tags(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            pipeline = self.pipeline(ctx, params["pipelineId"])
            pipeline["tags"] = _merged_tags(pipeline.get("tags", []), params["tags"])
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
        return {}

    def remove_tags(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            pipeline = self.pipeline(ctx, params["pipelineId"])
            pipeline["tags"] = [t for t in pipeline.get("tags", []) if t["key"] not in params["tagKeys"]]
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
        return {}
