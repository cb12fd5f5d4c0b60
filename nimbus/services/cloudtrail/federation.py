"""Operations that rest on services nimbus does not serve, refused in CloudTrail's own words once their
input is checked: Lake query federation (Lake Formation and Glue), generative query writing, and delegated
administrators (Organizations)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.lake_hooks import existing_event_data_store
from nimbus.services.cloudtrail.state import CloudTrailState


def unsupported(message: str) -> ServiceError:
    return ServiceError("UnsupportedOperationException", message, status=400)


def no_organization() -> ServiceError:
    return ServiceError("OrganizationsNotInUseException",
                        "This account is not a member of an organization: nimbus does not serve AWS Organizations.",
                        status=400)


class FederationOps(CloudTrailState):
    def enable_federation(self, ctx: RequestContext, params: dict) -> dict:
        existing_event_data_store(ctx, params["EventDataStore"])
        raise unsupported("Lake query federation needs AWS Lake Formation and AWS Glue, which nimbus does not serve.")

    def disable_federation(self, ctx: RequestContext, params: dict) -> dict:
        existing_event_data_store(ctx, params["EventDataStore"])
        raise unsupported("Lake query federation needs AWS Lake Formation and AWS Glue, which nimbus does not serve.")

    def generate_query(self, ctx: RequestContext, params: dict) -> dict:
        for store in params["EventDataStores"]:
            existing_event_data_store(ctx, store)
        raise unsupported("The CloudTrail Lake query generator uses generative AI, which nimbus does not serve.")

    def register_organization_delegated_admin(self, ctx: RequestContext, params: dict) -> dict:
        raise no_organization()

    def deregister_organization_delegated_admin(self, ctx: RequestContext, params: dict) -> dict:
        raise no_organization()
