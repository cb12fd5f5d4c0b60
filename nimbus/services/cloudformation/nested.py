"""Nested stacks, as CloudFormation sees them from the inside: a stack made by another stack's
``AWS::CloudFormation::Stack`` resource (handlers/stack.py) knows its parent and its root, takes the
parent's settings, and is created, updated and deleted only through that parent.

The parent is the stack the internal call comes from: the engine names it as the call's source
(``CloudFormationState.caller``), which no outside caller can do.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .documents import STACK, Stack
from .state import stacks_ns
from .template import validation_error


def calling_stack(ctx: RequestContext) -> Stack | None:
    """The stack whose operation made this call, when a stack's resource handler made it."""
    if not ctx.internal or ctx.source is None or ":stack/" not in ctx.source.arn:
        return None
    return STACK.get(ctx.runtime.store, stacks_ns(ctx.account_id, ctx.region), ctx.source.arn)


def nested_request(ctx: RequestContext, params: dict) -> tuple[dict, Stack | None]:
    """CreateStack's request as a nested stack makes it (the parent's capabilities, role, rollback setting
    and tags), with its parent; the request unchanged when no stack makes it."""
    parent = calling_stack(ctx)
    if parent is None:
        return params, None
    inherited = {"Capabilities": parent.get("Capabilities", []), "DisableRollback": parent.get("DisableRollback",
                                                                                               False)}
    if parent.get("RoleARN"):
        inherited["RoleARN"] = parent["RoleARN"]
    own = {t["Key"] for t in params.get("Tags", [])}
    tags = [t for t in parent.get("Tags", []) if t["Key"] not in own] + params.get("Tags", [])
    return {**params, **inherited, "Tags": tags}, parent


def link(stack: Stack, parent: Stack | None) -> None:
    """Record a new stack's place in its tree."""
    if parent is not None:
        stack["ParentId"] = parent["StackId"]
        stack["RootId"] = parent.get("RootId") or parent["StackId"]


def check_direct(ctx: RequestContext, stack: Stack, action: str) -> None:
    """A nested stack is updated or deleted only by its parent's operation, as AWS requires."""
    parent = stack.get("ParentId")
    caller = calling_stack(ctx)
    if parent and (caller is None or caller["StackId"] != parent):
        raise validation_error(f"Stack [{stack['StackName']}] is a nested stack and cannot be {action} directly: "
                               f"{action.removesuffix('d')} its root stack [{stack.get('RootId', parent)}] instead.")
