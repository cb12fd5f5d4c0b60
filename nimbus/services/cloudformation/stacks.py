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
from .prepare import Prepared, prepare, read
from .sources import template_body
from .state import ROLE_SESSION, SERVICE_PRINCIPAL, CloudFormationState, StackIdentity
from .template import validation_error

log = logging.getLogger(__name__)
# A stack in one of these states may be updated; any other is mid-operation or failed.
UPDATABLE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
                       "IMPORT_ROLLBACK_COMPLETE"})


def _ssm_reader(ctx: RequestContext) -> Callable[[str], str]:
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


def _check_role(ctx: RequestContext, role_arn: str | None) -> None:
    if role_arn:
        check_pass_role(ctx, role_arn, SERVICE_PRINCIPAL, ROLE_SESSION,
                        lambda reason: validation_error(f"Role {role_arn} is invalid or cannot be assumed"))


class StackOps(CloudFormationState):
    def create_stack(self, ctx: RequestContext, params: dict) -> dict:
        name = params["StackName"]
        if self.find_stack(ctx, name) is not None:
            raise ServiceError("AlreadyExistsException", f"Stack [{name}] already exists", status=400)
        if params.get("OnFailure") == "DELETE":
            raise validation_error("OnFailure DELETE is not supported by nimbus yet; use ROLLBACK or DO_NOTHING.")
        if "OnFailure" in params and "DisableRollback" in params:
            raise validation_error("You cannot specify both DisableRollback and OnFailure.")
        body = template_body(ctx, params)
        assert body is not None
        _check_role(ctx, params.get("RoleARN"))
        now = self.clock.time()
        stack: Stack = {"StackId": f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/{name}/{uuid.uuid4()}",
                        "StackName": name, "StackStatus": "CREATE_IN_PROGRESS", "CreationTime": now,
                        "TemplateBody": body, "DisableRollback": params.get("OnFailure") == "DO_NOTHING"
                        or bool(params.get("DisableRollback", False)),
                        "NotificationARNs": params.get("NotificationARNs", []),
                        "Capabilities": params.get("Capabilities", []), "Tags": params.get("Tags", []),
                        "EnableTerminationProtection": bool(params.get("EnableTerminationProtection", False))}
        for member in ("RoleARN", "TimeoutInMinutes"):
            if member in params:
                stack[member] = params[member]  # type: ignore[literal-required]
        where = StackIdentity(ctx, stack)
        prepared = prepare(body, params.get("Parameters", []), {}, stack["Capabilities"], self.pseudo(where),
                           _ssm_reader(ctx))
        stack["ParameterValues"], stack["ResolvedValues"] = prepared.values, prepared.resolved
        stack["Description"] = str(prepared.template.get("Description", ""))
        self.save_stack(ctx.account_id, ctx.region, stack)
        self.add_event(where, name, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated",
                       stack["StackId"])
        self._run(where, "CREATE", lambda run: run.deploy(prepared))
        return {"StackId": stack["StackId"]}

    def update_stack(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        if stack["StackStatus"] not in UPDATABLE:
            raise validation_error(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be "
                                   "updated.")
        if params.get("UsePreviousTemplate") and ("TemplateBody" in params or "TemplateURL" in params):
            raise validation_error("You cannot specify both usePreviousTemplate and Template Body/Template URL.")
        body = stack["TemplateBody"] if params.get("UsePreviousTemplate") else template_body(ctx, params)
        assert body is not None
        role = params.get("RoleARN", stack.get("RoleARN"))
        _check_role(ctx, params.get("RoleARN"))
        capabilities = params.get("Capabilities", [])
        changed: Stack = {**stack, "Capabilities": capabilities, "Tags": params.get("Tags", stack.get("Tags", [])),
                          "NotificationARNs": params.get("NotificationARNs", stack.get("NotificationARNs", []))}
        if role:
            changed["RoleARN"] = role
        if "DisableRollback" in params:
            changed["DisableRollback"] = params["DisableRollback"]
        where = StackIdentity(ctx, changed)
        previous = stack.get("ParameterValues", {})
        prepared = prepare(body, params.get("Parameters", []), previous, capabilities, self.pseudo(where),
                           _ssm_reader(ctx))
        if body == stack["TemplateBody"] and prepared.values == previous and \
                prepared.resolved == stack.get("ResolvedValues", {}):
            raise validation_error("No updates are to be performed.")
        changed["LastUpdatedTime"] = self.clock.time()
        self.save_stack(ctx.account_id, ctx.region, changed)
        self._run(where, "UPDATE", lambda run: self._update(run, prepared))
        return {"StackId": stack["StackId"]}

    def _update(self, run: StackRun, prepared: Prepared) -> None:
        run.set_status("UPDATE_IN_PROGRESS", "User Initiated")
        run.deploy(prepared)

    def delete_stack(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.find_stack(ctx, params["StackName"], deleted=True)
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            return {}  # deleting a stack that does not exist succeeds, as on AWS
        if stack.get("EnableTerminationProtection"):
            raise validation_error(f"Stack [{stack['StackName']}] cannot be deleted while TerminationProtection "
                                   "is enabled")
        if stack["StackStatus"].endswith("_IN_PROGRESS"):
            raise validation_error(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be "
                                   "deleted.")
        if "RoleARN" in params:
            _check_role(ctx, params["RoleARN"])
            stack["RoleARN"] = params["RoleARN"]
        template = read(stack["TemplateBody"])
        self._run(StackIdentity(ctx, stack), "DELETE", lambda run: run.teardown(template))
        return {}

    def update_termination_protection(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        stack["EnableTerminationProtection"] = bool(params["EnableTerminationProtection"])
        self.save_stack(ctx.account_id, ctx.region, stack)
        return {"StackId": stack["StackId"]}

    def _run(self, where: StackIdentity, kind: str, work: Callable[[StackRun], None]) -> None:
        def run() -> None:
            operation = StackRun(self, where, kind)
            try:
                work(operation)
            except Exception as error:  # a bug must not leave the stack in progress for ever
                log.exception("stack %s: %s failed", where.stack_name, kind)
                failed = {"CREATE": "CREATE_FAILED", "UPDATE": "UPDATE_ROLLBACK_FAILED", "DELETE": "DELETE_FAILED"}
                operation.set_status(failed[kind], f"Internal failure: {type(error).__name__}")
        self.run_in_background(where, run)
