"""Stack sets with the self-managed permission model: CreateStackSet, DescribeStackSet, ListStackSets,
UpdateStackSet (an UPDATE operation over its instances), DeleteStackSet, and the operations' describes
(DescribeStackSetOperation, ListStackSetOperations, ListStackSetOperationResults)."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .prepare import check_capabilities, read
from .sources import template_body
from .stackinstances import StackInstanceOps, deploy
from .stackset_documents import StackSet
from .stackset_state import administration_role, paged
from .template import validation_error

_SETTINGS = ("Description", "Parameters", "Capabilities", "Tags", "AdministrationRoleARN", "ExecutionRoleName")
_SUMMARY = ("StackSetName", "StackSetId", "Description", "Status", "PermissionModel")
_OPERATION_SUMMARY = ("OperationId", "Action", "Status", "CreationTimestamp", "EndTimestamp", "StatusReason",
                      "OperationPreferences")


def checked_template(body: str, capabilities: list[str]) -> None:
    """The template reads, names only types AWS defines, and has the capabilities it needs."""
    check_capabilities(read(body), capabilities)


class StackSetOps(StackInstanceOps):
    def create_stack_set(self, ctx: RequestContext, params: dict) -> dict:
        name = params["StackSetName"]
        if params.get("PermissionModel", "SELF_MANAGED") != "SELF_MANAGED":
            raise validation_error("nimbus serves the SELF_MANAGED permission model only (SERVICE_MANAGED needs "
                                   "AWS Organizations)")
        if any(s["StackSetName"] == name and s["Status"] != "DELETED"
               for s in self.stack_sets(ctx.account_id, ctx.region)):
            raise ServiceError("NameAlreadyExistsException", f"StackSet {name} already exists", status=409)
        body = template_body(ctx, params)
        assert body is not None
        checked_template(body, params.get("Capabilities", []))
        stack_set_id = f"{name}:{uuid.uuid4()}"
        stack_set: StackSet = {"StackSetName": name, "StackSetId": stack_set_id, "Status": "ACTIVE",
                               "StackSetARN": f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stackset/"
                                              f"{stack_set_id}",
                               "TemplateBody": body, "PermissionModel": "SELF_MANAGED"}
        for member in _SETTINGS:
            if member in params:
                stack_set[member] = params[member]  # type: ignore[literal-required]
        stack_set["AdministrationRoleARN"] = administration_role(ctx, stack_set)
        stack_set.setdefault("ExecutionRoleName", "AWSCloudFormationStackSetExecutionRole")
        self.save_stack_set(ctx.account_id, ctx.region, stack_set)
        return {"StackSetId": stack_set_id}

    def describe_stack_set(self, ctx: RequestContext, params: dict) -> dict:
        return {"StackSet": dict(self.stack_set(ctx, params["StackSetName"]))}

    def list_stack_sets(self, ctx: RequestContext, params: dict) -> dict:
        found = [s for s in self.stack_sets(ctx.account_id, ctx.region)
                 if params.get("Status") in (None, s["Status"])]
        return paged(params, found, lambda s: s["StackSetId"], "Summaries",
                     lambda s: {m: s[m] for m in _SUMMARY if m in s})

    def update_stack_set(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        if params.get("UsePreviousTemplate"):
            body = stack_set["TemplateBody"]
        else:
            given = template_body(ctx, params)
            assert given is not None
            body = given
        changed: StackSet = {**stack_set, "TemplateBody": body}
        for member in _SETTINGS:
            if member in params:
                changed[member] = params[member]  # type: ignore[literal-required]
        checked_template(body, changed.get("Capabilities", []))
        instances = self.instances(ctx.account_id, ctx.region, stack_set["StackSetId"])
        where = [(i["Account"], i["Region"]) for i in instances
                 if params.get("Accounts") in (None, []) or i["Account"] in params["Accounts"]
                 if params.get("Regions") in (None, []) or i["Region"] in params["Regions"]]
        operation_id = self.start_set_operation(
            ctx, changed, "UPDATE", params, where, lambda run: deploy(run, changed),
            lambda _: self.save_stack_set(ctx.account_id, ctx.region, changed))
        return {"OperationId": operation_id}

    def delete_stack_set(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        operations = self.set_operations(ctx.account_id, ctx.region, stack_set["StackSetId"])
        if any(o["Status"] == "RUNNING" for o in operations):
            raise ServiceError("OperationInProgressException", f"Another Operation on StackSet "
                               f"{stack_set['StackSetId']} is in progress", status=409)
        if self.instances(ctx.account_id, ctx.region, stack_set["StackSetId"]):
            raise ServiceError("StackSetNotEmptyException", f"StackSet {stack_set['StackSetName']} is not empty",
                               status=409)
        stack_set["Status"] = "DELETED"
        self.save_stack_set(ctx.account_id, ctx.region, stack_set)
        return {}

    # -- operations ------------------------------------------------------------------------------

    def describe_stack_set_operation(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        operation = dict(self.set_operation(ctx, stack_set, params["OperationId"]))
        operation.pop("Results", None)
        return {"StackSetOperation": operation}

    def list_stack_set_operations(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        found = sorted(self.set_operations(ctx.account_id, ctx.region, stack_set["StackSetId"]),
                       key=lambda o: o["CreationTimestamp"], reverse=True)
        return paged(params, found, lambda o: o["OperationId"], "Summaries",
                     lambda o: {m: o[m] for m in _OPERATION_SUMMARY if m in o})

    def list_stack_set_operation_results(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        operation = self.set_operation(ctx, stack_set, params["OperationId"])
        wanted = {f["Name"]: f["Values"] for f in params.get("Filters", [])}
        found = [r for r in operation.get("Results", [])
                 if wanted.get("OPERATION_RESULT_STATUS") in (None, r["Status"])]
        return paged(params, found, lambda r: f"{r['Account']}|{r['Region']}", "Summaries")
