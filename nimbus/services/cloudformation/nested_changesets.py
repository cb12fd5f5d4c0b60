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
from .nested import calling_stack, link, nested_request
from .plan import STACK_TYPE, has_unknown
from .template import validation_error

_SUFFIX = string.ascii_uppercase + string.digits


def _suffixed(head: str) -> str:
    """``<head>-<RANDOM>`` in 128 characters, as AWS names what a stack makes (handlers/base.py's physical_name)."""
    return f"{head[:115]}-{''.join(secrets.choice(_SUFFIX) for _ in range(12))}"


def _nested_name(change_set: ChangeSet, logical_id: str) -> str:
    return _suffixed(f"{change_set['ChangeSetName'][:128 - len(logical_id) - 14]}-{logical_id}")


def _head(name: str) -> str:
    """A generated name without its random suffix."""
    return name.rsplit("-", 1)[0]


def _nested_kind(resource: dict) -> str | None:
    """The type of change set a nested stack's resource change gets: UPDATE when it modifies the stack in
    place, CREATE when it adds or replaces it."""
    if resource["Action"] == "Add" or (resource["Action"] == "Modify" and resource.get("Replacement") == "True"):
        return "CREATE"
    return "UPDATE" if resource["Action"] == "Modify" and resource.get("Replacement") == "False" else None


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
        """Make the change set of each nested stack the change modifies in place (an UPDATE one) or adds or
        replaces (a CREATE one, on a new child stack REVIEW_IN_PROGRESS, as AWS makes it), and link it."""
        stack = self.stack(ctx, change_set["StackId"])
        for change in change_set.get("Changes", []):
            resource = change["ResourceChange"]
            properties = change_set.get("NestedStacks", {}).get(resource["LogicalResourceId"])
            kind = _nested_kind(resource)
            if resource["ResourceType"] != STACK_TYPE or kind is None or properties is None or \
                    has_unknown(properties):
                continue
            request = {k: v for k, v in stack_request(properties).items() if k != "TimeoutInMinutes"}
            request.update({"StackName": resource.get("PhysicalResourceId"), "ChangeSetType": kind,
                            "ChangeSetName": _nested_name(change_set, resource["LogicalResourceId"]),
                            "IncludeNestedStacks": True, "Capabilities": params.get("Capabilities", [])})
            if kind == "CREATE":  # named as the parent's resource names a stack it creates; the parent's tags too
                own = {t["Key"] for t in request["Tags"]}
                request.update({"StackName": _suffixed(f"{stack['StackName']}-{resource['LogicalResourceId']}"),
                                "Tags": [t for t in stack.get("Tags", []) if t["Key"] not in own] + request["Tags"]})
            if params.get("RoleARN") or stack.get("RoleARN"):
                request["RoleARN"] = params.get("RoleARN") or stack["RoleARN"]
            child = self.change_set(ctx, self.create_change_set(ctx, request)["Id"], None)
            if kind == "CREATE":
                self._adopt(ctx, child["StackId"], stack)
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

    def _adopt(self, ctx: RequestContext, child_id: str, parent: Stack) -> None:
        """A child stack made for a CREATE change set is its parent's from the start."""
        child = self.stack(ctx, child_id)
        link(child, parent)
        self.save_stack(ctx.account_id, ctx.region, child)

    def _link(self, ctx: RequestContext, child: ChangeSet, parent_id: str, root_id: str) -> None:
        child.update({"ParentChangeSetId": parent_id, "RootChangeSetId": root_id})
        self._save_change_set(ctx, child)
        for grandchild in _children(child):
            self._link(ctx, self.change_set(ctx, grandchild, None), child["ChangeSetId"], root_id)

    def _drop(self, ctx: RequestContext, change_set: ChangeSet) -> None:
        """Delete a nested change set and its own nested ones (with the child stack one made, unexecuted)."""
        for child in _children(change_set):
            self._drop(ctx, self.change_set(ctx, child, None))
        super().delete_change_set(ctx, {"ChangeSetName": change_set["ChangeSetId"]})
        if change_set["ChangeSetType"] == "CREATE" and \
                self.stack(ctx, change_set["StackId"])["StackStatus"] == "REVIEW_IN_PROGRESS":
            self.delete_stack(ctx, {"StackName": change_set["StackId"]})  # nothing made yet: it is only marked deleted

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

    def create_stack(self, ctx: RequestContext, params: dict) -> dict:
        """A parent executing its change set creates a child it adds through the child's own CREATE change set
        (the stack that change set made, whatever name the parent's resource picked this time)."""
        parent = calling_stack(ctx)
        if parent is not None:
            pending = self._pending_create(ctx, parent, _head(params["StackName"]))
            if pending is not None:
                inherited, _ = nested_request(ctx, params)
                self.execute_change_set(ctx, {"ChangeSetName": pending["ChangeSetId"],
                                              "DisableRollback": inherited["DisableRollback"]})
                return {"StackId": pending["StackId"]}
        return super().create_stack(ctx, params)

    def _pending_create(self, ctx: RequestContext, parent: Stack, head: str) -> ChangeSet | None:
        for executing in self._all(ctx, parent):
            if executing["ExecutionStatus"] != "EXECUTE_IN_PROGRESS":
                continue
            for child_id in _children(executing):
                child = self.change_set(ctx, child_id, None)
                if child["ChangeSetType"] == "CREATE" and child["ExecutionStatus"] == "AVAILABLE" and \
                        _head(child["StackName"]) == head:
                    return child
        return None

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
