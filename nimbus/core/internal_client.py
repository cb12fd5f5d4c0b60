"""How one service calls another: through the same dispatch as an HTTP request.

The call is validated and recorded like any other; a service acting on its own
behalf appears as its service principal (``invokedBy`` in CloudTrail).
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.identity import Principal, service_principal

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime


class InternalClient:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def call(self, service: str, operation: str, params: dict[str, Any] | None = None, *,
             account_id: str, region: str, principal: Principal | None = None,
             invoked_by: str | None = None, source: CallSource | None = None) -> dict[str, Any]:
        """Call ``service.operation``; raises ServiceError as the HTTP API would answer.

        Pass ``invoked_by`` (e.g. ``"firehose.amazonaws.com"``) for a call the
        service makes itself, or ``principal`` to act as the original caller.
        ``source`` names the resource the calling service acts for (a trail, a bucket): the called
        service's policies see it as ``aws:SourceArn`` and ``aws:SourceAccount``.
        """
        if principal is None:
            principal = service_principal(invoked_by or "nimbus.amazonaws.com", account_id)
        elif invoked_by:
            principal = Principal(**{**principal.to_dict(), "invoked_by": invoked_by})
        loaded = self.runtime.services.get(service)
        ctx = RequestContext(
            runtime=self.runtime,
            request_id=str(uuid.uuid4()),
            service=service,
            operation=operation,
            account_id=account_id,
            region=region,
            principal=principal,
            protocol=loaded.info.protocols[0],
            source_ip=invoked_by or "nimbus",
            user_agent=invoked_by or "nimbus",
            service_model=loaded.model,
            operation_model=loaded.model.operation_model(operation),
            internal=True,
            source=source,
        )
        return self.runtime.dispatcher.invoke(ctx, params or {})
