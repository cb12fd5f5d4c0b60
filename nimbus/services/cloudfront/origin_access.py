"""Origin access identities (the legacy way) and origin access controls: who the edge is when it reads an
S3 origin. An identity is a principal of CloudFront's own that a bucket policy names by its ARN or its
``S3CanonicalUserId``; a control makes the edge sign as the CloudFront service principal for the
distribution (``AWS:SourceArn``). Both are deleted only while no distribution's origin uses them."""
from __future__ import annotations

import secrets

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

from .common import new_id
from .owned import OwnedConfigs, OwnedKind

OAI_PATH = "origin-access-identity/cloudfront/"
OAI_ARN_PREFIX = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "


def identities_used(config: dict) -> list[str]:
    """The origin access identities a distribution's origins name (``origin-access-identity/cloudfront/E...``)."""
    named = (o.get("S3OriginConfig", {}).get("OriginAccessIdentity") or "" for o in config["Origins"]["Items"])
    return [n[len(OAI_PATH):] for n in named if n.startswith(OAI_PATH)]


def controls_used(config: dict) -> list[str]:
    return [o["OriginAccessControlId"] for o in config["Origins"]["Items"] if o.get("OriginAccessControlId")]


IDENTITY = OwnedKind("CloudFrontOriginAccessIdentity", "origin access identity", "origin-access-identity/cloudfront",
                     Namespace("cloudfront", "origin-access-identities"), new_id, "CallerReference",
                     identities_used, timestamped=False)
CONTROL = OwnedKind("OriginAccessControl", "origin access control", "origin-access-control",
                    Namespace("cloudfront", "origin-access-controls"), new_id, "Name", controls_used,
                    timestamped=False)


class OriginAccessOps(OwnedConfigs):
    # -- origin access identities ------------------------------------------------------------------

    def create_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict) -> dict:
        # 64 hex digits, as nimbus words every canonical user id (AWS gives identities 96).
        return self.owned_create(ctx, IDENTITY, params[IDENTITY.config_member],
                                 canonical_user_id=secrets.token_hex(32))

    def get_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get(ctx, IDENTITY, params["Id"])

    def get_cloud_front_origin_access_identity_config(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get_config(ctx, IDENTITY, params["Id"])

    def update_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_update(ctx, IDENTITY, params, _same_caller_reference)

    def delete_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_delete(ctx, IDENTITY, params)

    def list_cloud_front_origin_access_identities(self, ctx: RequestContext, params: dict) -> dict:
        page, listing = self.owned_list(ctx, IDENTITY, params)
        items = [{"Id": d["Id"], "S3CanonicalUserId": d.get("S3CanonicalUserId", ""),
                  "Comment": d["Config"].get("Comment", "")} for d in page]
        return {"CloudFrontOriginAccessIdentityList": {
            "Marker": params.get("Marker") or "", "IsTruncated": "NextMarker" in listing, **listing, "Items": items}}

    # -- origin access controls --------------------------------------------------------------------

    def create_origin_access_control(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_create(ctx, CONTROL, _control_config(params[CONTROL.config_member]))

    def get_origin_access_control(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get(ctx, CONTROL, params["Id"])

    def get_origin_access_control_config(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_get_config(ctx, CONTROL, params["Id"])

    def update_origin_access_control(self, ctx: RequestContext, params: dict) -> dict:
        given = {**params, CONTROL.config_member: _control_config(params[CONTROL.config_member])}
        return self.owned_update(ctx, CONTROL, given)

    def delete_origin_access_control(self, ctx: RequestContext, params: dict) -> dict:
        return self.owned_delete(ctx, CONTROL, params)

    def list_origin_access_controls(self, ctx: RequestContext, params: dict) -> dict:
        page, listing = self.owned_list(ctx, CONTROL, params)
        items = [{"Id": d["Id"], "Description": d["Config"].get("Description", ""), "Name": d["Config"]["Name"],
                  **{m: d["Config"][m] for m in ("SigningProtocol", "SigningBehavior",
                                                 "OriginAccessControlOriginType")}} for d in page]
        return {"OriginAccessControlList": {
            "Marker": params.get("Marker") or "", "IsTruncated": "NextMarker" in listing, **listing, "Items": items}}


def _same_caller_reference(before: dict, after: dict) -> None:
    if after["CallerReference"] != before["CallerReference"]:
        raise ServiceError("IllegalUpdate", "The update contains modifications that are not allowed: "
                           "CallerReference cannot be changed.", status=400)


def _control_config(config: dict) -> dict:
    return {"Description": "", **config}
