"""Resource import: IMPORT change sets (``ResourcesToImport``) bring existing resources under a stack, new
or existing, without touching them. What AWS checks is checked: each resource to import is in the template
with a ``DeletionPolicy``, is not in the stack already, is named by its type's primary identifier, exists
(read back through its handler as the stack) and belongs to no other stack; the template adds nothing else.
Executing the change set records each resource (``IMPORT_IN_PROGRESS`` → ``IMPORT_COMPLETE``), with its
attributes as its handler answers them, and the stack becomes ``IMPORT_COMPLETE``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from . import schemas
from .changesets import ChangeSetOps
from .documents import ChangeSet, Stack, StackResource
from .engine import StackRun, failure_reason
from .handlers import HANDLERS
from .handlers.base import Api, Handler, gone
from .intrinsics import evaluate
from .outputs import outputs_of, publish_exports
from .prepare import Prepared, prepare, read
from .sources import template_body
from .stacks import new_stack, ssm_reader, updated_settings
from .state import StackIdentity
from .template import validation_error

# Types whose primary identifier is an id nimbus makes up for the stack, which no service knows.
NOT_IMPORTABLE = frozenset({"AWS::IAM::Policy"})


def identifier_name(type_name: str) -> str | None:
    """The one property that identifies a resource of this type, when nimbus can import the type (its handler
    reads resources back)."""
    identifier = schemas.schema(type_name).get("primaryIdentifier", [])
    handler = HANDLERS.get(type_name)
    if len(identifier) != 1 or handler is None or type(handler).read is Handler.read or type_name in NOT_IMPORTABLE:
        return None
    return identifier[0].removeprefix("/properties/")


def _names(logical_ids) -> str:
    return ", ".join(logical_ids)


class ImportOps(ChangeSetOps):
    def create_change_set(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("ChangeSetType") != "IMPORT":
            return super().create_change_set(ctx, params)
        imports = self._check_request(ctx, params)
        created = super().create_change_set(ctx, params)
        change_set = self.change_set(ctx, created["Id"], None)
        problem = self._check_resources(ctx, change_set, imports)
        if problem:
            change_set.update({"Status": "FAILED", "ExecutionStatus": "UNAVAILABLE", "StatusReason": problem})
        for change in change_set.get("Changes", []):
            resource = change["ResourceChange"]
            if resource["LogicalResourceId"] in imports:
                resource.update({"Action": "Import", "PhysicalResourceId": imports[resource["LogicalResourceId"]]})
        self._save_change_set(ctx, change_set)
        return created

    def _check_request(self, ctx: RequestContext, params: dict) -> dict[str, str]:
        """Logical id -> physical id of each resource to import; ValidationError for what AWS refuses at once."""
        wanted = params.get("ResourcesToImport") or []
        if not wanted:
            raise validation_error("ResourcesToImport must be specified when ChangeSetType is IMPORT.")
        stack = self.find_stack(ctx, params["StackName"])
        body = stack["TemplateBody"] if stack and params.get("UsePreviousTemplate") else template_body(ctx, params)
        template = read(body or "")
        current = self.resources(ctx.account_id, ctx.region, stack["StackId"]) if stack else {}
        resources = template["Resources"]
        missing = [w["LogicalResourceId"] for w in wanted if w["LogicalResourceId"] not in resources]
        if missing:
            raise validation_error(f"Resources [{_names(missing)}] passed in ResourceToImport are not present in "
                                   "the template.")
        present = [w["LogicalResourceId"] for w in wanted if w["LogicalResourceId"] in current]
        if present:
            raise validation_error(f"Resources [{_names(present)}] passed in ResourceToImport are already in a stack "
                                   "and cannot be imported.")
        unprotected = [w["LogicalResourceId"] for w in wanted if "DeletionPolicy" not in resources[w["LogicalResourceId"]]]
        if unprotected:
            raise validation_error(f"The following resources to import [{_names(unprotected)}] must have "
                                   "DeletionPolicy attribute specified in the template.")
        added = sorted(set(resources) - set(current) - {w["LogicalResourceId"] for w in wanted})
        if added:
            raise validation_error(f"As part of the import operation, you cannot modify or add [{_names(added)}]")
        imports = {}
        for item in wanted:
            logical_id, type_name = item["LogicalResourceId"], item["ResourceType"]
            if resources[logical_id]["Type"] != type_name:
                raise validation_error(f"The ResourceType {type_name} of [{logical_id}] does not match the template's "
                                       f"{resources[logical_id]['Type']}.")
            name = identifier_name(type_name)
            if name is None:
                raise validation_error(f"ResourceType {type_name} is not supported for import.")
            if set(item["ResourceIdentifier"]) != {name}:
                raise validation_error(f"Invalid ResourceIdentifier for [{logical_id}]: the identifier of "
                                       f"{type_name} is [{name}].")
            imports[logical_id] = item["ResourceIdentifier"][name]
        return imports

    def _check_resources(self, ctx: RequestContext, change_set: ChangeSet, imports: dict[str, str]) -> str:
        """Why the resources cannot be imported (they do not exist, or another stack has them), or ""."""
        stack = self.stack(ctx, change_set["StackId"])
        call = self.caller(StackIdentity(ctx, stack))
        types = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["ResourceType"]
                 for c in change_set.get("Changes", [])}
        absent = []
        for logical_id, physical_id in imports.items():
            api = Api(call, ctx.account_id, ctx.region, stack["StackName"], logical_id)
            try:
                HANDLERS[types[logical_id]].read(api, physical_id, {})
            except ServiceError as error:
                if not gone(error):
                    return failure_reason(error)
                absent.append(logical_id)
        if absent:
            return f"The following resources to import [{_names(absent)}] do not exist."
        changed = [c["ResourceChange"]["LogicalResourceId"] for c in change_set.get("Changes", [])
                   if c["ResourceChange"]["LogicalResourceId"] not in imports and not any(
                       d.get("ChangeSource") == "Automatic" for d in c["ResourceChange"].get("Details", []))]
        if changed:
            return f"As part of the import operation, you cannot modify or add [{_names(changed)}]"
        owned = self._owners(ctx, {(types[n], p) for n, p in imports.items()})
        if owned:
            return f"The following resources to import are already managed by another stack: [{_names(owned)}]"
        return ""

    def _owners(self, ctx: RequestContext, wanted: set[tuple[str, str]]) -> list[str]:
        """``<physical id> (<stack>)`` for each wanted (type, physical id) some live stack has."""
        found = []
        for stack in self.stacks(ctx.account_id, ctx.region):
            if stack["StackStatus"] == "DELETE_COMPLETE":
                continue
            for doc in self.resources(ctx.account_id, ctx.region, stack["StackId"]).values():
                if (doc["ResourceType"], doc.get("PhysicalResourceId")) in wanted:
                    found.append(f"{doc['PhysicalResourceId']} ({stack['StackName']})")
        return found

    def execute_change_set(self, ctx: RequestContext, params: dict) -> dict:
        change_set = self._change_set(ctx, params)
        if change_set["ChangeSetType"] != "IMPORT" or change_set["ExecutionStatus"] != "AVAILABLE":
            return super().execute_change_set(ctx, params)
        stack = self.stack(ctx, change_set["StackId"])
        request = {**change_set["Request"], "StackName": stack["StackName"]}
        creating = stack["StackStatus"] == "REVIEW_IN_PROGRESS"
        target: Stack = new_stack(ctx, request, "", "IMPORT_IN_PROGRESS") if creating else \
            updated_settings(stack, request)
        target.update({"StackId": stack["StackId"], "CreationTime": stack["CreationTime"]})
        prepared = prepare(change_set["TemplateBody"], request.get("Parameters", []),
                           {} if creating else stack.get("ParameterValues", {}), request.get("Capabilities", []),
                           self.pseudo(StackIdentity(ctx, target)), ssm_reader(ctx))
        if creating:  # what the run starts from: the stack's first template
            target.update({"TemplateBody": prepared.body, "ParameterValues": prepared.values})
        imports = {i["LogicalResourceId"]: i["ResourceIdentifier"][identifier_name(i["ResourceType"]) or ""]
                   for i in request["ResourcesToImport"]}
        change_set["ExecutionStatus"] = "EXECUTE_IN_PROGRESS"
        self._save_change_set(ctx, change_set)

        def finished(status: str) -> None:
            change_set["ExecutionStatus"] = "EXECUTE_COMPLETE" if status == "IMPORT_COMPLETE" else "EXECUTE_FAILED"
            self._save_change_set(ctx, change_set)
        where = self._begin(ctx, target, "IMPORT_IN_PROGRESS")
        self._run(where, "UPDATE", lambda run: run_import(run, prepared, imports), finished)
        return {}


def run_import(run: StackRun, prepared: Prepared, imports: dict[str, str]) -> None:
    """Record each imported resource as the stack's, then the stack's outputs; undo the records on failure."""
    done: list[StackResource] = []
    try:
        for logical_id in [n for n in prepared.order if n in imports]:
            declared = prepared.resources[logical_id]
            doc: StackResource = {"LogicalResourceId": logical_id, "ResourceType": declared["Type"],
                                  "ResourceStatus": "", "LastUpdatedTimestamp": 0.0,
                                  "PhysicalResourceId": imports[logical_id],
                                  "Properties": evaluate(declared.get("Properties") or {}, run.scope(prepared))}
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                if policy in declared:
                    doc[policy] = str(declared[policy])  # type: ignore[literal-required]
            run.resource_event(doc, "IMPORT_IN_PROGRESS")
            done.append(doc)
            properties = run.resolved(doc["Properties"])
            try:  # an update that changes nothing: the handler's answer is the resource's attributes
                doc["Attributes"] = HANDLERS[doc["ResourceType"]].update(run.api(logical_id), doc["PhysicalResourceId"],
                                                                         properties, properties)
            except ServiceError as error:
                run.resource_event(doc, "IMPORT_FAILED", failure_reason(error))
                raise
            run.resource_event(doc, "IMPORT_COMPLETE")
        outputs = outputs_of(prepared.template, run.scope(prepared))
        publish_exports(run.state, run.where, outputs)
    except ServiceError as error:
        run.set_status("IMPORT_ROLLBACK_IN_PROGRESS", error.message)
        for doc in reversed(done):
            run.resource_event(doc, "DELETE_SKIPPED", save=False)
            run.current.pop(doc["LogicalResourceId"], None)
            run.state.drop_resource(run.where, doc["LogicalResourceId"])
        run.set_status("IMPORT_ROLLBACK_COMPLETE")
        return
    run.set_status("IMPORT_COMPLETE", TemplateBody=prepared.body, ParameterValues=prepared.values,
                   ResolvedValues=prepared.resolved, Outputs=outputs, Imports=sorted(run.imports),
                   Description=prepared.template.get("Description", ""))
