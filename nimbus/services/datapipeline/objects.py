"""Objects: DescribeObjects, QueryObjects, SetStatus and EvaluateExpression, over a pipeline's
components (its active, else latest, definition), instances and attempts."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .documents import Pipeline
from .engine import Engine, _utc, definition_of
from .expressions import ExpressionError, format_datetime, parse_datetime
from .objects_model import Definition, parameter_values
from .runs_model import ACTIVE, DONE_OK, TERMINAL, component_of, is_instance, put, status
from .side_effects import runtime_fields
from .state import invalid_request
from .task_objects import evaluated_object

_PAGE = 100
_STATUS_BY_SPHERE = {"COMPONENT": {"PAUSE", "RESUME"}, "INSTANCE": {"RERUN", "TRY_CANCEL", "MARK_FINISHED"},
                     "ATTEMPT": {"TRY_CANCEL"}}


def _definition(pipeline: Pipeline) -> Definition:
    if "activeObjects" in pipeline:
        return definition_of(pipeline)
    return Definition(pipeline.get("pipelineObjects", []), parameter_values(pipeline.get("parameterObjects", []),
                                                                            pipeline.get("parameterValues", [])))


def _marker(params: dict) -> int:
    marker = params.get("marker") or "0"
    if not marker.isdigit():
        raise invalid_request(f"Invalid marker: {marker}")
    return int(marker)


def _field_value(obj: dict, key: str) -> str | None:
    for field in obj.get("fields", []):
        if field["key"] == key:
            return field.get("stringValue", field.get("refValue"))
    return None


def _matches(obj: dict, selector: dict) -> bool:
    value = _field_value(obj, selector["fieldName"])
    operator = selector.get("operator", {})
    kind, wanted = operator.get("type", "EQ"), operator.get("values", [])
    if value is None:
        return False
    if kind in ("EQ", "REF_EQ"):
        return value in wanted
    try:
        if kind in ("LE", "GE", "BETWEEN"):
            moment = parse_datetime(value)
            bounds = [parse_datetime(v) for v in wanted]
            if kind == "LE":
                return moment <= bounds[0]
            if kind == "GE":
                return moment >= bounds[0]
            return bounds[0] <= moment <= bounds[1]
    except (ExpressionError, IndexError):
        raise invalid_request(f"Invalid values {wanted} for operator {kind} on '{selector['fieldName']}'") from None
    raise invalid_request(f"Unknown operator type: {kind}")


class ObjectOps(Engine):
    def _all_objects(self, ctx: RequestContext, pipeline: Pipeline) -> dict[str, dict]:
        objects = {o["id"]: o for o in pipeline.get("activeObjects", pipeline.get("pipelineObjects", []))}
        for run in self.runs(ctx.account_id, ctx.region, pipeline["pipelineId"]):
            objects[run["id"]] = dict(run)
        return objects

    def describe_objects(self, ctx: RequestContext, params: dict) -> dict:
        pipeline = self.pipeline(ctx, params["pipelineId"])
        objects, definition = self._all_objects(ctx, pipeline), _definition(pipeline)
        found = []
        for object_id in params["objectIds"]:
            obj = objects.get(object_id)
            if obj is None:
                continue
            if params.get("evaluateExpressions") and object_id in definition.objects:
                obj = evaluated_object(definition, object_id, {})
            elif params.get("evaluateExpressions") and is_instance(obj):  # type: ignore[arg-type]
                evaluated = evaluated_object(definition, component_of(obj), runtime_fields(obj))  # type: ignore[arg-type]
                obj = {**obj, "fields": [*evaluated["fields"], *obj["fields"]]}
            found.append({"id": obj["id"], "name": obj.get("name", obj["id"]), "fields": obj.get("fields", [])})
        start = _marker(params)
        chunk = found[start:start + _PAGE]
        more = start + _PAGE < len(found)
        return {"pipelineObjects": chunk, "hasMoreResults": more, **({"marker": str(start + _PAGE)} if more else {})}

    def query_objects(self, ctx: RequestContext, params: dict) -> dict:
        pipeline = self.pipeline(ctx, params["pipelineId"])
        sphere = params["sphere"]
        if sphere not in _STATUS_BY_SPHERE:
            raise invalid_request(f"Invalid sphere: {sphere}")
        objects = self._all_objects(ctx, pipeline)
        selectors = params.get("query", {}).get("selectors", [])
        matched = sorted(object_id for object_id, obj in objects.items()
                         if (_field_value(obj, "@sphere") or "COMPONENT") == sphere
                         and all(_matches(obj, s) for s in selectors))
        limit = min(params.get("limit") or _PAGE, 500)
        start = _marker(params)
        chunk = matched[start:start + limit]
        more = start + limit < len(matched)
        return {"ids": chunk, "hasMoreResults": more, **({"marker": str(start + limit)} if more else {})}

    def set_status(self, ctx: RequestContext, params: dict) -> dict:
        wanted = params["status"]
        now = format_datetime(_utc(self.clock.now()))
        with self.store.transaction():
            pipeline = self.pipeline(ctx, params["pipelineId"])
            objects = self._all_objects(ctx, pipeline)
            for object_id in params["objectIds"]:
                obj = objects.get(object_id)
                sphere = (_field_value(obj, "@sphere") if obj else None) or "COMPONENT"
                if obj is None or wanted not in _STATUS_BY_SPHERE[sphere]:
                    raise invalid_request(f"Status {wanted} is not valid for object {object_id} "
                                          f"(of sphere {sphere})")
                if sphere == "COMPONENT":
                    pipeline["pipelineState"] = "PAUSED" if wanted == "PAUSE" else "SCHEDULED"
                    continue
                run = self.find_run(ctx.account_id, ctx.region, pipeline["pipelineId"], object_id)
                if run is None:
                    continue
                if wanted == "RERUN" and status(run) in TERMINAL | {"PAUSED"}:
                    put(run, "@status", "WAITING_ON_DEPENDENCIES")
                    put(run, "@nextRetryTime", None)
                    put(run, "@attemptCount", "0")
                    put(run, "@actualEndTime", None)
                    if pipeline["pipelineState"] == "FINISHED":
                        pipeline["pipelineState"] = "SCHEDULED"
                elif wanted == "TRY_CANCEL" and status(run) in ACTIVE:
                    put(run, "@status", "CANCELED")
                    put(run, "@actualEndTime", now)
                elif wanted == "MARK_FINISHED" and status(run) not in DONE_OK:
                    put(run, "@status", "MARK_FINISHED")
                    put(run, "@actualEndTime", now)
                self.save_run(ctx.account_id, ctx.region, pipeline["pipelineId"], run)
            self.save_pipeline(ctx.account_id, ctx.region, pipeline)
        self.wake_engine()
        return {}

    def evaluate_expression(self, ctx: RequestContext, params: dict) -> dict:
        pipeline = self.pipeline(ctx, params["pipelineId"])
        definition, object_id = _definition(pipeline), params["objectId"]
        runtime: dict[str, object] = {}
        if object_id not in definition.objects:
            run = self.find_run(ctx.account_id, ctx.region, pipeline["pipelineId"], object_id)
            if run is None:
                raise invalid_request(f"Object {object_id} does not exist in pipeline {pipeline['pipelineId']}")
            runtime, object_id = runtime_fields(run), component_of(run)
        expression = params["expression"]
        try:
            text = definition.substitute(expression, object_id, runtime)
        except ExpressionError as error:
            raise invalid_request(f"Unable to evaluate expression '{expression}': {error}") from None
        return {"evaluatedExpression": text}

