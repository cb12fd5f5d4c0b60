"""What a change set would do, worked out without touching a resource: each resource's Action (Add,
Modify, Remove) and, for a modification, whether it replaces the resource and why each property changes.

Properties are evaluated as the engine would, in dependency order, except that what only exists once the
change runs (an added or replaced resource's physical id or attribute) is a placeholder: a property that
depends on one is ``Dynamic`` (its ``CausingEntity`` the resource or attribute), and a create-only property
that does makes the replacement ``Conditional``, as AWS reports. A static change comes from the template
itself (``DirectModification``) or from a parameter's new value (``ParameterReference``).
"""
from __future__ import annotations

from typing import Any

from . import schemas
from .documents import StackResource
from .intrinsics import SUB_NAME, Scope, evaluate
from .prepare import Prepared
from .sealed import is_sealed

UNKNOWN = "{{changeSet:KNOWN_AFTER_APPLY}}"  # AWS's own placeholder for a value known only after execution
STACK_TYPE = "AWS::CloudFormation::Stack"
# A nested stack whose properties do not change is still updated, since its template may have.
AUTOMATIC = {"Target": {"Attribute": "Properties", "RequiresRecreation": "Never"}, "Evaluation": "Static",
             "ChangeSource": "Automatic"}


def has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return isinstance(value, str) and UNKNOWN in value


def _named(value: Any, kind: str) -> set[str]:
    """What an expression names: ``Ref`` targets (``kind`` "Ref") or ``Logical.Attribute`` of GetAtt and Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _named(item, kind)
    elif isinstance(value, dict):
        if len(value) == 1:
            (key, argument), = value.items()
            if kind == "Ref" and key == "Ref" and isinstance(argument, str):
                found.add(argument)
            if kind == "GetAtt" and key == "Fn::GetAtt":
                found.add(argument if isinstance(argument, str) else ".".join(str(a) for a in argument[:2]))
            if key == "Fn::Sub":
                text = argument if isinstance(argument, str) else (argument or [""])[0]
                for name in SUB_NAME.findall(text if isinstance(text, str) else ""):
                    if not name.startswith("!") and ("." in name) == (kind == "GetAtt"):
                        found.add(name)
        for item in value.values():
            found |= _named(item, kind)
    return found


class Planner:
    """One change set's plan over the stack's ``current`` resources and its ``previous`` template."""

    def __init__(self, prepared: Prepared, current: dict[str, StackResource], names: dict[str, Any],
                 exports: dict[str, str], previous: dict | None, previous_values: dict[str, str]):
        self.prepared, self.current = prepared, current
        self.previous_resources = (previous or {}).get("Resources") or {}
        self.previous_values = previous_values
        self.pending = {n for n in prepared.order if n not in current or not current[n].get("PhysicalResourceId")}
        self.scope = Scope({**prepared.refs, **names}, prepared.template.get("Mappings") or {}, prepared.conditions,
                           self._physical_ids(), self._attribute, exports.get)
        self.values: dict[str, tuple[dict | None, dict | None]] = {}  # logical id -> (before, after) properties

    def _physical_ids(self) -> dict[str, Any]:
        physical: dict[str, Any] = {n: UNKNOWN for n in self.prepared.order}
        physical.update({n: r["PhysicalResourceId"] for n, r in self.current.items() if r.get("PhysicalResourceId")})
        return physical

    def _attribute(self, logical: str, name: str) -> Any:
        if logical in self.pending or logical not in self.current:
            return UNKNOWN
        value = self.current[logical].get("Attributes", {}).get(name)
        return UNKNOWN if is_sealed(value) else value  # a change set never unseals a secret

    def _will_replace(self, logical_id: str) -> None:
        """Resources evaluated after this one see a new physical id and attributes."""
        self.pending.add(logical_id)
        self.scope.physical_ids[logical_id] = UNKNOWN

    def plan(self) -> list[dict]:
        """The change set's Changes; a template the engine could not evaluate is a ServiceError."""
        changes = []
        for logical_id in self.prepared.order:
            change = self._change(logical_id)
            if change is not None:
                changes.append(change)
        for logical_id, before in self.current.items():
            if logical_id not in self.prepared.order:
                self.values[logical_id] = (before.get("Properties", {}), None)
                changes.append({"Action": "Remove", "LogicalResourceId": logical_id,
                                "ResourceType": before["ResourceType"],
                                "PhysicalResourceId": before.get("PhysicalResourceId", ""), "Scope": [], "Details": [],
                                "PolicyAction": "Retain" if before.get("DeletionPolicy") == "Retain" else "Delete"})
        return [{"Type": "Resource", "ResourceChange": c} for c in changes]

    def _change(self, logical_id: str) -> dict | None:
        declared = self.prepared.resources[logical_id]
        change: dict[str, Any] = {"LogicalResourceId": logical_id, "ResourceType": declared["Type"]}
        new = evaluate(declared.get("Properties") or {}, self.scope)
        before = self.current.get(logical_id)
        if before is None or not before.get("PhysicalResourceId"):
            self.values[logical_id] = (None, new)
            return {**change, "Action": "Add", "Scope": [], "Details": []}
        old = before.get("Properties", {})
        if before["ResourceType"] != declared["Type"]:
            replacement, details = "True", list[dict]()
        else:
            changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k) or has_unknown(new.get(k)))
            if not changed and declared["Type"] == STACK_TYPE:  # its template may have changed: AWS updates it
                replacement, details = "False", [AUTOMATIC]
            elif not changed:
                return None
            else:
                replacement, details = self._modification(logical_id, changed, new)
        if replacement != "False":
            self._will_replace(logical_id)
        self.values[logical_id] = (old, new)
        return {**change, "Action": "Modify", "PhysicalResourceId": before["PhysicalResourceId"],
                "Replacement": replacement, "Scope": ["Properties"], "Details": details}

    def _modification(self, logical_id: str, changed: list[str], new: dict) -> tuple[str, list[dict]]:
        """(Replacement, Details) of a resource whose ``changed`` properties differ."""
        type_name = self.prepared.resources[logical_id]["Type"]
        create_only = {p.removeprefix("/properties/").split("/")[0] for p in
                       schemas.schema(type_name).get("createOnlyProperties", [])}
        details, replacement = [], "False"
        for key in changed:
            dynamic = has_unknown(new.get(key))
            recreation = ("Conditionally" if dynamic else "Always") if key in create_only else "Never"
            if recreation == "Always":
                replacement = "True"
            elif recreation == "Conditionally" and replacement == "False":
                replacement = "Conditional"
            target = {"Attribute": "Properties", "Name": key, "RequiresRecreation": recreation}
            details += [{"Target": target, **cause} for cause in self._causes(logical_id, key, dynamic)]
        return replacement, details

    def _causes(self, logical_id: str, key: str, dynamic: bool) -> list[dict]:
        """Why a property changes: Evaluation, ChangeSource and CausingEntity of each reason."""
        raw = (self.prepared.resources[logical_id].get("Properties") or {}).get(key)
        previous = (self.previous_resources.get(logical_id, {}).get("Properties") or {}).get(key)
        causes = []
        if dynamic:
            for name in sorted(_named(raw, "Ref") & self.pending):
                causes.append({"Evaluation": "Dynamic", "ChangeSource": "ResourceReference", "CausingEntity": name})
            for name in sorted(n for n in _named(raw, "GetAtt") if n.split(".", 1)[0] in self.pending):
                causes.append({"Evaluation": "Dynamic", "ChangeSource": "ResourceAttribute", "CausingEntity": name})
        if raw != previous:
            causes.append({"Evaluation": "Static", "ChangeSource": "DirectModification"})
        else:
            for name in sorted(_named(raw, "Ref") & set(self.prepared.refs)):
                if self.prepared.values.get(name) != self.previous_values.get(name):
                    causes.append({"Evaluation": "Static", "ChangeSource": "ParameterReference",
                                   "CausingEntity": name})
        if not causes:  # an import, a mapping or an SSM value changed under the same template text
            causes.append({"Evaluation": "Static", "ChangeSource": "DirectModification"})
        return causes
