"""What PollForTask hands a task runner: the attempt's activity with its fields inherited and its
expressions evaluated for the instance's period, and every object it references (data nodes,
databases, resources), evaluated the same way."""
from __future__ import annotations

from .documents import RunObject
from .expressions import ExpressionError, expressions_in
from .objects_model import Definition
from .side_effects import runtime_fields

_MAX_OBJECTS = 50


def evaluated_object(definition: Definition, object_id: str, runtime: dict[str, object]) -> dict:
    """``object_id`` with every inherited field, expressions evaluated (a field that cannot be is left as
    written, for the runner to report)."""
    fields: list[dict] = []
    seen: set[str] = set()
    for obj in definition.lineage(object_id):
        keys = {f["key"] for f in obj.get("fields", [])} - seen
        for field in obj.get("fields", []):
            if field["key"] not in keys or field["key"] == "parent":
                continue
            value = field.get("stringValue")
            if value is not None and expressions_in(value):
                try:
                    value = definition.substitute(value, object_id, runtime)
                except ExpressionError:
                    pass
                fields.append({"key": field["key"], "stringValue": value})
            else:
                fields.append(dict(field))
        seen |= keys
    return {"id": object_id, "name": definition.objects[object_id].get("name", object_id), "fields": fields}


def task_objects(definition: Definition, instance: RunObject, attempt: RunObject) -> dict[str, dict]:
    runtime = runtime_fields(instance)
    component = next(f["refValue"] for f in instance["fields"] if f["key"] == "@componentParent")
    main = evaluated_object(definition, component, runtime)
    main["fields"] += [f for f in attempt["fields"] if f["key"].startswith("@")]
    main["id"] = main["name"] = attempt["id"]
    objects = {attempt["id"]: main}
    pending = [f["refValue"] for f in main["fields"] if "refValue" in f and f["refValue"] in definition.objects]
    while pending and len(objects) < _MAX_OBJECTS:
        object_id = pending.pop()
        if object_id in objects:
            continue
        objects[object_id] = evaluated_object(definition, object_id, runtime)
        pending += [f["refValue"] for f in objects[object_id]["fields"]
                    if "refValue" in f and f["refValue"] in definition.objects and f["key"] != "schedule"]
    return objects
