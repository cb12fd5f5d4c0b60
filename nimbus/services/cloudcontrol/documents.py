"""The stored shapes of Cloud Control entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Any, Required, TypedDict

from nimbus.core.documents import DocumentKind


class ResourceRequest(TypedDict, total=False):
    """One resource operation, named as its ProgressEvent names its members, plus the request's
    ClientToken and what it asked (a repeated token must ask the same)."""
    RequestToken: Required[str]
    TypeName: Required[str]
    Operation: Required[str]
    OperationStatus: Required[str]
    EventTime: Required[float]
    Identifier: str
    ResourceModel: str
    StatusMessage: str
    ErrorCode: str
    ClientToken: str
    Asked: str  # the request's parameters as JSON, less the ClientToken


class ControlledResource(TypedDict, total=False):
    """A resource Cloud Control made: what its type's handler needs to update or delete it."""
    TypeName: Required[str]
    Identifier: Required[str]
    PhysicalResourceId: Required[str]
    Properties: Required[dict[str, Any]]
    Attributes: dict[str, Any]


RESOURCE_REQUEST = DocumentKind[ResourceRequest]("cloudcontrol.ResourceRequest")
CONTROLLED_RESOURCE = DocumentKind[ControlledResource]("cloudcontrol.ControlledResource")
