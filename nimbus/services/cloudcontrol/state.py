"""What every Cloud Control topic shares: resource requests and the resources Cloud Control made, the
CloudFormation handler and schema of a type, and acting as the caller or the request's RoleArn."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.cloudformation import schemas
from nimbus.services.cloudformation.handlers import HANDLERS
from nimbus.services.cloudformation.handlers.base import Api, Handler, gone
from nimbus.services.cloudformation.state import acting_as

from .documents import CONTROLLED_RESOURCE, RESOURCE_REQUEST, ControlledResource, ResourceRequest

log = logging.getLogger(__name__)
requests_ns = Namespace("cloudcontrol", "requests")
resources_ns = Namespace("cloudcontrol", "resources")
# Types the CloudFormation engine runs itself, which Cloud Control does not provision.
ENGINE_ONLY = ("AWS::CloudFormation::", "Custom::")


def invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequestException", message, status=400)


def not_found(type_name: str, identifier: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException",
                        f"Resource of type '{type_name}' with identifier '{identifier}' was not found.", status=404)


def unsupported(type_name: str, action: str) -> ServiceError:
    return ServiceError("UnsupportedActionException", f"Resource type {type_name} does not support {action} action",
                        status=400)


def primary_names(type_name: str) -> list[str]:
    """The properties whose values, joined by ``|``, identify a resource of the type."""
    return [p.removeprefix("/properties/") for p in schemas.schema(type_name).get("primaryIdentifier", [])]


def read_only(type_name: str) -> list[str]:
    return [p.removeprefix("/properties/") for p in schemas.schema(type_name).get("readOnlyProperties", [])
            if p.count("/") == 2]


class CloudControlState(BaseProvider):
    lock: threading.Lock

    def __init__(self, runtime):
        super().__init__(runtime)
        self.lock = threading.Lock()  # a request's status is read, changed and written by two threads

    # -- types -------------------------------------------------------------------------------

    @staticmethod
    def handler(type_name: str, action: str) -> Handler:
        """The type's handler, if AWS's schema gives it ``action`` and nimbus serves the type."""
        if not schemas.exists(type_name) or type_name.startswith("Custom::"):
            raise ServiceError("TypeNotFoundException", f"The type '{type_name}' cannot be found.", status=404)
        handler = HANDLERS.get(type_name)
        if handler is None or type_name.startswith(ENGINE_ONLY) or \
                action.lower() not in schemas.schema(type_name).get("handlers", {}):
            raise unsupported(type_name, action)
        return handler

    def api(self, ctx: RequestContext, type_name: str, role_arn: str | None) -> Api:
        """How the handler reaches the owning service: as the RoleArn's session, or as the caller."""
        call = acting_as(self.runtime, ctx.account_id, ctx.region, role_arn, ctx.principal)
        return Api(call, ctx.account_id, ctx.region, "cloudcontrol", type_name.rsplit("::", 1)[-1])

    # -- requests ------------------------------------------------------------------------------

    def request(self, ctx: RequestContext, token: str) -> ResourceRequest:
        found = RESOURCE_REQUEST.get(self.store, requests_ns(ctx.account_id, ctx.region), token)
        if found is None:
            raise ServiceError("RequestTokenNotFoundException", f"Request with token {token} was not found",
                               status=404)
        return found

    def requests(self, ctx: RequestContext) -> list[ResourceRequest]:
        return [r for _, r in RESOURCE_REQUEST.scan(self.store, requests_ns(ctx.account_id, ctx.region))]

    def save_request(self, ctx: RequestContext, request: ResourceRequest) -> None:
        RESOURCE_REQUEST.put(self.store, requests_ns(ctx.account_id, ctx.region), request["RequestToken"], request)

    def settle(self, ctx: RequestContext, token: str, **outcome: Any) -> None:
        """A request's outcome, unless it was cancelled meanwhile."""
        with self.lock:
            request = self.request(ctx, token)
            if request["OperationStatus"] == "CANCEL_COMPLETE":
                return
            request.update(outcome)  # type: ignore[typeddict-item]
            request["EventTime"] = self.clock.time()
            self.save_request(ctx, request)

    def run(self, ctx: RequestContext, token: str, work: Callable[[], dict]) -> None:
        """``work`` in the background; its outcome (or the owning service's error) settles the request."""
        def background() -> None:
            try:
                outcome = {"OperationStatus": "SUCCESS", **work()}
            except ServiceError as error:
                outcome = {"OperationStatus": "FAILED", "ErrorCode": handler_error_code(error),
                           "StatusMessage": error.message}
            except Exception:  # a bug must not leave the request in progress for ever
                if self.closed:
                    return  # a reset or shutdown retired this provider: its state is no longer there
                log.exception("Cloud Control request %s failed", token)
                outcome = {"OperationStatus": "FAILED", "ErrorCode": "InternalFailure",
                           "StatusMessage": "Internal failure"}
            if not self.closed:
                self.settle(ctx, token, **outcome)
        threading.Thread(target=background, name=f"nimbus-cloudcontrol-{token[:8]}", daemon=True).start()

    # -- the resources it made ---------------------------------------------------------------

    def controlled(self, ctx: RequestContext, type_name: str, identifier: str) -> ControlledResource | None:
        return CONTROLLED_RESOURCE.get(self.store, resources_ns(ctx.account_id, ctx.region),
                                       f"{type_name}|{identifier}")

    def remember(self, ctx: RequestContext, resource: ControlledResource) -> None:
        CONTROLLED_RESOURCE.put(self.store, resources_ns(ctx.account_id, ctx.region),
                                f"{resource['TypeName']}|{resource['Identifier']}", resource)

    def forget(self, ctx: RequestContext, type_name: str, identifier: str) -> None:
        self.store.delete(resources_ns(ctx.account_id, ctx.region), f"{type_name}|{identifier}")


class HandlerError(ServiceError):
    """A failure Cloud Control reports itself, with its HandlerErrorCode (NotUpdatable, InvalidRequest...)."""

    def __init__(self, handler_code: str, message: str):
        super().__init__(handler_code, message, status=400)
        self.handler_code = handler_code


def handler_error_code(error: ServiceError) -> str:
    """The HandlerErrorCode a progress event reports for the owning service's error."""
    if isinstance(error, HandlerError):
        return error.handler_code
    code = error.code
    if gone(error):
        return "NotFound"
    if "AlreadyExists" in code or code.startswith("BucketAlready"):
        return "AlreadyExists"
    if "AccessDenied" in code:
        return "AccessDenied"
    if "LimitExceeded" in code:
        return "ServiceLimitExceeded"
    return "InvalidRequest" if error.status is not None and error.status < 500 else "GeneralServiceException"


def model_json(properties: dict) -> str:
    return json.dumps(properties, separators=(",", ":"))
