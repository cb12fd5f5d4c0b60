"""How one service calls another: through the same dispatch as an HTTP request.

The call is validated, authorized and recorded like any other. A service acts in one of three ways:

* as a session of the role a user gave it (``call_as_role``): the role's permissions, as AWS's services
  do with a RoleARN; CloudTrail shows the assumed role with ``invokedBy`` the service;
* as its service principal (``invoked_by=`` alone), where AWS uses no role: a service principal is a
  member of no account, so only resource policies naming the service let it in;
* as the original caller (``principal=``), forwarding a call that was authorized already: not checked again.
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.identity import Principal, service_principal
from nimbus.core.roles import RoleSessions, role_account

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime


class InternalClient:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.sessions = RoleSessions(runtime)

    def call(self, service: str, operation: str, params: dict[str, Any] | None = None, *,
             account_id: str, region: str, principal: Principal | None = None,
             invoked_by: str | None = None, source: CallSource | None = None,
             forwarded: bool | None = None) -> dict[str, Any]:
        """Call ``service.operation``; raises ServiceError as the HTTP API would answer.

        Pass ``invoked_by`` (e.g. ``"firehose.amazonaws.com"``) for a call the
        service makes itself, or ``principal`` to act as the original caller.
        ``source`` names the resource the calling service acts for (a trail, a bucket): the called
        service's policies see it as ``aws:SourceArn`` and ``aws:SourceAccount``.
        ``forwarded``: the call was authorized already (default: when acting as the original caller).
        """
        if forwarded is None:
            forwarded = principal is not None
        if principal is None:
            principal = service_principal(invoked_by or "nimbus.amazonaws.com")
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
            forwarded=forwarded,
            source=source,
        )
        return self.runtime.dispatcher.invoke(ctx, params or {})

    def call_as_role(self, role_arn: str, service: str, operation: str, params: dict[str, Any] | None = None, *,
                     invoked_by: str, session_name: str, region: str,
                     source: CallSource | None = None) -> dict[str, Any]:
        """Call as a session of ``role_arn`` that ``invoked_by`` assumed (STS's AccessDenied if it cannot);
        the call is authorized as that session, in the role's account."""
        principal = self.sessions.principal(role_arn, invoked_by, session_name, region, source)
        return self.call(service, operation, params, account_id=role_account(role_arn) or "", region=region,
                         principal=principal, invoked_by=invoked_by, source=source, forwarded=False)
