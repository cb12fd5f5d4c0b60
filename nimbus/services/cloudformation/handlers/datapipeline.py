"""AWS::DataPipeline::Pipeline, through Data Pipeline's own API: the pipeline, its definition (objects,
parameter objects and values) and, with ``Activate`` (true by default), its activation."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, gone, tag_list


def _objects(properties: dict) -> list[dict]:
    return [{"id": o["Id"], "name": o["Name"], "fields": [
        {"key": f["Key"], **({"refValue": f["RefValue"]} if "RefValue" in f else {"stringValue": f["StringValue"]})}
        for f in o.get("Fields") or []]} for o in properties.get("PipelineObjects") or []]


def _parameters(properties: dict) -> dict:
    return {"parameterObjects": [{"id": p["Id"], "attributes": [{"key": a["Key"], "stringValue": a["StringValue"]}
                                                               for a in p.get("Attributes") or []]}
                                 for p in properties.get("ParameterObjects") or []],
            "parameterValues": [{"id": v["Id"], "stringValue": v["StringValue"]}
                                for v in properties.get("ParameterValues") or []]}


def _define(api: Api, pipeline_id: str, properties: dict) -> None:
    answer = api.call("datapipeline", "PutPipelineDefinition", {
        "pipelineId": pipeline_id, "pipelineObjects": _objects(properties), **_parameters(properties)})
    if answer.get("errored"):
        problems = "; ".join(f"{e['id']}: {', '.join(e['errors'])}" for e in answer.get("validationErrors", []))
        raise ServiceError("ValidationError", f"Pipeline definition has errors: {problems}", status=400)
    if boolean(properties.get("Activate", True)):
        api.call("datapipeline", "ActivatePipeline", {"pipelineId": pipeline_id})
    else:
        api.call("datapipeline", "DeactivatePipeline", {"pipelineId": pipeline_id})


class Pipeline(Handler):
    type_name = "AWS::DataPipeline::Pipeline"

    def create(self, api: Api, properties: dict) -> Created:
        params: dict = {"name": properties["Name"], "uniqueId": api.physical_name(128)}
        if properties.get("Description"):
            params["description"] = properties["Description"]
        if properties.get("PipelineTags"):
            params["tags"] = tag_list(properties["PipelineTags"], "key", "value")
        pipeline_id = api.call("datapipeline", "CreatePipeline", params)["pipelineId"]
        try:
            _define(api, pipeline_id, properties)
        except ServiceError:  # not the stack's until create succeeds: leave nothing behind
            api.call("datapipeline", "DeletePipeline", {"pipelineId": pipeline_id})
            raise
        return Created(pipeline_id, {"PipelineId": pipeline_id})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        _define(api, physical_id, new)
        old_keys = {t["Key"] for t in old.get("PipelineTags") or []}
        dropped = old_keys - {t["Key"] for t in new.get("PipelineTags") or []}
        if dropped:
            api.call("datapipeline", "RemoveTags", {"pipelineId": physical_id, "tagKeys": sorted(dropped)})
        if new.get("PipelineTags"):
            api.call("datapipeline", "AddTags", {"pipelineId": physical_id,
                                                 "tags": tag_list(new["PipelineTags"], "key", "value")})
        return {"PipelineId": physical_id}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        try:
            api.call("datapipeline", "DeletePipeline", {"pipelineId": physical_id})
        except ServiceError as error:
            if not gone(error):
                raise
