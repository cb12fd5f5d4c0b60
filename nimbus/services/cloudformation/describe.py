"""What stacks, their resources and their events look like to DescribeStacks, ListStacks and the rest.
A NoEcho parameter's value is ``****`` in every answer."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp

from . import parameters
from .documents import Stack, StackResource
from .state import CloudFormationState
from .template import parse_template, validation_error


def _drift(checked: dict | None, member: str) -> dict:
    """DriftInformation as describes show it: NOT_CHECKED until a drift detection checks it."""
    if not checked:
        return {member: "NOT_CHECKED"}
    return {member: checked[member], "LastCheckTimestamp": timestamp(checked["LastCheckTimestamp"])}


def stack_output(stack: Stack) -> dict:
    out: dict = {k: stack[k] for k in ("StackId", "StackName", "StackStatus", "StackStatusReason", "Description",
                                       "DisableRollback", "NotificationARNs", "TimeoutInMinutes", "Capabilities",
                                       "Outputs", "RoleARN", "Tags", "EnableTerminationProtection", "ParentId",
                                       "RootId", "RetainExceptOnCreate")
                 if stack.get(k) not in (None, "")}  # type: ignore[literal-required]
    for member in ("CreationTime", "LastUpdatedTime", "DeletionTime"):
        if member in stack:
            out[member] = timestamp(stack[member])  # type: ignore[literal-required]
    declarations = parameters.declared(parse_template(stack["TemplateBody"])) if stack["TemplateBody"] else {}
    described = parameters.described(declarations, stack.get("ParameterValues", {}), stack.get("ResolvedValues", {}))
    if described:
        out["Parameters"] = described
    out["DriftInformation"] = _drift(stack.get("DriftInformation"), "StackDriftStatus")
    return out


def _resource(stack: Stack, doc: StackResource, *members: str) -> dict:
    out: dict = {"LogicalResourceId": doc["LogicalResourceId"], "ResourceType": doc["ResourceType"],
                 "ResourceStatus": doc["ResourceStatus"],
                 "DriftInformation": _drift(doc.get("DriftInformation"), "StackResourceDriftStatus")}
    for member in ("PhysicalResourceId", "ResourceStatusReason"):
        if doc.get(member):
            out[member] = doc[member]  # type: ignore[literal-required]
    if "StackName" in members:
        out["StackName"], out["StackId"] = stack["StackName"], stack["StackId"]
    time_member = "Timestamp" if "Timestamp" in members else "LastUpdatedTimestamp"
    out[time_member] = timestamp(doc["LastUpdatedTimestamp"])
    return out


class DescribeOps(CloudFormationState):
    def describe_stacks(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("StackName"):
            return {"Stacks": [stack_output(self.stack(ctx, params["StackName"], deleted=True))]}
        live = [s for s in self.stacks(ctx.account_id, ctx.region) if s["StackStatus"] != "DELETE_COMPLETE"]
        return {"Stacks": [stack_output(s) for s in sorted(live, key=lambda s: -s["CreationTime"])]}

    def list_stacks(self, ctx: RequestContext, params: dict) -> dict:
        wanted = set(params.get("StackStatusFilter") or [])
        summaries = []
        for stack in sorted(self.stacks(ctx.account_id, ctx.region), key=lambda s: -s["CreationTime"]):
            if wanted and stack["StackStatus"] not in wanted:
                continue
            summary = {k: v for k, v in stack_output(stack).items()
                       if k in ("StackId", "StackName", "StackStatus", "StackStatusReason", "CreationTime",
                                "LastUpdatedTime", "DeletionTime", "DriftInformation", "ParentId", "RootId")}
            if stack.get("Description"):
                summary["TemplateDescription"] = stack["Description"]
            summaries.append(summary)
        return {"StackSummaries": summaries}

    def describe_stack_events(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"], deleted=True)
        events = []
        for event in self.events(ctx.account_id, ctx.region, stack["StackId"]):
            out: dict = {k: v for k, v in event.items() if k != "SchemaVersion"}
            out["Timestamp"] = timestamp(event["Timestamp"])
            events.append(out)
        return {"StackEvents": events}

    def _resources(self, ctx: RequestContext, name: str) -> tuple[Stack, list[StackResource]]:
        stack = self.stack(ctx, name, deleted=True)
        return stack, list(self.resources(ctx.account_id, ctx.region, stack["StackId"]).values())

    def describe_stack_resources(self, ctx: RequestContext, params: dict) -> dict:
        if not params.get("StackName"):
            raise validation_error("StackName must be specified.")
        stack, docs = self._resources(ctx, params["StackName"])
        wanted = params.get("LogicalResourceId")
        return {"StackResources": [_resource(stack, d, "StackName", "Timestamp") for d in docs
                                   if wanted in (None, d["LogicalResourceId"])]}

    def describe_stack_resource(self, ctx: RequestContext, params: dict) -> dict:
        stack, docs = self._resources(ctx, params["StackName"])
        for doc in docs:
            if doc["LogicalResourceId"] == params["LogicalResourceId"]:
                return {"StackResourceDetail": _resource(stack, doc, "StackName")}
        raise validation_error(f"Resource {params['LogicalResourceId']} does not exist for stack "
                               f"{params['StackName']}")

    def list_stack_resources(self, ctx: RequestContext, params: dict) -> dict:
        stack, docs = self._resources(ctx, params["StackName"])
        return {"StackResourceSummaries": [_resource(stack, d) for d in docs]}
