"""Change sets with ``IncludeNestedStacks``: a change set on a parent also makes one on each nested stack it
modifies (and so on down), linked as AWS shows them (the parent's ``ResourceChange.ChangeSetId``; the
child's ``ParentChangeSetId`` and ``RootChangeSetId``). Executing the root executes the tree: when the
parent's nested stack resource updates its child, the child's own change set is what runs."""
from __future__ import annotations

import secrets
import string

from nimbus.core.context import RequestContext

from .changesets import NO_CHANGES, ChangeSetOps
from .documents import ChangeSet, Stack
from .handlers.stack import stack_request
from .nested import calling_stack
from .plan import STACK_TYPE, has_unknown
from .template import validation_error

_SUFFIX = string.ascii_uppercase + string.digits


def _nested_name(change_set: ChangeSet, logical_id: str) -> str:
    suffix = "".join(secrets.choice(_SUFFIX) for _ in range(12))
    return f"{change_set['ChangeSetName'][:128 - len(logical_id) - 14]}-{logical_id}-{suffix}"


def _children(change_set: ChangeSet) -> list[str]:
    return [c["ResourceChange"]["ChangeSetId"] for c in change_set.get("Changes", [])
            if c["ResourceChange"].get("ChangeSetId")]


class NestedChangeSetOps(ChangeSetOps):
    def create_change_set(self, ctx: RequestContext, params: dict) -> dict:
        created = super().create_change_set(ctx, params)
        if params.get("IncludeNestedStacks"):
            change_set = self.change_set(ctx, created["Id"], None)
            change_set["IncludeNestedStacks"] = True
            if change_set["Status"] == "CREATE_COMPLETE":
                self._nest(ctx, change_set, params)
            self._save_change_set(ctx, change_set)
        return created

    def _nest(self, ctx: RequestContext, change_set: ChangeSet, params: dict) -> None:
        """Make the change set of each nested stack the change modifies in place, and link it."""
        stack = self.stack(ctx, change_set["StackId"])
        for change in change_set.get("Changes", []):
            resource = change["ResourceChange"]
            properties = change_set.get("NestedStacks", {}).get(resource["LogicalResourceId"])
            if resource["ResourceType"] != STACK_TYPE or resource["Action"] != "Modify" or \
                    resource["Replacement"] != "False" or properties is None or has_unknown(properties):
                continue
            request = {k: v for k, v in stack_request(properties).items() if k != "TimeoutInMinutes"}
            request.update({"StackName": resource["PhysicalResourceId"], "ChangeSetType": "UPDATE",
                            "ChangeSetName": _nested_name(change_set, resource["LogicalResourceId"]),
                            "IncludeNestedStacks": True, "Capabilities": params.get("Capabilities", [])})
            if params.get("RoleARN") or stack.get("RoleARN"):
                request["RoleARN"] = params.get("RoleARN") or stack["RoleARN"]
            child = self.change_set(ctx, self.create_change_set(ctx, request)["Id"], None)
            if child["Status"] == "FAILED" and child.get("StatusReason") == NO_CHANGES:
                self._drop(ctx, child)
            elif child["Status"] == "FAILED":
                change_set.update({"Status": "FAILED", "ExecutionStatus": "UNAVAILABLE", "StatusReason":
                                   f"Nested change set {child['ChangeSetId']} was not successfully created: "
                                   f"Currently in FAILED."})
            else:
                resource["ChangeSetId"] = child["ChangeSetId"]
                self._link(ctx, child, change_set["ChangeSetId"],
                           change_set.get("RootChangeSetId") or change_set["ChangeSetId"])

    def _link(self, ctx: RequestContext, child: ChangeSet, parent_id: str, root_id: str) -> None:
        child.update({"ParentChangeSetId": parent_id, "RootChangeSetId": root_id})
        self._save_change_set(ctx, child)
        for grandchild in _children(child):
            self._link(ctx, self.change_set(ctx, grandchild, None), child["ChangeSetId"], root_id)

    def _drop(self, ctx: RequestContext, change_set: ChangeSet) -> None:
        """Delete a change set and its nested ones."""
        for child in _children(change_set):
            self._drop(ctx, self.change_set(ctx, child, None))
        super().delete_change_set(ctx, {"ChangeSetName": change_set["ChangeSetId"]})

    def delete_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        super().delete_change_set(ctx, params)  # refuses one being executed before anything is deleted
        for child in _children(change_set):
            self._drop(ctx, self.change_set(ctx, child, None))
        return {}

    def describe_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        return {**super().describe_change_set(ctx, params), **_links(change_set)}

    def list_change_sets(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        summaries = super().list_change_sets(ctx, params)["Summaries"]
        by_id = {c["ChangeSetId"]: c for c in self._all(ctx, stack)}
        return {"Summaries": [{**s, **_links(by_id[s["ChangeSetId"]])} for s in summaries]}

    def execute_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        parent = calling_stack(ctx)
        if change_set.get("ParentChangeSetId") and (parent is None or parent["StackId"] != self._parent_of(ctx,
                                                                                                        change_set)):
            raise validation_error(f"Change set {change_set['ChangeSetId']} is a nested change set: execute its root "
                                   f"change set {change_set['RootChangeSetId']} instead.")
        return super().execute_change_set(ctx, params)

    def _parent_of(self, ctx: RequestContext, change_set: ChangeSet) -> str:
        return self.stack(ctx, change_set["StackId"]).get("ParentId", "")

    def update_stack(self, ctx: RequestContext, params: dict) -> dict:
        """A parent executing its change set updates each child through that child's own change set."""
        parent = calling_stack(ctx)
        if parent is not None:
            child = self.stack(ctx, params["StackName"])
            pending = self._pending(ctx, parent, child)
            if pending is not None:
                self.execute_change_set(ctx, {"ChangeSetName": pending["ChangeSetId"]})
                return {"StackId": child["StackId"]}
        return super().update_stack(ctx, params)

    def _pending(self, ctx: RequestContext, parent: Stack, child: Stack) -> ChangeSet | None:
        executing = {c["ChangeSetId"] for c in self._all(ctx, parent) if c["ExecutionStatus"] == "EXECUTE_IN_PROGRESS"}
        for change_set in self._all(ctx, child):
            if change_set.get("ParentChangeSetId") in executing and change_set["ExecutionStatus"] == "AVAILABLE":
                return change_set
        return None


def _links(change_set: ChangeSet) -> dict:
    out: dict = {"IncludeNestedStacks": bool(change_set.get("IncludeNestedStacks"))}
    for member in ("ParentChangeSetId", "RootChangeSetId"):
        if change_set.get(member):
            out[member] = change_set[member]  # type: ignore[literal-required]
    return out
