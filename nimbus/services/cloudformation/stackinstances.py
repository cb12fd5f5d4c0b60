"""CreateStackInstances, DeleteStackInstances, ListStackInstances and DescribeStackInstance: each instance is
a real stack in its target account and region (stackset_runs.py makes it there)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .stackset_documents import StackInstance, StackSet, StackSetOperation
from .stackset_runs import STOP_LOCK, STOP_REQUESTED, Act, SetRun
from .stackset_state import StackSetState, paged
from .state import Caller
from .template import validation_error

log = logging.getLogger(__name__)
SETTLED_OK = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
_SUMMARY = ("StackSetId", "Region", "Account", "StackId", "Status", "StatusReason", "StackInstanceStatus",
            "DriftStatus", "LastOperationId")


def parameters(stack_set: StackSet, instance: StackInstance) -> list[dict]:
    """The stack set's parameters with the instance's overrides."""
    values = {p["ParameterKey"]: p for p in stack_set.get("Parameters", [])}
    values.update({p["ParameterKey"]: p for p in instance.get("ParameterOverrides", [])})
    return list(values.values())


def deploy(run: SetRun, stack_set: StackSet) -> Act:
    """Create the instance's stack, or update it to the stack set's template and parameters."""
    def act(instance: StackInstance, call: Caller) -> str | None:
        body = {"TemplateBody": stack_set["TemplateBody"], "Parameters": parameters(stack_set, instance),
                "Capabilities": stack_set.get("Capabilities", [])}
        status = run.settled(instance["Account"], instance["Region"], instance["StackId"])[0] \
            if instance.get("StackId") else ""
        if status in SETTLED_OK or status == "UPDATE_ROLLBACK_COMPLETE":
            try:
                call("cloudformation", "UpdateStack", {"StackName": instance["StackId"], **body})
            except ServiceError as error:
                if error.message == "No updates are to be performed.":
                    return None
                raise
        else:  # no stack yet, or one that failed to create: a new one
            made = call("cloudformation", "CreateStack",
                        {"StackName": f"StackSet-{stack_set['StackSetName']}-{uuid.uuid4()}", **body})
            instance["StackId"] = made["StackId"]
        status, reason = run.settled(instance["Account"], instance["Region"], instance["StackId"])
        return None if status in SETTLED_OK else f"Stack {status}: {reason}".strip()
    return act


def remove(run: SetRun, retain: bool) -> Act:
    """Delete the instance's stack (unless RetainStacks), then the instance."""
    def act(instance: StackInstance, call: Caller) -> str | None:
        if not retain and instance.get("StackId"):
            call("cloudformation", "DeleteStack", {"StackName": instance["StackId"]})
            status, reason = run.settled(instance["Account"], instance["Region"], instance["StackId"])
            if status != "DELETE_COMPLETE":
                return f"Stack {status}: {reason}".strip()
        run.state.drop_instance(run.account, run.region, instance)
        return None
    return act


def targets(params: dict) -> tuple[list[str], list[str]]:
    accounts = params.get("Accounts") or (params.get("DeploymentTargets") or {}).get("Accounts") or []
    regions = params.get("Regions") or []
    if not accounts or not regions:
        raise validation_error("Accounts and Regions are required for self-managed stack sets")
    return list(dict.fromkeys(accounts)), list(dict.fromkeys(regions))


class StackInstanceOps(StackSetState):
    def start_set_operation(self, ctx: RequestContext, stack_set: StackSet, action: str, params: dict,
                            where: list[tuple[str, str]], act: Callable[[SetRun], Act],
                            before: Callable[[str], None] | None = None) -> str:
        """Begin the operation on ``where`` and run ``act`` for each target in the background."""
        def work(operation: StackSetOperation) -> None:
            run = SetRun(self, ctx.account_id, ctx.region, stack_set, operation)
            try:
                run.run(act(run))
            except Exception:  # a bug must not leave the operation running for ever
                if self.closed:
                    return  # a reset or shutdown retired this provider: its state is no longer there
                log.exception("stack set %s: operation %s failed", stack_set["StackSetName"], action)
                operation.update({"Status": "FAILED", "EndTimestamp": self.clock.time()})
                run.save()
        return self.begin_set_operation(ctx, stack_set, action, params, where, work, before)

    def create_stack_instances(self, ctx: RequestContext, params: dict) -> dict:
        return self.deploy_instances(ctx, params, "CREATE")

    def update_stack_instances(self, ctx: RequestContext, params: dict) -> dict:
        """New parameter overrides for existing instances, deployed as an UPDATE operation."""
        return self.deploy_instances(ctx, params, "UPDATE")

    def deploy_instances(self, ctx: RequestContext, params: dict, action: str) -> dict:
        """The instances of Accounts x Regions (new ones too on CREATE, only existing ones on UPDATE), with the
        request's ParameterOverrides, created or updated by an operation."""
        stack_set = self.stack_set(ctx, params["StackSetName"])
        accounts, regions = targets(params)
        where = [(a, r) for r in regions for a in accounts]
        known = {(i["Account"], i["Region"]): i for i in self.instances(ctx.account_id, ctx.region,
                                                                         stack_set["StackSetId"])}
        missing = [target for target in where if target not in known]
        if action == "UPDATE" and missing:
            raise ServiceError("StackInstanceNotFoundException", f"Stack instance [{missing[0][0]}, {missing[0][1]}] "
                               f"not found in StackSet {stack_set['StackSetName']}", status=404)

        def pending(operation_id: str) -> None:
            for account, region in where:
                instance = known.get((account, region)) or StackInstance(
                    StackSetId=stack_set["StackSetId"], Account=account, Region=region, Status="OUTDATED",
                    StackInstanceStatus={"DetailedStatus": "PENDING"}, DriftStatus="NOT_CHECKED")
                if "ParameterOverrides" in params:
                    instance["ParameterOverrides"] = params["ParameterOverrides"]
                instance["LastOperationId"] = operation_id
                self.save_instance(ctx.account_id, ctx.region, instance)
        return {"OperationId": self.start_set_operation(ctx, stack_set, action, params, where,
                                                        lambda run: deploy(run, stack_set), pending)}

    def stop_stack_set_operation(self, ctx: RequestContext, params: dict) -> dict:
        """Targets not yet started are CANCELLED; those under way finish. The operation ends STOPPED."""
        stack_set = self.stack_set(ctx, params["StackSetName"])
        with STOP_LOCK:
            operation = self.set_operation(ctx, stack_set, params["OperationId"])
            if operation["Status"] not in ("RUNNING", "STOPPING"):
                raise ServiceError("InvalidOperationException", f"Operation {operation['OperationId']} is not in "
                                   "RUNNING state and can not be stopped", status=400)
            STOP_REQUESTED.add(operation["OperationId"])
            operation["Status"] = "STOPPING"
            self.save_set_operation(ctx.account_id, ctx.region, operation)
        return {}

    def delete_stack_instances(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        accounts, regions = targets(params)
        where = [(a, r) for r in regions for a in accounts]
        retain = bool(params["RetainStacks"])
        return {"OperationId": self.start_set_operation(ctx, stack_set, "DELETE", params, where,
                                                        lambda run: remove(run, retain))}

    def list_stack_instances(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        wanted = {f["Name"]: f["Values"] for f in params.get("Filters", [])}
        found = [i for i in self.instances(ctx.account_id, ctx.region, stack_set["StackSetId"])
                 if params.get("StackInstanceAccount") in (None, i["Account"])
                 and params.get("StackInstanceRegion") in (None, i["Region"])
                 and wanted.get("DETAILED_STATUS") in (None, i["StackInstanceStatus"]["DetailedStatus"])
                 and wanted.get("LAST_OPERATION_ID") in (None, i.get("LastOperationId"))]
        return paged(params, found, lambda i: f"{i['Account']}|{i['Region']}", "Summaries",
                     lambda i: {m: i[m] for m in _SUMMARY if m in i})

    def describe_stack_instance(self, ctx: RequestContext, params: dict) -> dict:
        stack_set = self.stack_set(ctx, params["StackSetName"])
        account, region = params["StackInstanceAccount"], params["StackInstanceRegion"]
        for instance in self.instances(ctx.account_id, ctx.region, stack_set["StackSetId"]):
            if (instance["Account"], instance["Region"]) == (account, region):
                return {"StackInstance": dict(instance)}
        raise ServiceError("StackInstanceNotFoundException", f"Stack instance [{account}, {region}] not found in "
                           f"StackSet {stack_set['StackSetName']}", status=404)
