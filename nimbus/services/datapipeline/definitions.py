"""Definitions: PutPipelineDefinition, ValidatePipelineDefinition, GetPipelineDefinition, and the
activation they allow (ActivatePipeline, DeactivatePipeline)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch

from .engine import Engine
from .objects_model import Definition, parameter_values
from .roles import check_roles
from .state import invalid_request
from .validation import validate

MAX_OBJECTS = 100
_RUNNING = ("WAITING_FOR_RUNNER", "RUNNING", "WAITING_ON_DEPENDENCIES")


def _checked(params: dict) -> tuple[list[dict], list[dict], bool]:
    objects = params["pipelineObjects"]
    if len(objects) > MAX_OBJECTS:
        raise invalid_request(f"Pipeline definition has {len(objects)} objects, more than the allowed "
                              f"maximum of {MAX_OBJECTS}")
    errors, warnings = validate(objects)
    known = {p["id"] for p in params.get("parameterObjects", [])}
    for value in params.get("parameterValues", []):
        if value["id"] not in known:
            errors.append({"id": value["id"], "errors": [f"INVALID_PARAMETER: '{value['id']}' is not a "
                                                         "parameter of this pipeline"]})
    return errors, warnings, bool(errors)


def _answer(errors: list[dict], warnings: list[dict], errored: bool) -> dict:
    out: dict = {"errored": errored}
    if errors:
        out["validationErrors"] = errors
    if warnings:
        out["validationWarnings"] = warnings
    return out


class DefinitionOps(Engine):
    def validate_pipeline_definition(self, ctx: RequestContext, params: dict) -> dict:
        self.pipeline(ctx, params["pipelineId"])
        return _answer(*_checked(params))

    def put_pipeline_definition(self, ctx: RequestContext, params: dict) -> dict:
        errors, warnings, errored = _checked(params)
        with self.store.transaction():
            pipeline = self.pipeline(ctx, params["pipelineId"])
            if pipeline["pipelineState"] == "FINISHED":
                raise invalid_request("Cannot update the definition of a pipeline in the FINISHED state")
            pipeline["pipelineObjects"] = params["pipelineObjects"]
            pipeline["parameterObjects"] = params.get("parameterObjects", [])
            pipeline["parameterValues"] = params.get("parameterValues", [])
            pipeline["errored"] = errored
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
        return _answer(errors, warnings, errored)

    def get_pipeline_definition(self, ctx: RequestContext, params: dict) -> dict:
        pipeline = self.pipeline(ctx, params["pipelineId"])
        version = params.get("version", "latest")
        if version not in ("latest", "active"):
            raise invalid_request(f"Invalid version '{version}': the version is 'latest' or 'active'")
        prefix = "active" if version == "active" else ""
        if version == "active" and "activeObjects" not in pipeline:
            raise invalid_request(f"Pipeline {pipeline['pipelineId']} has no active version")
        return {"pipelineObjects": pipeline.get("activeObjects" if prefix else "pipelineObjects", []),
                "parameterObjects": pipeline.get("activeParameterObjects" if prefix else "parameterObjects", []),
                "parameterValues": pipeline.get("activeParameterValues" if prefix else "parameterValues", [])}

    def activate_pipeline(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            pipeline = self.pipeline(ctx, params["pipelineId"])
            if not pipeline.get("pipelineObjects") or pipeline.get("errored", True):
                raise invalid_request(f"Pipeline {pipeline['pipelineId']} does not have a valid pipeline "
                                      "definition: put a definition without errors before activating it")
            values = params.get("parameterValues") or pipeline.get("parameterValues", [])
            check_roles(ctx, Definition(pipeline["pipelineObjects"],
                                        parameter_values(pipeline.get("parameterObjects", []), values)))
            pipeline["activeObjects"] = pipeline["pipelineObjects"]
            pipeline["activeParameterObjects"] = pipeline.get("parameterObjects", [])
            pipeline["activeParameterValues"] = values
            now = ctx.clock.time()
            pipeline.setdefault("activatedAt", now)
            if params.get("startTimestamp") is not None:
                pipeline["scheduledFrom"] = epoch(params["startTimestamp"]) or now
            else:
                pipeline.setdefault("scheduledFrom", pipeline["activatedAt"])
            pipeline["pipelineState"] = "SCHEDULED"
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
        self.advance_now(ctx.account_id, ctx.region, pipeline["pipelineId"])
        return {}

    def deactivate_pipeline(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            pipeline = self.pipeline(ctx, params["pipelineId"])
            if pipeline["pipelineState"] in ("SCHEDULED", "PAUSED"):
                pipeline["pipelineState"] = "INACTIVE"
                self.save_pipeline(ctx.account_id, ctx.region, pipeline)
            if params.get("cancelActive", True):
                for run in self.runs(ctx.account_id, ctx.region, pipeline["pipelineId"]):
                    self.cancel_if_active(ctx.account_id, ctx.region, pipeline["pipelineId"], run, _RUNNING)
        return {}
