"""What a resource handler is, and what it is given: the stack's way of calling the owning service.

A handler never touches another service's internals: every call goes through the internal client
(``Api.call``), as the stack's RoleARN or as the caller, so the resource is real and its own API sees
it, and IAM decides what the stack may do.
"""
from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from nimbus.protocol.errors import ServiceError

_SUFFIX = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Operation:
    """What the handlers that wait on the outside world (custom resources, wait conditions) need of the stack
    operation besides the owning service's API."""
    runtime: Any
    stack_id: str
    endpoint: str  # how clients reach nimbus: the base of the presigned URLs they answer on
    stopped: Callable[[], bool]  # the provider closed: stop waiting


@dataclass(frozen=True)
class Api:
    """One resource's view of the cloud while the stack works on it."""
    call: Callable[[str, str, dict], dict]  # (service, operation, params) -> output
    account: str
    region: str
    stack_name: str
    logical_id: str
    operation: Operation | None = None
    declared: dict | None = None  # the resource as the template declares it (its CreationPolicy...), on create
    # region -> ``call`` in that Region (ReplicateKey is called in a multi-Region key's primary Region)
    call_in: Callable[[str], Callable[[str, str, dict], dict]] | None = field(default=None, kw_only=True)

    def physical_name(self, limit: int = 255, lower: bool = False, prefix: str | None = None) -> str:
        """A name as AWS makes one when a template leaves it out: ``<stack>-<logical>-<RANDOM>``
        (``prefix`` in place of the stack's name, for the types AWS names so)."""
        suffix = "".join(secrets.choice(_SUFFIX) for _ in range(12))
        head = f"{prefix or self.stack_name}-{self.logical_id}"[: limit - len(suffix) - 1]
        name = f"{head}-{suffix}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


@dataclass
class Created:
    physical_id: str  # what Ref answers
    attributes: dict[str, Any]  # what Fn::GetAtt answers


class Handler:
    """One resource type. ``create`` returns the physical id and attributes; ``update`` changes the
    resource in place (create-only changes never reach it: the engine replaces the resource)."""
    type_name = ""
    sealed_attributes: tuple[str, ...] = ()  # GetAtt attributes kept sealed among the stack's (sealed.py)

    def create(self, api: Api, properties: dict) -> Created:
        raise NotImplementedError

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict[str, Any]:
        """The attributes after the change."""
        raise NotImplementedError

    def change(self, api: Api, physical_id: str, old: dict, new: dict) -> Created:
        """An update as the engine runs it: the physical id, the same unless the handler replaced the resource
        itself (a custom resource answering with a new PhysicalResourceId: the engine then deletes the old one
        once the update is complete), and the attributes."""
        return Created(physical_id, self.update(api, physical_id, old, new))

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        raise NotImplementedError

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        """The live resource's properties, named and shaped as a template writes them, read back through
        the owning service's API: what drift detection and resource import compare with the template.
        ``properties`` are the template's, for the types whose reads need more than the physical id.
        ``None``: nimbus cannot read this type back (its drift status is ``NOT_CHECKED``)."""
        return None


def tag_list(tags: Any, key: str = "Key", value: str = "Value") -> list[dict]:
    """A template's ``Tags`` (a list of Key/Value, or a map) in a service's own member names."""
    pairs = tags.items() if isinstance(tags, dict) else ((t.get("Key"), t.get("Value")) for t in tags or [])
    return [{key: k, value: v} for k, v in pairs]


def tag_map(tags: Any) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tag_list(tags)}


def gone(error: ServiceError) -> bool:
    """The owning service says the resource is already gone: a delete has nothing left to do."""
    return "NotFound" in error.code or error.code in ("NoSuchBucket", "NoSuchEntity", "ParameterNotFound")


def required(properties: dict, *names: str) -> None:
    missing = [n for n in names if n not in properties]
    if missing:
        raise ServiceError("ValidationError", f"Property validation failure: [The property {{/{missing[0]}}} "
                           "is required]", status=400)


def boolean(value: Any) -> bool:
    """A template's boolean, which YAML and JSON may write as a string."""
    return value if isinstance(value, bool) else str(value).lower() == "true"


def policy_object(text: str) -> Any:
    """A policy document an API answers (IAM's URL-encoded, or plain JSON text) as the object a template writes."""
    return json.loads(unquote(text) if text.startswith("%") else text)



def policy_text(document: Any) -> str:
    """A policy a template writes as an object, as the JSON text the APIs take."""
    return document if isinstance(document, str) else json.dumps(document)


class ResourceFailure(ServiceError):
    """A failure whose message is the whole reason the stack's event gives (a nested stack's outcome, a
    custom resource's answer, a wait condition's timeout), not an owning service's error to quote.
    ``physical_id``: what a failed create still made (a custom resource's FAILED answer names one), which
    the rollback deletes."""

    def __init__(self, message: str, physical_id: str = ""):
        super().__init__("ResourceFailure", message, status=400)
        self.physical_id = physical_id
