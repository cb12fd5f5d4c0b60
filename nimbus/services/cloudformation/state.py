"""What every CloudFormation module shares: finding stacks, their resources, events and exports, and
calling other services as a stack (its RoleARN, or the caller who started the operation)."""
from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable
from typing import Any

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.identity import Principal
from nimbus.core.namespaces import Namespace
from nimbus.core.public_url import public_base
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .documents import (
    CHANGE_SET,
    EXPORT,
    STACK,
    STACK_EVENT,
    STACK_RESOURCE,
    ChangeSet,
    Export,
    Stack,
    StackEvent,
    StackResource,
)
from .template import validation_error

SERVICE_PRINCIPAL = "cloudformation.amazonaws.com"
ROLE_SESSION = "AWSCloudFormation"
stacks_ns = Namespace("cloudformation", "stacks")
resources_ns = Namespace("cloudformation", "resources")  # + the stack's id
events_ns = Namespace("cloudformation", "events")  # + the stack's id
exports_ns = Namespace("cloudformation", "exports")
changesets_ns = Namespace("cloudformation", "changesets")  # + the stack's id

_EVENT_SEQUENCE = itertools.count()
Caller = Callable[[str, str, dict], dict]  # (service, operation, params) -> output


def acting_as(runtime: Any, account: str, region: str, role_arn: str | None, principal: Principal,
              stack_id: str | None = None) -> Caller:
    """Calls made as a session of ``role_arn`` (which must trust CloudFormation), else as ``principal``, the
    caller, authorized again on each call: how stacks and Cloud Control act. ``stack_id``: the stack calling."""
    client = runtime.client

    def call(service: str, operation: str, params: dict) -> dict[str, Any]:
        # CloudFormation itself learns which stack calls: a nested stack's parent (nested.py).
        source = CallSource(stack_id, account) if stack_id and service == "cloudformation" else None
        if role_arn:
            return client.call_as_role(role_arn, service, operation, params, invoked_by=SERVICE_PRINCIPAL,
                                       session_name=ROLE_SESSION, region=region, source=source)
        return client.call(service, operation, params, account_id=account, region=region, principal=principal,
                           forwarded=False, source=source)
    return call


class StackIdentity:
    """Where a stack lives and who it acts as: what a background operation needs once its request is gone."""

    def __init__(self, ctx: RequestContext, stack: Stack):
        self.account, self.region = ctx.account_id, ctx.region
        self.stack_id, self.stack_name = stack["StackId"], stack["StackName"]
        self.role_arn = stack.get("RoleARN")
        self.notification_arns = stack.get("NotificationARNs", [])
        self.principal: Principal = ctx.principal
        self.endpoint = public_base(ctx)  # what presigned URLs given to the outside world start with


class CloudFormationState(BaseProvider):
    operations: dict[str, threading.Thread]
    operations_lock: threading.Lock
    cancel_requests: set[str]  # the ids of stacks whose update CancelUpdateStack asked to stop

    def __init__(self, runtime):
        super().__init__(runtime)
        self.operations = {}
        self.operations_lock = threading.Lock()
        self.cancel_requests = set()

    # -- stacks ----------------------------------------------------------------------------

    def stacks(self, account: str, region: str) -> list[Stack]:
        return [s for _, s in STACK.scan(self.store, stacks_ns(account, region))]

    def find_stack(self, ctx: RequestContext, name: str, deleted: bool = False) -> Stack | None:
        """The live stack of that name, or the stack of that id (a deleted one too, with ``deleted``)."""
        if name.startswith("arn:"):
            found = STACK.get(self.store, stacks_ns(ctx.account_id, ctx.region), name)
            return found if found and (deleted or found["StackStatus"] != "DELETE_COMPLETE") else None
        live = [s for s in self.stacks(ctx.account_id, ctx.region)
                if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"]
        return live[0] if live else None

    def stack(self, ctx: RequestContext, name: str, deleted: bool = False) -> Stack:
        found = self.find_stack(ctx, name, deleted)
        if found is None:
            raise validation_error(f"Stack with id {name} does not exist")
        return found

    def stack_by_id(self, where: StackIdentity) -> Stack:
        found = STACK.get(self.store, stacks_ns(where.account, where.region), where.stack_id)
        assert found is not None  # an operation's stack is never removed, only marked DELETE_COMPLETE
        return found

    @staticmethod
    def pseudo(where: StackIdentity) -> dict[str, Any]:
        """The pseudo parameters Ref can name."""
        return {"AWS::AccountId": where.account, "AWS::Region": where.region, "AWS::StackName": where.stack_name,
                "AWS::StackId": where.stack_id, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                "AWS::NotificationARNs": where.notification_arns}

    def save_stack(self, account: str, region: str, stack: Stack) -> None:
        STACK.put(self.store, stacks_ns(account, region), stack["StackId"], stack)

    # -- resources, events, exports ----------------------------------------------------------

    def resources(self, account: str, region: str, stack_id: str) -> dict[str, StackResource]:
        return dict(STACK_RESOURCE.scan(self.store, resources_ns(account, region, stack_id)))

    def save_resource(self, where: StackIdentity, resource: StackResource) -> None:
        STACK_RESOURCE.put(self.store, resources_ns(where.account, where.region, where.stack_id),
                           resource["LogicalResourceId"], resource)

    def drop_resource(self, where: StackIdentity, logical_id: str) -> None:
        self.store.delete(resources_ns(where.account, where.region, where.stack_id), logical_id)

    def events(self, account: str, region: str, stack_id: str) -> list[StackEvent]:
        """Newest first, as DescribeStackEvents lists them."""
        return [e for _, e in reversed(STACK_EVENT.scan(self.store, events_ns(account, region, stack_id)))]

    def add_event(self, where: StackIdentity, logical_id: str, resource_type: str, status: str,
                  reason: str = "", physical_id: str = "", properties: str | None = None) -> None:
        now = self.clock.time()
        event: StackEvent = {"EventId": str(uuid.uuid4()), "StackId": where.stack_id, "StackName": where.stack_name,
                             "LogicalResourceId": logical_id, "ResourceType": resource_type, "Timestamp": now,
                             "ResourceStatus": status}
        if physical_id:
            event["PhysicalResourceId"] = physical_id
        if reason:
            event["ResourceStatusReason"] = reason
        if properties is not None:
            event["ResourceProperties"] = properties
        # Keys list in time order; the sequence orders events of one instant as they happened.
        STACK_EVENT.put(self.store, events_ns(where.account, where.region, where.stack_id),
                        f"{now:017.6f}|{next(_EVENT_SEQUENCE):012d}", event)

    def exports(self, account: str, region: str) -> dict[str, Export]:
        return dict(EXPORT.scan(self.store, exports_ns(account, region)))

    def importers(self, account: str, region: str, export_name: str) -> list[str]:
        """The names of the live stacks whose templates import ``export_name``."""
        return [s["StackName"] for s in self.stacks(account, region)
                if export_name in s.get("Imports", []) and s["StackStatus"] != "DELETE_COMPLETE"]

    # -- change sets ---------------------------------------------------------------------------

    def change_sets(self, account: str, region: str, stack_id: str) -> list[ChangeSet]:
        return [c for _, c in CHANGE_SET.scan(self.store, changesets_ns(account, region, stack_id))]

    def drop_change_sets(self, account: str, region: str, stack_id: str) -> None:
        """A deleted stack's change sets go with it."""
        self.store.delete_namespace(changesets_ns(account, region, stack_id))

    def change_set(self, ctx: RequestContext, name: str, stack_name: str | None) -> ChangeSet:
        """The change set a name (with its stack) or an ARN names; ChangeSetNotFound otherwise."""
        if not name.startswith("arn:") and not stack_name:
            raise validation_error("StackName must be specified if ChangeSetName is not specified as an ARN.")
        named = self.find_stack(ctx, stack_name) if stack_name else None
        for stack in ([named] if named else []) if stack_name else self.stacks(ctx.account_id, ctx.region):
            for change_set in self.change_sets(ctx.account_id, ctx.region, stack["StackId"]):
                if name in (change_set["ChangeSetName"], change_set["ChangeSetId"]):
                    return change_set
        raise ServiceError("ChangeSetNotFound", f"ChangeSet [{name}] does not exist", status=404)

    # -- acting as the stack -----------------------------------------------------------------

    def caller(self, where: StackIdentity) -> Caller:
        """How the stack calls a service: as a session of its RoleARN, else as the caller who started the
        operation (authorized again on each call, as AWS uses the caller's own permissions)."""
        return acting_as(self.runtime, where.account, where.region, where.role_arn, where.principal,
                         where.stack_id)

    def run_in_background(self, where: StackIdentity, work: Callable[[], None]) -> None:
        """One thread per stack operation: the API call returns at once, as AWS's does."""
        thread = threading.Thread(target=work, name=f"nimbus-cloudformation-{where.stack_name}", daemon=True)
        with self.operations_lock:
            self.operations = {k: t for k, t in self.operations.items() if t.is_alive()}
            self.operations[where.stack_id] = thread
        thread.start()
