"""Change sets: CreateChangeSet (CREATE and UPDATE), DescribeChangeSet, ExecuteChangeSet, DeleteChangeSet
and ListChangeSets. A change set is worked out at once (plan.py) and executed as CreateStack or
UpdateStack would run; a CREATE change set for a new stack leaves it REVIEW_IN_PROGRESS until then."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError

from . import parameters
from .documents import CHANGE_SET, ChangeSet, Stack
from .plan import STACK_TYPE, Planner
from .prepare import prepare, read
from .property_values import masked, with_values
from .sources import template_body
from .stacks import UPDATABLE, StackOps, check_role, new_stack, ssm_reader, updated_settings
from .state import StackIdentity, changesets_ns
from .template import parse_template, validation_error

NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."
# What an execution needs of the CreateChangeSet request.
_KEPT = ("Parameters", "Capabilities", "RoleARN", "Tags", "NotificationARNs", "ResourcesToImport")


def _summary(change_set: ChangeSet) -> dict:
    out: dict = {k: change_set[k] for k in ("StackId", "StackName", "ChangeSetId", "ChangeSetName", "ExecutionStatus",
                                            "Status", "StatusReason", "Description")
                 if change_set.get(k)}  # type: ignore[literal-required]
    out["CreationTime"] = timestamp(change_set["CreationTime"])
    return out


class ChangeSetOps(StackOps):
    def _change_set(self, ctx: RequestContext, params: dict) -> ChangeSet:
        return self.change_set(ctx, params["ChangeSetName"], params.get("StackName"))

    def _save_change_set(self, ctx: RequestContext, change_set: ChangeSet) -> None:
        CHANGE_SET.put(self.store, changesets_ns(ctx.account_id, ctx.region, change_set["StackId"]),
                       change_set["ChangeSetName"], change_set)

    def create_change_set(self, ctx: RequestContext, params: dict) -> dict:
        name, kind = params["StackName"], params.get("ChangeSetType", "UPDATE")
        stack = self.find_stack(ctx, name)
        reviewing = stack is not None and stack["StackStatus"] == "REVIEW_IN_PROGRESS"
        existing = stack is not None and not reviewing and kind in ("UPDATE", "IMPORT")  # (imports.py: IMPORT's checks)
        if kind == "CREATE" and stack is not None and not reviewing:
            raise validation_error(f"Stack [{name}] already exists and cannot be created again with the changeSet "
                                   f"[{params['ChangeSetName']}].")
        if kind == "UPDATE" and (stack is None or reviewing):
            raise validation_error(f"Stack [{name}] does not exist")
        if existing and stack is not None and stack["StackStatus"] not in UPDATABLE:
            raise validation_error(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be "
                                   "updated.")
        if stack is not None and any(c["ChangeSetName"] == params["ChangeSetName"] for c in self._all(ctx, stack)):
            raise ServiceError("AlreadyExistsException", f"ChangeSet [{params['ChangeSetName']}] already exists",
                               status=400)
        body = stack["TemplateBody"] if stack and params.get("UsePreviousTemplate") else template_body(ctx, params)
        assert body is not None
        check_role(ctx, params.get("RoleARN"))
        target: Stack = stack or new_stack(ctx, params, "", "REVIEW_IN_PROGRESS")
        previous = target.get("ParameterValues", {}) if existing else {}
        where = StackIdentity(ctx, target)
        prepared = prepare(body, params.get("Parameters", []), previous, params.get("Capabilities", []),
                           self.pseudo(where), ssm_reader(ctx), target["TemplateBody"] if existing else None,
                           change_set=True)
        current = self.resources(ctx.account_id, ctx.region, target["StackId"]) if existing else {}
        exports = {n: e["Value"] for n, e in self.exports(ctx.account_id, ctx.region).items()}
        change_set: ChangeSet = {
            "ChangeSetId": f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:changeSet/{params['ChangeSetName']}/"
                           f"{uuid.uuid4()}", "ChangeSetName": params["ChangeSetName"], "StackId": target["StackId"],
            "StackName": target["StackName"], "ChangeSetType": kind, "Status": "CREATE_COMPLETE",
            "ExecutionStatus": "AVAILABLE", "CreationTime": self.clock.time(), "TemplateBody": body,
            "Request": {k: params[k] for k in _KEPT if k in params}, "ParameterValues": prepared.values,
            "ResolvedValues": prepared.resolved, "Description": params.get("Description", "")}
        try:
            planner = Planner(prepared, current, self.pseudo(where), exports,
                              read(target["TemplateBody"]) if existing else None, previous)
            change_set["Changes"] = planner.plan()
            secrets = parameters.secret_values(parameters.declared(prepared.template), prepared.values)
            if existing:
                secrets |= parameters.secret_values(parameters.declared(read(target["TemplateBody"])), previous)
            change_set["PropertyValues"] = masked(planner.values, secrets)
            if params.get("IncludeNestedStacks"):  # what each nested stack's own change set is made from
                change_set["NestedStacks"] = {n: after for n, (_, after) in planner.values.items()
                                              if after is not None and prepared.resources[n]["Type"] == STACK_TYPE}
        except ServiceError as error:
            change_set.update({"Status": "FAILED", "ExecutionStatus": "UNAVAILABLE", "StatusReason": error.message,
                               "Changes": []})
        unchanged = kind == "UPDATE" and body == target["TemplateBody"] and prepared.values == previous
        if change_set["Status"] != "FAILED" and not change_set["Changes"] and unchanged:
            change_set.update({"Status": "FAILED", "ExecutionStatus": "UNAVAILABLE", "StatusReason": NO_CHANGES})
        if stack is None:
            self.save_stack(ctx.account_id, ctx.region, target)
            self.add_event(where, target["StackName"], "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS",
                           "User Initiated", target["StackId"])
        self._save_change_set(ctx, change_set)
        return {"Id": change_set["ChangeSetId"], "StackId": target["StackId"]}

    def _all(self, ctx: RequestContext, stack: Stack) -> list[ChangeSet]:
        return self.change_sets(ctx.account_id, ctx.region, stack["StackId"])

    def describe_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        declarations = parameters.declared(parse_template(change_set["TemplateBody"]))
        changes = change_set.get("Changes", [])
        if params.get("IncludePropertyValues"):
            values = change_set.get("PropertyValues", {})
            changes = [{**c, "ResourceChange": with_values(c["ResourceChange"],
                                                           values.get(c["ResourceChange"]["LogicalResourceId"]))}
                       for c in changes]
        out = {**_summary(change_set), "Changes": changes,
               "Capabilities": change_set["Request"].get("Capabilities", []),
               "Tags": change_set["Request"].get("Tags", []),
               "NotificationARNs": change_set["Request"].get("NotificationARNs", []),
               "Parameters": parameters.described(declarations, change_set.get("ParameterValues", {}),
                                                  change_set.get("ResolvedValues", {})),
               "IncludeNestedStacks": False}
        return out

    def list_change_sets(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        return {"Summaries": [_summary(c) for c in self._all(ctx, stack)]}

    def delete_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        if change_set["ExecutionStatus"] == "EXECUTE_IN_PROGRESS":
            raise ServiceError("InvalidChangeSetStatus", f"Cannot delete ChangeSet [{change_set['ChangeSetId']}] "
                               "while it is being executed.", status=400)
        self.store.delete(changesets_ns(ctx.account_id, ctx.region, change_set["StackId"]),
                          change_set["ChangeSetName"])
        return {}

    def execute_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        if change_set["ExecutionStatus"] != "AVAILABLE":
            raise ServiceError("InvalidChangeSetStatus", f"ChangeSet [{change_set['ChangeSetId']}] cannot be executed "
                               f"in its current execution status of [{change_set['ExecutionStatus']}]", status=400)
        stack = self.stack(ctx, change_set["StackId"])
        request = {**change_set["Request"], "StackName": stack["StackName"]}
        for member in ("DisableRollback", "RetainExceptOnCreate"):
            if member in params:
                request[member] = params[member]
        creating = change_set["ChangeSetType"] == "CREATE"
        target = new_stack(ctx, request, "", "CREATE_IN_PROGRESS") if creating else updated_settings(stack, request)
        target.update({"StackId": stack["StackId"], "CreationTime": stack["CreationTime"]})
        # a nested CREATE change set's stack is its parent's from the start (nested_changesets.py)
        target.update({k: stack[k] for k in ("ParentId", "RootId") if k in stack})  # type: ignore[typeddict-item]
        previous = {} if creating else stack.get("ParameterValues", {})
        prepared = prepare(change_set["TemplateBody"], request.get("Parameters", []), previous,
                           request.get("Capabilities", []), self.pseudo(StackIdentity(ctx, target)), ssm_reader(ctx),
                           None if creating else stack["TemplateBody"], change_set=True)
        for other in self._all(ctx, stack):  # they no longer describe what the stack will be: AWS deletes them
            if other["ChangeSetId"] != change_set["ChangeSetId"]:
                self.store.delete(changesets_ns(ctx.account_id, ctx.region, stack["StackId"]), other["ChangeSetName"])
        change_set["ExecutionStatus"] = "EXECUTE_IN_PROGRESS"
        self._save_change_set(ctx, change_set)

        def finished(status: str) -> None:
            change_set["ExecutionStatus"] = "EXECUTE_COMPLETE" if status.endswith("COMPLETE") and \
                "ROLLBACK" not in status else "EXECUTE_FAILED"
            self._save_change_set(ctx, change_set)
        if creating:
            self.start_create(ctx, target, prepared, then=finished)
        else:
            self.start_update(ctx, target, prepared, then=finished)
        return {}
