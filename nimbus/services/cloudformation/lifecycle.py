"""What follows a failed or running operation: RollbackStack (a stack kept CREATE_FAILED or UPDATE_FAILED by
DisableRollback goes back to its last stable state), ContinueUpdateRollback (an UPDATE_ROLLBACK_FAILED stack
finishes its rollback, skipping the resources named), CancelUpdateStack, and the stack policy's
SetStackPolicy and GetStackPolicy.

The failed operation's journal, kept on the stack, says what to undo (engine.py)."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .engine import StackRun
from .stack_policy import policies_of
from .stacks import StackOps, check_role
from .template import validation_error


def _status_error(operation: str):
    return validation_error(f"{operation} cannot be called from current stack status")


class LifecycleOps(StackOps):
    def rollback_stack(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        if stack["StackStatus"] not in ("CREATE_FAILED", "UPDATE_FAILED"):
            raise _status_error("RollbackStack")
        if params.get("RoleARN"):
            check_role(ctx, params["RoleARN"])
            stack["RoleARN"] = params["RoleARN"]
        stack["RetainExceptOnCreate"] = bool(params.get("RetainExceptOnCreate", False))
        if stack["StackStatus"] == "CREATE_FAILED":
            where = self._begin(ctx, stack, "ROLLBACK_IN_PROGRESS")

            def undo_create(run: StackRun) -> None:
                if not run.journal:  # kept failed with no journal (an internal failure): all of it was made then
                    run.journal = [("created", logical_id, None) for logical_id in run.current]
                run.set_status("ROLLBACK_COMPLETE" if run.undo() else "ROLLBACK_FAILED")
            self._run(where, "CREATE", undo_create)
        else:
            self._run(self._begin(ctx, stack, "UPDATE_ROLLBACK_IN_PROGRESS"), "UPDATE",
                      lambda run: run.finish_update_rollback())
        return {"StackId": stack["StackId"]}

    def continue_update_rollback(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        if stack["StackStatus"] != "UPDATE_ROLLBACK_FAILED":
            raise _status_error("ContinueUpdateRollback")
        if params.get("RoleARN"):
            check_role(ctx, params["RoleARN"])
            stack["RoleARN"] = params["RoleARN"]
        failed = {entry[1] for entry in stack.get("Journal", [])}
        skipped = set(params.get("ResourcesToSkip") or [])
        for logical_id in sorted(skipped - failed):
            raise validation_error(f"Resource [{logical_id}] is not in a failed state and cannot be skipped")

        def finish(run: StackRun) -> None:
            for entry in [e for e in run.journal if e[1] in skipped]:  # left as they are: the stack forgets them
                run.journal.remove(entry)
                action, logical_id, before = entry
                if before is not None:
                    run.resource_event(before.copy(), "UPDATE_COMPLETE")
                else:
                    run.resource_event(run.current.pop(logical_id), "DELETE_SKIPPED", save=False)
                    self.drop_resource(run.where, logical_id)
            run.finish_update_rollback()
        self._run(self._begin(ctx, stack, "UPDATE_ROLLBACK_IN_PROGRESS"), "UPDATE", finish)
        return {}

    def cancel_update_stack(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        if stack["StackStatus"] != "UPDATE_IN_PROGRESS":
            raise _status_error("CancelUpdateStack")
        self.cancel_requests.add(stack["StackId"])  # the running update starts no more and rolls back
        return {}

    def set_stack_policy(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        policy = policies_of(ctx, params).get("StackPolicyBody")
        if policy is None:
            raise validation_error("Either StackPolicyBody or StackPolicyURL must be specified.")
        stack["StackPolicyBody"] = policy
        self.save_stack(ctx.account_id, ctx.region, stack)
        return {}

    def get_stack_policy(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        return {"StackPolicyBody": stack["StackPolicyBody"]} if stack.get("StackPolicyBody") else {}
