"""What the stack set topics share: finding stack sets, their instances and operations in the administrator's
account and region, and starting an operation (one at a time per stack set)."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page
from nimbus.protocol.errors import ServiceError

from .stackset_documents import (
    STACK_INSTANCE,
    STACK_SET,
    STACK_SET_OPERATION,
    StackInstance,
    StackSet,
    StackSetOperation,
)
from .state import CloudFormationState
from .template import validation_error

stacksets_ns = Namespace("cloudformation", "stacksets")
instances_ns = Namespace("cloudformation", "stackinstances")  # + the stack set's id
operations_ns = Namespace("cloudformation", "stacksetoperations")  # + the stack set's id
ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"


def instance_key(account: str, region: str) -> str:
    return f"{account}|{region}"


class StackSetState(CloudFormationState):
    def stack_sets(self, account: str, region: str) -> list[StackSet]:
        return [s for _, s in STACK_SET.scan(self.store, stacksets_ns(account, region))]

    def stack_set(self, ctx: RequestContext, name: str) -> StackSet:
        """The live stack set of that name or id."""
        for found in self.stack_sets(ctx.account_id, ctx.region):
            if name in (found["StackSetName"], found["StackSetId"]) and found["Status"] != "DELETED":
                return found
        raise ServiceError("StackSetNotFoundException", f"StackSet {name} not found", status=404)

    def save_stack_set(self, account: str, region: str, stack_set: StackSet) -> None:
        STACK_SET.put(self.store, stacksets_ns(account, region), stack_set["StackSetId"], stack_set)

    def instances(self, account: str, region: str, stack_set_id: str) -> list[StackInstance]:
        return [i for _, i in STACK_INSTANCE.scan(self.store, instances_ns(account, region, stack_set_id))]

    def save_instance(self, account: str, region: str, instance: StackInstance) -> None:
        STACK_INSTANCE.put(self.store, instances_ns(account, region, instance["StackSetId"]),
                           instance_key(instance["Account"], instance["Region"]), instance)

    def drop_instance(self, account: str, region: str, instance: StackInstance) -> None:
        self.store.delete(instances_ns(account, region, instance["StackSetId"]),
                          instance_key(instance["Account"], instance["Region"]))

    def set_operations(self, account: str, region: str, stack_set_id: str) -> list[StackSetOperation]:
        return [o for _, o in STACK_SET_OPERATION.scan(self.store, operations_ns(account, region, stack_set_id))]

    def set_operation(self, ctx: RequestContext, stack_set: StackSet, operation_id: str) -> StackSetOperation:
        found = STACK_SET_OPERATION.get(self.store, operations_ns(ctx.account_id, ctx.region, stack_set["StackSetId"]),
                                        operation_id)
        if found is None:
            raise ServiceError("OperationNotFoundException", f"Operation {operation_id} not found", status=404)
        return found

    def save_set_operation(self, account: str, region: str, operation: StackSetOperation) -> None:
        STACK_SET_OPERATION.put(self.store, operations_ns(account, region, operation["StackSetId"]),
                                operation["OperationId"], operation)

    def begin_set_operation(self, ctx: RequestContext, stack_set: StackSet, action: str, params: dict,
                            targets: list[tuple[str, str]], work: Callable[[StackSetOperation], None],
                            before: Callable[[str], None] | None = None) -> str:
        """Store the operation RUNNING with each target PENDING, then ``work`` on it in the background
        (``before``, given the operation's id, runs once the checks pass and before the work starts)."""
        operations = self.set_operations(ctx.account_id, ctx.region, stack_set["StackSetId"])
        if any(o["Status"] in ("RUNNING", "QUEUED", "STOPPING") for o in operations):
            raise ServiceError("OperationInProgressException", f"Another Operation on StackSet "
                               f"{stack_set['StackSetId']} is in progress", status=409)
        operation_id = params.get("OperationId") or str(uuid.uuid4())
        if any(o["OperationId"] == operation_id for o in operations):
            raise ServiceError("OperationIdAlreadyExistsException", f"The operation id {operation_id} already "
                               "exists", status=409)
        operation: StackSetOperation = {
            "OperationId": operation_id, "StackSetId": stack_set["StackSetId"], "Action": action,
            "Status": "RUNNING", "CreationTimestamp": self.clock.time(),
            "OperationPreferences": params.get("OperationPreferences") or {},
            "AdministrationRoleARN": administration_role(ctx, stack_set),
            "ExecutionRoleName": stack_set.get("ExecutionRoleName") or EXECUTION_ROLE,
            "Results": [{"Account": a, "Region": r, "Status": "PENDING"} for a, r in targets]}
        if action == "DELETE":
            operation["RetainStacks"] = bool(params.get("RetainStacks"))
        if before is not None:
            before(operation_id)
        self.save_set_operation(ctx.account_id, ctx.region, operation)
        threading.Thread(target=work, args=(operation,), name=f"nimbus-stackset-{stack_set['StackSetName']}",
                         daemon=True).start()
        return operation_id


def paged(params: dict, items: list, key: Callable[[Any], str], member: str,
          shape: Callable[[Any], dict] = dict) -> dict:
    """One page of ``items`` as a List* answer names it (``member``, then ``NextToken`` when more follow)."""
    chunk, marker = page(items, params.get("NextToken"), params.get("MaxResults"), key,
                         invalid=validation_error("Invalid NextToken"))
    answer: dict = {member: [shape(item) for item in chunk]}
    if marker:
        answer["NextToken"] = marker
    return answer


def administration_role(ctx: RequestContext, stack_set: StackSet) -> str:
    return stack_set.get("AdministrationRoleARN") or f"arn:aws:iam::{ctx.account_id}:role/{ADMINISTRATION_ROLE}"
