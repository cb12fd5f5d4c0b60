"""What a change set would do, worked out without touching a resource: each resource's Action (Add,
Modify, Remove) and, for a modification, whether it replaces the resource.

Properties are evaluated as the engine would, except that what only exists once the change runs (a new
resource's physical id or attribute) is a placeholder: a property that depends on one is ``Dynamic``,
and a create-only property that does makes the replacement ``Conditional``, as AWS reports.
"""
from __future__ import annotations

from typing import Any

from . import schemas
from .documents import StackResource
from .intrinsics import Scope, evaluate
from .prepare import Prepared
from .sealed import is_sealed

UNKNOWN = "{{nimbus:known-after-execution}}"


def _has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return isinstance(value, str) and UNKNOWN in value


def planning_scope(prepared: Prepared, current: dict[str, StackResource], names: dict[str, Any],
                   exports: dict[str, str]) -> Scope:
    physical = {n: UNKNOWN for n in prepared.order}
    physical.update({n: r["PhysicalResourceId"] for n, r in current.items() if r.get("PhysicalResourceId")})

    def attribute(logical: str, name: str) -> Any:
        value = current[logical].get("Attributes", {}).get(name) if logical in current else UNKNOWN
        return UNKNOWN if is_sealed(value) else value  # a change set never unseals a secret
    return Scope({**prepared.refs, **names}, prepared.template.get("Mappings") or {}, prepared.conditions, physical,
                 attribute, exports.get)


def _modification(type_name: str, old: dict, new: dict) -> tuple[str, list[dict]] | None:
    """(Replacement, Details) of a resource whose properties change; None when nothing does."""
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k) or _has_unknown(new.get(k)))
    if not changed:
        return None
    create_only = {p.removeprefix("/properties/").split("/")[0] for p in
                   schemas.schema(type_name).get("createOnlyProperties", [])}
    details, replacement = [], "False"
    for key in changed:
        dynamic = _has_unknown(new.get(key))
        recreation = ("Conditionally" if dynamic else "Always") if key in create_only else "Never"
        if recreation == "Always":
            replacement = "True"
        elif recreation == "Conditionally" and replacement == "False":
            replacement = "Conditional"
        details.append({"Target": {"Attribute": "Properties", "Name": key, "RequiresRecreation": recreation},
                        "Evaluation": "Dynamic" if dynamic else "Static",
                        "ChangeSource": "ResourceReference" if dynamic else "DirectModification"})
    return replacement, details


def plan_changes(prepared: Prepared, current: dict[str, StackResource], scope: Scope) -> list[dict]:
    """The change set's Changes; a template the engine could not evaluate is a ServiceError."""
    changes = []
    for logical_id in prepared.order:
        declared = prepared.resources[logical_id]
        change: dict[str, Any] = {"LogicalResourceId": logical_id, "ResourceType": declared["Type"]}
        before = current.get(logical_id)
        if before is None or not before.get("PhysicalResourceId"):
            changes.append({**change, "Action": "Add", "Scope": [], "Details": []})
            continue
        new = evaluate(declared.get("Properties") or {}, scope)
        if before["ResourceType"] != declared["Type"]:
            modified: tuple[str, list[dict]] | None = ("True", [])
        else:
            modified = _modification(declared["Type"], before.get("Properties", {}), new)
        if modified is None:
            continue
        changes.append({**change, "Action": "Modify", "PhysicalResourceId": before["PhysicalResourceId"],
                        "Replacement": modified[0], "Scope": ["Properties"], "Details": modified[1]})
    for logical_id, before in current.items():
        if logical_id not in prepared.order:
            changes.append({"Action": "Remove", "LogicalResourceId": logical_id, "ResourceType": before["ResourceType"],
                            "PhysicalResourceId": before.get("PhysicalResourceId", ""), "Scope": [], "Details": [],
                            "PolicyAction": "Retain" if before.get("DeletionPolicy") == "Retain" else "Delete"})
    return [{"Type": "Resource", "ResourceChange": c} for c in changes]
