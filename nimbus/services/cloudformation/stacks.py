"""CreateStack, UpdateStack, DeleteStack and UpdateTerminationProtection: checked at once, then run in
the background (engine.py)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from nimbus.core.context import RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

from .documents import Stack
from .engine import StackRun
from .nested import check_direct, link, nested_request
from .prepare import Prepared, prepare, read
from .sources import template_body
from .stack_policy import policies_of
from .state import ROLE_SESSION, SERVICE_PRINCIPAL, CloudFormationState, StackIdentity
from .template import validation_error

log = logging.getLogger(__name__)
Finished = Callable[[str], None] | None  # told the stack's final status when an operation ends
# A stack in one of these states may be updated; any other is mid-operation or failed.
# CREATE_FAILED and UPDATE_FAILED: an operation with DisableRollback kept what it made, to be fixed by an update.
UPDATABLE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
                       "IMPORT_ROLLBACK_COMPLETE", "CREATE_FAILED", "UPDATE_FAILED"})


def ssm_reader(ctx: RequestContext) -> Callable[[str], str]:
    """Parameters of type AWS::SSM::Parameter::Value<...>: read as the caller, as AWS reads them."""
    def read_value(name: str) -> str:
        try:
            output = ctx.runtime.client.call("ssm", "GetParameter", {"Name": name}, account_id=ctx.account_id,
                                             region=ctx.region, principal=ctx.principal)
        except ServiceError:
            raise validation_error(f"Unable to fetch parameters [{name}] from parameter store for this "
                                   "account.") from None
        return output["Parameter"]["Value"]
    return read_value


def new_stack(ctx: RequestContext, params: dict, body: str, status: str) -> Stack:
    """A new stack's document from a CreateStack or CreateChangeSet request."""
    name = params["StackName"]
    stack: Stack = {"StackId": f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/{name}/{uuid.uuid4()}",
                    "StackName": name, "StackStatus": status, "CreationTime": ctx.clock.time(),
                    "TemplateBody": body, "DisableRollback": params.get("OnFailure") == "DO_NOTHING"
                    or bool(params.get("DisableRollback", False)),
                    "NotificationARNs": params.get("NotificationARNs", []),
                    "Capabilities": params.get("Capabilities", []), "Tags": params.get("Tags", []),
                    "EnableTerminationProtection": bool(params.get("EnableTerminationProtection", False))}
    for member in ("RoleARN", "TimeoutInMinutes", "OnFailure", "RetainExceptOnCreate"):
        if member in params:
            stack[member] = params[member]  # type: ignore[literal-required]
    stack.update(policies_of(ctx, params))  # type: ignore[typeddict-item]
    return stack


def updated_settings(stack: Stack, params: dict) -> Stack:
    """The stack with what an UpdateStack or an UPDATE change set sets (besides the template)."""
    changed: Stack = {**stack, "Capabilities": params.get("Capabilities", []),
                      "Tags": params.get("Tags", stack.get("Tags", [])),
                      "NotificationARNs": params.get("NotificationARNs", stack.get("NotificationARNs", []))}
    if params.get("RoleARN"):
        changed["RoleARN"] = params["RoleARN"]
    if "DisableRollback" in params:
        changed["DisableRollback"] = params["DisableRollback"]
    changed["RetainExceptOnCreate"] = bool(params.get("RetainExceptOnCreate", False))  # each operation's own
    return changed


def check_role(ctx: RequestContext, role_arn: str | None) -> None:
    if role_arn:
        check_pass_role(ctx, role_arn, SERVICE_PRINCIPAL, ROLE_SESSION,
                        lambda reason: validation_error(f"Role {role_arn} is invalid or cannot be assumed"))


class StackOps(CloudFormationState):
    def create_stack(self, ctx: RequestContext, params: dict) -> dict:
        name = params["StackName"]
        if self.find_stack(ctx, name) is not None:
            raise ServiceError("AlreadyExistsException", f"Stack [{name}] already exists", status=400)
        if "OnFailure" in params and "DisableRollback" in params:
            raise validation_error("You cannot specify both DisableRollback and OnFailure.")
        body = template_body(ctx, params)
        assert body is not None
        params, parent = nested_request(ctx, params)
        if parent is None:
            check_role(ctx, params.get("RoleARN"))
        stack = new_stack(ctx, params, body, "CREATE_IN_PROGRESS")
        link(stack, parent)
        prepared = prepare(body, params.get("Parameters", []), {}, stack["Capabilities"],
                           self.pseudo(StackIdentity(ctx, stack)), ssm_reader(ctx))
        self.start_create(ctx, stack, prepared)
        return {"StackId": stack["StackId"]}

    def start_create(self, ctx: RequestContext, stack: Stack, prepared: Prepared, then: Finished = None) -> None:
        """Store the stack CREATE_IN_PROGRESS and make its resources in the background."""
        stack.update({"TemplateBody": prepared.body,
                      "ParameterValues": prepared.values, "ResolvedValues": prepared.resolved,
                      "Description": str(prepared.template.get("Description", ""))})
        self._run(self._begin(ctx, stack, "CREATE_IN_PROGRESS"), "CREATE", lambda run: run.deploy(prepared), then)

    def update_stack(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        check_direct(ctx, stack, "updated")
        if stack["StackStatus"] not in UPDATABLE:
            raise validation_error(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be "
                                   "updated.")
        if params.get("UsePreviousTemplate") and ("TemplateBody" in params or "TemplateURL" in params):
            raise validation_error("You cannot specify both usePreviousTemplate and Template Body/Template URL.")
        body = stack["TemplateBody"] if params.get("UsePreviousTemplate") else template_body(ctx, params)
        assert body is not None
        params, parent = nested_request(ctx, params)
        if parent is None:
            check_role(ctx, params.get("RoleARN"))
        changed = updated_settings(stack, params)
        changed.update(policies_of(ctx, params))  # type: ignore[typeddict-item]
        previous = stack.get("ParameterValues", {})
        prepared = prepare(body, params.get("Parameters", []), previous, changed["Capabilities"],
                           self.pseudo(StackIdentity(ctx, changed)), ssm_reader(ctx), stack["TemplateBody"])
        if body == stack["TemplateBody"] and prepared.values == previous and \
                prepared.resolved == stack.get("ResolvedValues", {}):
            raise validation_error("No updates are to be performed.")
        self.start_update(ctx, changed, prepared)
        return {"StackId": stack["StackId"]}

    def start_update(self, ctx: RequestContext, changed: Stack, prepared: Prepared, then: Finished = None) -> None:
        """Store the stack's new settings and update its resources in the background."""
        changed["LastUpdatedTime"] = self.clock.time()
        where = self._begin(ctx, changed, "UPDATE_IN_PROGRESS")
        self._run(where, "UPDATE", lambda run: run.deploy(prepared), then)

    def _begin(self, ctx: RequestContext, stack: Stack, status: str) -> StackIdentity:
        """The operation's first status, stored before the call answers: a describe right after it never sees
        the stack as it was."""
        stack["StackStatus"] = status
        stack.pop("StackStatusReason", None)
        self.save_stack(ctx.account_id, ctx.region, stack)
        where = StackIdentity(ctx, stack)
        self.add_event(where, stack["StackName"], "AWS::CloudFormation::Stack", status, "User Initiated",
                       stack["StackId"])
        return where

    def delete_stack(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.find_stack(ctx, params["StackName"], deleted=True)
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            return {}  # deleting a stack that does not exist succeeds, as on AWS
        if stack["StackStatus"] == "REVIEW_IN_PROGRESS":  # only change sets so far: nothing to delete
            stack.update({"StackStatus": "DELETE_COMPLETE", "DeletionTime": self.clock.time()})
            self.save_stack(ctx.account_id, ctx.region, stack)
            self.drop_change_sets(ctx.account_id, ctx.region, stack["StackId"])
            return {}
        check_direct(ctx, stack, "deleted")
        if stack.get("EnableTerminationProtection"):
            raise validation_error(f"Stack [{stack['StackName']}] cannot be deleted while TerminationProtection "
                                   "is enabled")
        if stack["StackStatus"].endswith("_IN_PROGRESS"):
            raise validation_error(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be "
                                   "deleted.")
        if "RoleARN" in params:
            check_role(ctx, params["RoleARN"])
            stack["RoleARN"] = params["RoleARN"]
        template = read(stack["TemplateBody"], stack.get("ParameterValues", {}))
        self._run(self._begin(ctx, stack, "DELETE_IN_PROGRESS"), "DELETE", lambda run: run.teardown(template))
        return {}

    def update_termination_protection(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        check_direct(ctx, stack, "updated")  # a nested stack's protection is its root's
        stack["EnableTerminationProtection"] = bool(params["EnableTerminationProtection"])
        self.save_stack(ctx.account_id, ctx.region, stack)
        return {"StackId": stack["StackId"]}

    def _run(self, where: StackIdentity, kind: str, work: Callable[[StackRun], None], then: Finished = None) -> None:
        """Run ``work`` in the background; ``then`` gets the stack's final status."""
        def run() -> None:
            operation = StackRun(self, where, kind)
            try:
                work(operation)
            except Exception as error:  # a bug must not leave the stack in progress for ever
                log.exception("stack %s: %s failed", where.stack_name, kind)
                failed = {"CREATE": "CREATE_FAILED", "UPDATE": "UPDATE_ROLLBACK_FAILED", "DELETE": "DELETE_FAILED"}
                operation.set_status(failed[kind], f"Internal failure: {type(error).__name__}",
                                     Journal=operation.journal)  # what RollbackStack or ContinueUpdateRollback undo
            if then is not None and not self.closed:
                then(self.stack_by_id(where)["StackStatus"])
        self.run_in_background(where, run)
