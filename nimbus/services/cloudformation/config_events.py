"""Resource-change events for stacks themselves (``AWS::CloudFormation::Stack``, as AWS Config records
them), published when a stack operation settles: ``created`` once a create ends (complete, failed or rolled
back: the stack exists either way), ``updated`` once an update ends, ``deleted`` once the stack is gone.
The configuration is the stack as DescribeStacks shows it (NoEcho values masked), built only when someone
subscribes. The resources a stack makes publish their own events through their services' APIs."""
from __future__ import annotations

import copy
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.resource_change import Change

from .describe import stack_output
from .documents import Stack
from .state import CloudFormationState, StackIdentity

STACK_TYPE = "AWS::CloudFormation::Stack"
SETTLED: dict[str, Change] = {
    "CREATE_COMPLETE": "created", "CREATE_FAILED": "created", "ROLLBACK_COMPLETE": "created",
    "ROLLBACK_FAILED": "created", "UPDATE_COMPLETE": "updated", "UPDATE_FAILED": "updated",
    "UPDATE_ROLLBACK_COMPLETE": "updated", "UPDATE_ROLLBACK_FAILED": "updated", "DELETE_COMPLETE": "deleted"}


def stack_settled(state: CloudFormationState, where: StackIdentity, stack: Stack, operation: str) -> None:
    change = SETTLED.get(stack["StackStatus"])
    if change is None:
        return
    # A background operation has no request of its own: the event is the operation's, as its starter.
    ctx = RequestContext(runtime=state.runtime, request_id=str(uuid.uuid4()), service="cloudformation",
                         operation=operation, account_id=where.account, region=where.region,
                         principal=where.principal, internal=True)
    settled = copy.deepcopy(stack)
    ctx.emit_resource_change(STACK_TYPE, stack["StackId"], change,
                             None if change == "deleted" else (lambda: stack_output(settled)))
