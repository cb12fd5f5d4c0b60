"""The support-case API answers as AWS answers an account without a Business, Enterprise On-Ramp or
Enterprise support plan: every call is SubscriptionRequiredException."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .state import SupportState


def subscription_required() -> ServiceError:
    return ServiceError("SubscriptionRequiredException",
                        "AWS Premium Support Subscription is required to use this service.", status=400)


class CaseOps(SupportState):
    def _refuse(self, ctx: RequestContext, params: dict) -> dict:
        raise subscription_required()

    add_attachments_to_set = add_communication_to_case = complete_attachment_upload = create_case = _refuse
    describe_attachment = describe_attachment_upload_status = describe_cases = describe_communications = _refuse
    describe_create_case_options = describe_services = describe_severity_levels = _refuse
    describe_supported_languages = get_attachment_download_link = get_attachment_upload_links = _refuse
    resolve_case = _refuse
