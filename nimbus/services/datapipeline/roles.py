"""The roles a definition names, checked when a pipeline is activated: the caller must be allowed
iam:PassRole on each, and the service must be able to assume it (``role`` trusts Data Pipeline,
``resourceRole`` trusts EC2, where the resource's worker runs)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.roles import check_pass_role

from .objects_model import Definition
from .side_effects import SERVICE_PRINCIPAL
from .state import invalid_request
from .workers import EC2_PRINCIPAL


def check_roles(ctx: RequestContext, definition: Definition) -> None:
    wanted: set[tuple[str, str]] = set()
    for object_id in definition.objects:
        for field, service in (("role", SERVICE_PRINCIPAL), ("resourceRole", EC2_PRINCIPAL)):
            role = definition.get(object_id, field)
            if role:
                wanted.add((role, service))
    for role, service in sorted(wanted):
        check_pass_role(ctx, role, service, "DataPipeline",
                        lambda message, role=role: invalid_request(f"Role '{role}' cannot be used: {message}"))
