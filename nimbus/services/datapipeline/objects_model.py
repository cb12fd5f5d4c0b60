"""A pipeline definition read as objects: fields by key, inheritance from ``parent`` and ``Default``, and
the expression resolver that reads an object's fields, its references and the pipeline's parameters."""
from __future__ import annotations

from collections.abc import Mapping

from .expressions import MAX_DEPTH, ExpressionError, expressions_in, substitute

Field = dict  # {"key", "stringValue" | "refValue"}
PipelineObject = dict  # {"id", "name", "fields": [Field]}


def values(obj: PipelineObject, key: str) -> list[Field]:
    return [f for f in obj.get("fields", []) if f["key"] == key]


def string_field(obj: PipelineObject, key: str) -> str | None:
    for field in values(obj, key):
        if "stringValue" in field:
            return field["stringValue"]
    return None


def ref_field(obj: PipelineObject, key: str) -> str | None:
    for field in values(obj, key):
        if "refValue" in field:
            return field["refValue"]
    return None


def set_field(obj: PipelineObject, key: str, value: str | None, ref: bool = False) -> None:
    """Replace every ``key`` field of ``obj`` with one value (or none)."""
    obj["fields"] = [f for f in obj.get("fields", []) if f["key"] != key]
    if value is not None:
        obj["fields"].append({"key": key, "refValue" if ref else "stringValue": value})


def parameter_values(parameter_objects: list[dict], given: list[dict]) -> dict[str, str]:
    """Each parameter's value: what was given, else its ``default`` attribute."""
    found = {}
    for parameter in parameter_objects:
        default = next((a["stringValue"] for a in parameter.get("attributes", []) if a["key"] == "default"), None)
        if default is not None:
            found[parameter["id"]] = default
    for value in given:
        found[value["id"]] = value["stringValue"]
    return found


class Definition:
    """The objects of a definition by id, read with inheritance: an object's own fields, then its
    ``parent`` chain's, then the ``Default`` object's."""

    def __init__(self, objects: list[PipelineObject], parameters: Mapping[str, str] | None = None):
        self.objects = {o["id"]: o for o in objects}
        self.parameters = dict(parameters or {})

    def lineage(self, object_id: str) -> list[PipelineObject]:
        chain, seen, current = [], set(), self.objects.get(object_id)
        while current is not None and current["id"] not in seen:
            chain.append(current)
            seen.add(current["id"])
            parent = ref_field(current, "parent")
            current = self.objects.get(parent) if parent else None
        default = self.objects.get("Default")
        if default is not None and default["id"] not in seen:
            chain.append(default)
        return chain

    def fields(self, object_id: str, key: str) -> list[Field]:
        for obj in self.lineage(object_id):
            found = values(obj, key)
            if found:
                return found
        return []

    def get(self, object_id: str, key: str) -> str | None:
        """A string field's raw value (expressions unevaluated), inherited."""
        for field in self.fields(object_id, key):
            if "stringValue" in field:
                return field["stringValue"]
        return None

    def ref(self, object_id: str, key: str) -> str | None:
        for field in self.fields(object_id, key):
            if "refValue" in field:
                return field["refValue"]
        return None

    def refs(self, object_id: str, key: str) -> list[str]:
        return [f["refValue"] for f in self.fields(object_id, key) if "refValue" in f]

    def type_of(self, object_id: str) -> str | None:
        return self.get(object_id, "type")

    def evaluated(self, object_id: str, key: str, runtime: Mapping[str, object] | None = None,
                  node: str | None = None) -> str | None:
        raw = self.get(object_id, key)
        return None if raw is None else self.substitute(raw, object_id, runtime or {}, node)

    def substitute(self, text: str, object_id: str, runtime: Mapping[str, object], node: str | None = None,
                   depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise ExpressionError("Expressions nest too deeply")
        return substitute(text, self.resolver(object_id, runtime, node, depth))

    def resolver(self, object_id: str, runtime: Mapping[str, object], node: str | None, depth: int = 0):
        def resolve(path: list[str]) -> object:
            head, rest = path[0], path[1:]
            if not rest and head in self.parameters:
                return self.parameters[head]
            current = object_id
            if head == "node" and rest:
                current, head, rest = node or object_id, rest[0], rest[1:]
            while True:
                if not rest:
                    return self._value(current, head, runtime, node, depth)
                target = self.ref(current, head)
                if target is None or target not in self.objects:
                    raise ExpressionError(f"Unable to resolve '{'.'.join(path)}'")
                current, head, rest = target, rest[0], rest[1:]
        return resolve

    def _value(self, object_id: str, key: str, runtime: Mapping[str, object], node: str | None,
               depth: int) -> object:
        if key in runtime:
            return runtime[key]
        if key == "@id" or key == "id":
            return object_id
        raw = self.get(object_id, key)
        if raw is None and key == "name" and object_id in self.objects:
            return self.objects[object_id].get("name", object_id)
        if raw is None:
            ref = self.ref(object_id, key)
            if ref is not None:
                return ref
            raise ExpressionError(f"Unable to resolve '{key}' on object '{object_id}'")
        if expressions_in(raw):
            return self.substitute(raw, object_id, runtime, node, depth + 1)
        return raw
