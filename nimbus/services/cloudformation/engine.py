"""Running a stack operation in the background: creating or updating its resources in dependency order,
rolling back what it did when a resource fails, and deleting a stack in the reverse order.

Every step is a stack event (newest first in DescribeStackEvents), and every resource is made through
its owning service's API as the stack (handlers/).
"""
from __future__ import annotations

import copy
import json
import logging
import threading
from typing import Any

from nimbus.protocol.errors import ServiceError

from . import parameters, schemas
from .config_events import STACK_TYPE, stack_settled
from .documents import Stack, StackResource
from .dynamic import resolve_references
from .graph import creation_order, dependencies, run_in_order
from .handlers import HANDLERS
from .handlers.base import Api, Operation, ResourceFailure, gone
from .intrinsics import Scope, evaluate
from .outputs import outputs_of, publish_exports
from .prepare import Prepared
from .sealed import attribute, seal_attributes
from .stack_policy import denial
from .state import Caller, CloudFormationState, StackIdentity
from .template import parse_template

log = logging.getLogger(__name__)


class ResourceFailed(Exception):
    def __init__(self, logical_id: str, reason: str):
        super().__init__(reason)
        self.logical_id, self.reason = logical_id, reason


def failure_reason(error: Exception) -> str:
    if isinstance(error, ResourceFailure):
        return error.message
    if isinstance(error, ServiceError):
        return f'Resource handler returned message: "{error.message}" (HandlerErrorCode: {error.code})'
    return f"Internal failure: {type(error).__name__}"


class StackRun:
    """One operation on one stack; ``kind`` is CREATE or UPDATE (``deploy``) or DELETE (``teardown``)."""

    def __init__(self, state: CloudFormationState, where: StackIdentity, kind: str):
        self.state, self.where, self.kind = state, where, kind
        self.call = state.caller(where)
        self.current = state.resources(where.account, where.region, where.stack_id)
        stack = self.stack()
        # (action, logical id, doc before); a stack left *_FAILED keeps its journal for RollbackStack and
        # ContinueUpdateRollback, and a later update of it adds to that journal.
        self.journal: list[tuple[str, str, StackResource | None]] = [tuple(e) for e in  # type: ignore[misc]
                                                                     stack.get("Journal", [])]
        self.imports: set[str] = set()
        self.lock = threading.Lock()
        self.policy = stack.get("StackPolicyDuringUpdate") or stack.get("StackPolicyBody", "")
        self.retain_except_on_create = bool(stack.get("RetainExceptOnCreate"))
        timeout = stack.get("TimeoutInMinutes") if kind == "CREATE" else None
        self.deadline = state.clock.time() + 60 * int(timeout) if timeout else None
        self.secrets = parameters.secret_values(parameters.declared(parse_template(stack["TemplateBody"])),
                                                stack.get("ParameterValues", {}))

    # -- the pieces every step uses ----------------------------------------------------------

    def stack(self) -> Stack:
        return self.state.stack_by_id(self.where)

    def set_status(self, status: str, reason: str = "", **changes: Any) -> None:
        stack = self.stack()
        if not status.endswith("_IN_PROGRESS"):  # what only one operation uses ends with it
            for member in ("Journal", "StackPolicyDuringUpdate"):
                stack.pop(member, None)  # type: ignore[misc]
            self.state.cancel_requests.discard(self.where.stack_id)
        stack.update(changes)  # type: ignore[typeddict-item]
        stack["StackStatus"] = status
        stack.pop("StackStatusReason", None)
        if reason:
            stack["StackStatusReason"] = reason
        self.state.save_stack(self.where.account, self.where.region, stack)
        self.state.add_event(self.where, self.where.stack_name, STACK_TYPE, status, reason, self.where.stack_id)
        stack_settled(self.state, self.where, stack, f"{self.kind.title()}Stack")

    def resource_event(self, doc: StackResource, status: str, reason: str = "", save: bool = True) -> None:
        """Record a resource's new status (``save``: it is the resource's current state, not a replaced one's)."""
        doc["ResourceStatus"], doc["LastUpdatedTimestamp"] = status, self.state.clock.time()
        doc.pop("ResourceStatusReason", None)
        if reason:
            doc["ResourceStatusReason"] = reason
        with self.lock:  # independent resources are worked on at once
            if save:
                self.current[doc["LogicalResourceId"]] = doc
                self.state.save_resource(self.where, doc)
            self.state.add_event(self.where, doc["LogicalResourceId"], doc["ResourceType"], status, reason,
                                 doc.get("PhysicalResourceId", ""),
                                 self.masked(json.dumps(doc.get("Properties", {}))))

    def masked(self, text: str) -> str:
        """Event properties with every NoEcho parameter's value (JSON-escaped as it appears) masked."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(json.dumps(secret)[1:-1], parameters.MASK)
        return text

    def api(self, logical_id: str, declared: dict | None = None) -> Api:
        return Api(self.call, self.where.account, self.where.region, self.where.stack_name, logical_id,
                   Operation(self.state.runtime, self.where.stack_id, self.where.endpoint, lambda: self.state.closed),
                   declared, call_in=self.caller_in)

    def caller_in(self, region: str) -> Caller:
        """How the stack calls a service in another Region: as itself, there."""
        where = copy.copy(self.where)
        where.region = region
        return self.state.caller(where)

    def scope(self, prepared: Prepared) -> Scope:
        with self.lock:
            live = {k: r for k, r in self.current.items() if r.get("PhysicalResourceId")}

        def exported(name: str) -> str | None:
            self.imports.add(name)
            found = self.state.exports(self.where.account, self.where.region).get(name)
            return found["Value"] if found else None
        return Scope({**prepared.refs, **self.state.pseudo(self.where)}, prepared.template.get("Mappings") or {},
                     prepared.conditions, {k: r["PhysicalResourceId"] for k, r in live.items()},
                     lambda logical, name: self.attribute(live[logical], name), exported,
                     self.where.region)

    def attribute(self, doc: StackResource, name: str) -> Any:
        return attribute(self.state.runtime.vault, self.where.stack_id, doc["LogicalResourceId"],
                         doc["PhysicalResourceId"], doc.get("Attributes", {}), name)

    def sealed(self, doc: StackResource, attributes: dict, before: StackResource | None) -> dict:
        """The attributes to store: those the type marks secret sealed (sealed.py)."""
        return seal_attributes(self.state.runtime.vault, self.where.stack_id, doc["LogicalResourceId"],
                               doc["PhysicalResourceId"], HANDLERS[doc["ResourceType"]].sealed_attributes,
                               attributes, before.get("Attributes") if before else None)

    def resolved(self, properties: dict) -> dict:
        return resolve_references(properties, self.call)

    # -- create and update ---------------------------------------------------------------------

    def deploy(self, prepared: Prepared) -> None:
        self.secrets |= parameters.secret_values(parameters.declared(prepared.template), prepared.values)
        failure: BaseException | None = self.refused_removals(prepared)
        if failure is None:
            failure = run_in_order(prepared.order, dependencies(prepared.resources),
                                   lambda logical_id: self.apply(prepared, logical_id), self.stopped)
        if self.state.closed:
            return  # a reset or shutdown retired this provider: its state is no longer there
        if self.cancelled():
            return self.roll_back("Stack update cancelled", prepared, forced=True)
        if self.timed_out():
            return self.roll_back("Stack creation time exceeded the specified timeout. ", prepared)
        if isinstance(failure, ResourceFailed):
            verb = "create" if self.current[failure.logical_id]["ResourceStatus"] == "CREATE_FAILED" else "update"
            return self.roll_back(f"The following resource(s) failed to {verb}: [{failure.logical_id}]. ", prepared)
        if failure is not None:
            raise failure
        try:
            outputs = outputs_of(prepared.template, self.scope(prepared))
            publish_exports(self.state, self.where, outputs)
        except ServiceError as error:
            return self.roll_back(f"{error.message} ", prepared)
        done = "CREATE_COMPLETE" if self.kind == "CREATE" else "UPDATE_COMPLETE"
        if self.kind == "UPDATE":
            self.set_status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            self.cleanup([n for n in self.current if n not in prepared.order], prepared)
        self.set_status(done, TemplateBody=prepared.body, ParameterValues=prepared.values,
                        ResolvedValues=prepared.resolved, Outputs=outputs, Imports=sorted(self.imports),
                        Description=prepared.template.get("Description", ""))

    def apply(self, prepared: Prepared, logical_id: str) -> None:
        declared = prepared.resources[logical_id]
        type_name = declared["Type"]
        try:
            properties = evaluate(declared.get("Properties") or {}, self.scope(prepared))
        except ServiceError as error:
            raise self.fail(logical_id, type_name, error.message, None) from None
        before = self.current.get(logical_id)
        if before is not None and not before.get("PhysicalResourceId"):
            before = None  # it failed to create before (a stack kept CREATE_FAILED): made now
        # A nested stack is updated whatever its properties: its template may have changed.
        if before is not None and before["ResourceType"] == type_name and before.get("Properties") == properties \
                and before["ResourceStatus"] != "CREATE_FAILED" and type_name != STACK_TYPE:
            return
        doc: StackResource = {"LogicalResourceId": logical_id, "ResourceType": type_name,
                              "ResourceStatus": "", "LastUpdatedTimestamp": 0.0, "Properties": properties}
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if policy in declared:
                doc[policy] = str(declared[policy])  # type: ignore[literal-required]
        handler = HANDLERS.get(type_name)
        if handler is None:
            raise self.fail(logical_id, type_name, f"nimbus does not serve resource type {type_name}: the stack "
                            "cannot create it", before)
        problem = self.invalid(logical_id, type_name, properties)
        if problem:
            raise self.fail(logical_id, type_name, problem, before)
        replace = before is None or before["ResourceType"] != type_name or \
            bool(schemas.replaced_by(type_name, before.get("Properties", {}), properties))
        if before is not None and self.policy:
            refused = denial(self.policy, "Update:Replace" if replace else "Update:Modify", logical_id, type_name)
            if refused:
                raise self.fail(logical_id, type_name, refused, before)
        try:
            if before is not None and not replace:
                doc["PhysicalResourceId"] = before["PhysicalResourceId"]
                entry = ("updated", logical_id, before)
                self.journal.append(entry)
                self.resource_event(doc, "UPDATE_IN_PROGRESS")
                changed = handler.change(self.api(logical_id), before["PhysicalResourceId"],
                                         self.resolved(before.get("Properties", {})), self.resolved(properties))
                if changed.physical_id != before["PhysicalResourceId"]:  # a new one: the cleanup deletes the old
                    with self.lock:
                        self.journal[self.journal.index(entry)] = ("replaced", logical_id, before)
                    doc["PhysicalResourceId"] = changed.physical_id
                doc["Attributes"] = self.sealed(doc, changed.attributes, before)
                return self.resource_event(doc, "UPDATE_COMPLETE")
            status = "CREATE" if before is None else "UPDATE"
            self.resource_event(doc, f"{status}_IN_PROGRESS",
                                "Requested update requires the creation of a new physical resource; hence creating "
                                "one." if before else "")
            created = handler.create(self.api(logical_id, declared), self.resolved(properties))
        except ServiceError as error:
            left = error.physical_id if isinstance(error, ResourceFailure) else ""  # made though it failed
            raise self.fail(logical_id, type_name, failure_reason(error), before,
                            {"PhysicalResourceId": left, "Properties": properties} if left else None) from None
        doc["PhysicalResourceId"] = created.physical_id
        doc["Attributes"] = self.sealed(doc, created.attributes, None)
        self.journal.append(("created" if before is None else "replaced", logical_id, before))
        if before is None:
            self.resource_event(doc, "CREATE_IN_PROGRESS", "Resource creation Initiated")
        self.resource_event(doc, f"{status}_COMPLETE")

    @staticmethod
    def invalid(logical_id: str, type_name: str, properties: dict) -> str:
        """What the type's schema refuses in the properties, before any resource is touched."""
        problem = schemas.violation(type_name, properties)
        return f"Properties validation failed for resource {logical_id} with message: {problem}" if problem else ""

    def fail(self, logical_id: str, type_name: str, reason: str, before: StackResource | None,
             made: dict | None = None) -> ResourceFailed:
        """``made``: the physical id and properties of what a failed create left (the rollback deletes it)."""
        status = "CREATE_FAILED" if before is None else "UPDATE_FAILED"
        doc: StackResource = {"LogicalResourceId": logical_id, "ResourceType": type_name,
                              "ResourceStatus": status, "LastUpdatedTimestamp": 0.0}
        if before is not None:
            doc = before.copy()
        elif made:
            doc.update(made)  # type: ignore[typeddict-item]
        self.resource_event(doc, status, reason)
        if all(entry[1] != logical_id for entry in self.journal):
            self.journal.append(("failed", logical_id, before))
        return ResourceFailed(logical_id, reason)

    # -- rollback --------------------------------------------------------------------------------

    def stopped(self) -> bool:
        """Start no more resources: the provider is closing, the update was cancelled or the create timed out."""
        return self.state.closed or self.cancelled() or self.timed_out()

    def cancelled(self) -> bool:
        return self.kind == "UPDATE" and self.where.stack_id in self.state.cancel_requests

    def timed_out(self) -> bool:
        return self.deadline is not None and self.state.clock.time() > self.deadline

    def refused_removals(self, prepared: Prepared) -> ResourceFailed | None:
        """The stack policy's answer for the resources an update drops, checked before anything changes."""
        if self.kind != "UPDATE" or not self.policy:
            return None
        for logical_id, doc in self.current.items():
            if logical_id not in prepared.resources and doc.get("PhysicalResourceId"):
                refused = denial(self.policy, "Update:Delete", logical_id, doc["ResourceType"])
                if refused:
                    return self.fail(logical_id, doc["ResourceType"], refused, doc)
        return None

    def roll_back(self, reason: str, prepared: Prepared | None, forced: bool = False) -> None:
        """Undo the operation (``forced``: whatever DisableRollback says, as a cancelled update is)."""
        keep = not forced and self.stack().get("DisableRollback")
        if self.kind == "CREATE":
            if keep:
                return self.set_status("CREATE_FAILED", reason.strip(), Journal=self.journal)
            if self.stack().get("OnFailure") == "DELETE" and prepared is not None:  # straight on: never settled
                self.state.add_event(self.where, self.where.stack_name, STACK_TYPE, "CREATE_FAILED", reason.strip(),
                                     self.where.stack_id)
                return self.teardown(prepared.template, begun=False)
            self.set_status("ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user." if reason else "")
            ok = self.undo()
            return self.set_status("ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED")
        if keep:
            return self.set_status("UPDATE_FAILED", reason, Journal=self.journal)
        self.set_status("UPDATE_ROLLBACK_IN_PROGRESS", reason.strip())
        self.finish_update_rollback()

    def finish_update_rollback(self) -> None:
        """Undo what the journal holds; what could not be undone stays in it for ContinueUpdateRollback."""
        if not self.undo():
            return self.set_status("UPDATE_ROLLBACK_FAILED", Journal=self.journal)
        self.set_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        self.set_status("UPDATE_ROLLBACK_COMPLETE")

    def undo(self) -> bool:
        """Undo the journal, newest first; False when some step of it failed (the resource keeps the reason, the
        journal what is left to undo)."""
        left: list[tuple[str, str, StackResource | None]] = []
        for entry in reversed(self.journal):
            action, logical_id, before = entry
            doc = self.current.get(logical_id)
            if doc is None:
                continue  # undone by a newer entry (made again after it failed, then deleted)
            try:
                if action in ("created", "replaced") or (action == "failed" and before is None):
                    self.remove(doc, made_now=True)
                elif action == "updated" and before is not None:
                    self.resource_event(doc, "UPDATE_IN_PROGRESS")
                    HANDLERS[doc["ResourceType"]].update(self.api(logical_id), doc["PhysicalResourceId"],
                                                         self.resolved(doc.get("Properties", {})),
                                                         self.resolved(before.get("Properties", {})))
                if before is not None:
                    self.resource_event(before.copy(), "UPDATE_COMPLETE")
                else:
                    self.current.pop(logical_id, None)
                    self.state.drop_resource(self.where, logical_id)
            except ServiceError as error:
                left.insert(0, entry)
                self.resource_event(doc, "DELETE_FAILED" if action != "updated" else "UPDATE_FAILED",
                                    failure_reason(error))
        self.journal = left
        return not left

    # -- delete ----------------------------------------------------------------------------------

    def remove(self, doc: StackResource, save: bool = True, policy: str = "DeletionPolicy",
               made_now: bool = False) -> None:
        """Delete one resource (unless its ``policy``, DeletionPolicy or for a replaced one UpdateReplacePolicy,
        retains it); raises the owning service's error. ``made_now``: a rollback deleting what this operation made,
        which RetainExceptOnCreate (the operation's, or as the policy) deletes even when the policy says Retain."""
        retained = doc.get(policy) in ("Retain", "RetainExceptOnCreate")
        if made_now and (self.retain_except_on_create or doc.get(policy) == "RetainExceptOnCreate"):
            retained = False
        if retained:
            return self.resource_event(doc, "DELETE_SKIPPED", save=save)
        if not doc.get("PhysicalResourceId") or doc["ResourceType"] not in HANDLERS:
            return self.resource_event(doc, "DELETE_COMPLETE", save=save)
        self.resource_event(doc, "DELETE_IN_PROGRESS", save=save)
        try:
            HANDLERS[doc["ResourceType"]].delete(self.api(doc["LogicalResourceId"]), doc["PhysicalResourceId"],
                                                 self.resolved(doc.get("Properties", {})))
        except ServiceError as error:
            if not gone(error):
                raise
        self.resource_event(doc, "DELETE_COMPLETE", save=save)

    def cleanup(self, logical_ids: list[str], prepared: Prepared) -> None:
        """After an update: delete what the new template dropped and what was replaced (old physical ids)."""
        for action, logical_id, before in reversed(self.journal):
            if action == "replaced" and before is not None:
                try:
                    replaced = before.copy()  # the template that replaces it decides whether it is kept
                    replaced.pop("UpdateReplacePolicy", None)
                    if "UpdateReplacePolicy" in self.current[logical_id]:
                        replaced["UpdateReplacePolicy"] = self.current[logical_id]["UpdateReplacePolicy"]
                    self.remove(replaced, save=False, policy="UpdateReplacePolicy")
                except ServiceError as error:
                    log.warning("could not delete the replaced %s: %s", logical_id, error.message)
        for logical_id in reversed([n for n in logical_ids if n not in prepared.order]):
            try:
                self.remove(self.current[logical_id])
            except ServiceError as error:
                log.warning("could not delete %s: %s", logical_id, error.message)
            self.current.pop(logical_id, None)
            self.state.drop_resource(self.where, logical_id)

    def teardown(self, template: dict, begun: bool = True) -> None:
        """Delete every resource, dependents first; an export another stack imports blocks it all.
        ``begun``: the stack is DELETE_IN_PROGRESS already (DeleteStack stores it so before answering)."""
        for name, export in self.state.exports(self.where.account, self.where.region).items():
            importers = self.state.importers(self.where.account, self.where.region, name)
            if export["ExportingStackId"] == self.where.stack_id and importers:
                return self.set_status("DELETE_FAILED", f"Export {name} cannot be deleted as it is in use by "
                                       f"{importers[0]}")
        if not begun:
            self.set_status("DELETE_IN_PROGRESS", "User Initiated")
        order = [n for n in creation_order(dependencies(template["Resources"])) if n in self.current]
        failed = []
        for logical_id in reversed(order + [n for n in self.current if n not in order]):
            doc = self.current[logical_id]
            if self.state.closed:
                return
            if doc["ResourceStatus"] in ("DELETE_COMPLETE", "DELETE_SKIPPED"):
                continue
            try:
                self.remove(doc)
            except ServiceError as error:
                failed.append(logical_id)
                self.resource_event(doc, "DELETE_FAILED", failure_reason(error))
        if failed:
            return self.set_status("DELETE_FAILED", f"The following resource(s) failed to delete: "
                                   f"[{', '.join(failed)}]. ")
        publish_exports(self.state, self.where, [])
        self.state.drop_change_sets(self.where.account, self.where.region, self.where.stack_id)
        self.set_status("DELETE_COMPLETE", DeletionTime=self.state.clock.time())
