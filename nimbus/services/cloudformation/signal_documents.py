"""The stored shape of a resource signal (SignalResource), see nimbus.core.documents."""
from __future__ import annotations

from typing import TypedDict

from nimbus.core.documents import DocumentKind


class ResourceSignal(TypedDict):
    LogicalResourceId: str
    UniqueId: str
    Status: str  # SUCCESS or FAILURE


RESOURCE_SIGNAL = DocumentKind[ResourceSignal]("cloudformation.ResourceSignal")
