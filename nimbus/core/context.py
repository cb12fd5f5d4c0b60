"""Everything a provider needs to know about the call it is serving."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nimbus.core.arns import arn as make_arn
from nimbus.core.identity import Principal
from nimbus.protocol.http import ResponseOverrides

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

    from nimbus.core.policy import Decision
    from nimbus.core.resource_change import Change, Configuration
    from nimbus.core.runtime import Runtime
    from nimbus.protocol.http import HttpRequest


@dataclass(frozen=True)
class CallSource:
    """The resource a service acts for when it calls another one (a trail writing to its bucket, a bucket
    notifying its topic): the ``aws:SourceArn`` and ``aws:SourceAccount`` a policy may test."""
    arn: str
    account: str


@dataclass
class RequestContext:
    runtime: Runtime
    request_id: str
    service: str
    operation: str
    account_id: str
    region: str
    principal: Principal
    protocol: str = "json"
    source_ip: str = "127.0.0.1"
    user_agent: str = ""
    request: HttpRequest | None = None
    service_model: ServiceModel | None = None
    operation_model: OperationModel | None = None
    internal: bool = False  # a call made by nimbus for another service
    # An internal call made as the original caller, whose own call was authorized already: not checked again.
    forwarded: bool = False
    # The validated request parameters, set by the dispatcher before the provider runs.
    params: dict[str, Any] = field(default_factory=dict)
    # Status and headers the provider sets beyond what the model says; the serializer applies them.
    response: ResponseOverrides = field(default_factory=ResponseOverrides)
    # The resource a calling service acts for; the authorizer turns it into aws:SourceArn/SourceAccount.
    source: CallSource | None = None
    # The serving provider's own working state for this call, typed by that provider (KMS: which alias
    # named each key); None until the provider sets it.
    provider_state: Any = None
    # The IAM decision for this call (the dispatcher's, or the last denial a provider met).
    authorization: Decision | None = None

    @property
    def store(self):
        return self.runtime.store

    @property
    def clock(self):
        return self.runtime.clock

    def arn(self, resource: str, service: str | None = None) -> str:
        return make_arn(service or self.service, self.account_id, self.region, resource)

    def emit_resource_change(self, resource_type: str, resource_arn: str, change: Change,
                             configuration: Configuration | None = None, region: str | None = None) -> None:
        """Tell subscribers (AWS Config) that a resource was created, updated or deleted.

        ``configuration`` builds the resource's configuration; it is only called when someone subscribes.
        ``region``: where the resource lives when a call makes it in another region (a KMS replica key).
        """
        self.runtime.events.publish_resource_change(self, resource_type, resource_arn, change, configuration,
                                                    region or self.region)

    def authorize(self, action: str, resource: str = "*", **options) -> Decision:
        """May the caller do ``action`` on ``resource``? See ``Authorizer.authorize`` for the options.

        Records the decision on this call; raises the service's AccessDenied when it is enforced.
        """
        return self.runtime.authz.authorize(self, action, resource, **options)
