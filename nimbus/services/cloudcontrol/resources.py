"""CreateResource, UpdateResource (an RFC 6902 patch of the properties), DeleteResource, GetResource and
ListResources, on CloudFormation's own handlers and schemas: the resource is made, read and changed
through its owning service's API, as the caller or the request's RoleArn. Changes run in the background
and answer at once with a ProgressEvent, as AWS's do."""
from __future__ import annotations

import json
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.paging import page
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudformation import schemas
from nimbus.services.cloudformation.handlers.base import Api, Handler, gone
from nimbus.services.cloudformation.stacks import check_role

from .documents import ControlledResource, ResourceRequest
from .listing import LISTINGS
from .patch import apply_patch
from .state import (
    CloudControlState,
    HandlerError,
    invalid_request,
    model_json,
    not_found,
    primary_names,
    read_only,
    unsupported,
)

_EVENT_MEMBERS = ("TypeName", "Identifier", "RequestToken", "Operation", "OperationStatus", "EventTime",
                  "ResourceModel", "StatusMessage", "ErrorCode")


def progress_event(request: ResourceRequest) -> dict:
    return {m: request[m] for m in _EVENT_MEMBERS if m in request}  # type: ignore[literal-required]


def identifier_of(type_name: str, physical_id: str, properties: dict, attributes: dict) -> str:
    """The primary identifier: its properties' values joined by ``|`` (the physical id for what they lack)."""
    names = primary_names(type_name) or [""]
    return "|".join(str(properties.get(n) or attributes.get(n) or physical_id) for n in names)


def checked(type_name: str, properties: dict) -> None:
    problem = schemas.violation(type_name, properties)
    if problem:
        raise HandlerError("InvalidRequest", f"Model validation failed ({problem})")


class ResourceOps(CloudControlState):
    def _begin(self, ctx: RequestContext, operation: str, params: dict) -> tuple[ResourceRequest, bool]:
        """The request's document, stored IN_PROGRESS; or, for a ClientToken already used with the same
        parameters, that earlier request (False: nothing new to run)."""
        asked = json.dumps({k: v for k, v in params.items() if k != "ClientToken"}, sort_keys=True)
        token = params.get("ClientToken")
        if token:
            for earlier in self.requests(ctx):
                if earlier.get("ClientToken") == token:
                    if earlier.get("Asked") != asked or earlier["Operation"] != operation:
                        raise ServiceError("ClientTokenConflictException", f"Client token {token} was already used "
                                           "for a different request", status=409)
                    return earlier, False
        request: ResourceRequest = {"RequestToken": str(uuid.uuid4()), "TypeName": params["TypeName"],
                                    "Operation": operation, "OperationStatus": "IN_PROGRESS",
                                    "EventTime": self.clock.time(), "Asked": asked}
        if token:
            request["ClientToken"] = token
        if "Identifier" in params:
            request["Identifier"] = params["Identifier"]
        self.save_request(ctx, request)
        return request, True

    def _located(self, ctx: RequestContext, type_name: str, identifier: str) -> tuple[str, dict]:
        """(physical id, properties the handler needs) of a resource named by its identifier."""
        known = self.controlled(ctx, type_name, identifier)
        if known is not None:
            return known["PhysicalResourceId"], known["Properties"]
        parts = identifier.split("|")
        names = primary_names(type_name)
        if len(parts) != max(len(names), 1):
            raise invalid_request(f"Identifier {identifier} does not match the primary identifier of {type_name}")
        return parts[-1], dict(zip(names, parts, strict=True))

    def _live(self, ctx: RequestContext, handler: Handler, api: Api, type_name: str, identifier: str) -> dict:
        """The resource's properties as its owning service reports them."""
        physical_id, properties = self._located(ctx, type_name, identifier)
        try:
            found = handler.read(api, physical_id, properties)
        except ServiceError as error:
            if gone(error):
                raise not_found(type_name, identifier) from None
            raise
        if found is None:
            raise unsupported(type_name, "READ")
        named = dict(zip(primary_names(type_name), identifier.split("|"), strict=False))
        return {**named, **{k: v for k, v in found.items() if v is not None}}  # what is unset is left out

    # -- the API ---------------------------------------------------------------------------------

    def create_resource(self, ctx: RequestContext, params: dict) -> dict:
        type_name = params["TypeName"]
        handler = self.handler(type_name, "Create")
        check_role(ctx, params.get("RoleArn"))
        try:
            desired = read_json(params["DesiredState"])
        except ValueError:
            raise invalid_request("DesiredState is not valid JSON") from None
        if not isinstance(desired, dict):
            raise invalid_request("DesiredState must be a JSON object")
        request, new = self._begin(ctx, "CREATE", params)
        if new:
            api = self.api(ctx, type_name, params.get("RoleArn"))

            def create() -> dict:
                checked(type_name, desired)
                made = handler.create(api, desired)
                identifier = identifier_of(type_name, made.physical_id, desired, made.attributes)
                self.remember(ctx, ControlledResource(TypeName=type_name, Identifier=identifier,
                                                      PhysicalResourceId=made.physical_id, Properties=desired,
                                                      Attributes=made.attributes))
                model = {**desired, **{n: made.attributes[n] for n in read_only(type_name) if n in made.attributes}}
                return {"Identifier": identifier, "ResourceModel": model_json(model)}
            self.run(ctx, request["RequestToken"], create)
        return {"ProgressEvent": progress_event(request)}

    def update_resource(self, ctx: RequestContext, params: dict) -> dict:
        type_name, identifier = params["TypeName"], params["Identifier"]
        handler = self.handler(type_name, "Update")
        check_role(ctx, params.get("RoleArn"))
        api = self.api(ctx, type_name, params.get("RoleArn"))
        known = self.controlled(ctx, type_name, identifier)
        try:
            current = self._live(ctx, handler, api, type_name, identifier)
        except ServiceError as error:
            if error.code != "UnsupportedActionException" or known is None:
                raise
            current = known["Properties"]  # the type cannot be read back: what Cloud Control made it with
        try:
            patched = apply_patch(current, read_json(params["PatchDocument"]))
        except ValueError as error:  # PatchError, or JSON that does not read
            raise invalid_request(f"Invalid patch document: {error}") from None
        if not isinstance(patched, dict):
            raise invalid_request("Invalid patch document: the properties must stay a JSON object")
        request, new = self._begin(ctx, "UPDATE", params)
        if new:
            def update() -> dict:
                fixed = read_only(type_name)
                old = {k: v for k, v in current.items() if k not in fixed}
                wanted = {k: v for k, v in patched.items() if k not in fixed}
                frozen = schemas.replaced_by(type_name, old, wanted) + \
                    [n for n in fixed if current.get(n) != patched.get(n)]
                if frozen:
                    raise HandlerError("NotUpdatable", "Invalid patch update: createOnlyProperties or "
                                       f"readOnlyProperties [{', '.join('/properties/' + n for n in frozen)}] cannot "
                                       "be updated")
                checked(type_name, wanted)
                physical_id, _ = self._located(ctx, type_name, identifier)
                attributes = handler.update(api, physical_id, old, wanted)
                self.remember(ctx, ControlledResource(TypeName=type_name, Identifier=identifier,
                                                      PhysicalResourceId=physical_id, Properties=wanted,
                                                      Attributes=attributes))
                return {"ResourceModel": model_json(patched)}
            self.run(ctx, request["RequestToken"], update)
        return {"ProgressEvent": progress_event(request)}

    def delete_resource(self, ctx: RequestContext, params: dict) -> dict:
        type_name, identifier = params["TypeName"], params["Identifier"]
        handler = self.handler(type_name, "Delete")
        check_role(ctx, params.get("RoleArn"))
        request, new = self._begin(ctx, "DELETE", params)
        if new:
            api = self.api(ctx, type_name, params.get("RoleArn"))

            def delete() -> dict:
                physical_id, properties = self._located(ctx, type_name, identifier)
                try:
                    handler.delete(api, physical_id, properties)
                except ServiceError as error:
                    if gone(error):
                        raise HandlerError("NotFound", not_found(type_name, identifier).message) from None
                    raise
                self.forget(ctx, type_name, identifier)
                return {}
            self.run(ctx, request["RequestToken"], delete)
        return {"ProgressEvent": progress_event(request)}

    def get_resource(self, ctx: RequestContext, params: dict) -> dict:
        type_name, identifier = params["TypeName"], params["Identifier"]
        handler = self.handler(type_name, "Read")
        live = self._live(ctx, handler, self.api(ctx, type_name, params.get("RoleArn")), type_name, identifier)
        return {"TypeName": type_name,
                "ResourceDescription": {"Identifier": identifier, "Properties": model_json(live)}}

    def list_resources(self, ctx: RequestContext, params: dict) -> dict:
        type_name = params["TypeName"]
        handler = self.handler(type_name, "List")
        api = self.api(ctx, type_name, params.get("RoleArn"))
        listing = LISTINGS.get(type_name)
        if listing is None:
            raise unsupported(type_name, "LIST")
        physical_ids = listing.physical_ids(api.call)
        descriptions = []
        for physical_id in sorted(physical_ids):
            identifier = identifier_of(type_name, physical_id, {}, {})
            try:
                live = self._live(ctx, handler, api, type_name, identifier)
            except ServiceError as error:
                if error.code == "ResourceNotFoundException":
                    continue  # deleted meanwhile
                raise
            descriptions.append({"Identifier": identifier, "Properties": model_json(live)})
        chunk, marker = page(descriptions, params.get("NextToken"), params.get("MaxResults"),
                             lambda d: d["Identifier"], invalid=invalid_request("Invalid NextToken"))
        answer: dict = {"TypeName": type_name, "ResourceDescriptions": chunk}
        if marker:
            answer["NextToken"] = marker
        return answer
