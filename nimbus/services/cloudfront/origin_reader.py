"""Who the edge is when it reads an S3 origin, so the bucket's policy decides as it does in AWS:
- the origin's access identity (``S3OriginConfig.OriginAccessIdentity``): that identity's principal;
- the origin's access control (``OriginAccessControlId``), signing: the CloudFront service principal,
  with the distribution's ARN as ``AWS:SourceArn`` and its account as ``AWS:SourceAccount``;
- neither (or a control that does not sign): an anonymous viewer, who reads only public objects."""
from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.context import CallSource
from nimbus.core.identity import Principal, anonymous_principal, service_principal

from .documents import Distribution
from .origin_access import CONTROL, IDENTITY, OAI_ARN_PREFIX, OAI_PATH
from .owned import find_owned

CLOUDFRONT = "cloudfront.amazonaws.com"


@dataclass(frozen=True)
class OriginAccess:
    """How the edge calls S3 through the internal client for one origin."""
    account: str  # the call's account: the distribution's
    principal: Principal
    source: CallSource | None = None


def identity_principal(identity_id: str, canonical_user_id: str) -> Principal:
    """An origin access identity as a principal: CloudFront's own, in no customer's account, so only a
    bucket policy naming it (its ARN or its canonical user id) lets it read."""
    return Principal(type="AWSService", account_id="cloudfront", arn=OAI_ARN_PREFIX + identity_id,
                     principal_id=canonical_user_id, invoked_by=CLOUDFRONT)


def origin_access(store, distribution: Distribution, origin: dict, viewer_headers) -> OriginAccess:
    account = distribution["ARN"].split(":")[4]
    control_id = origin.get("OriginAccessControlId")
    if control_id:
        control = find_owned(store, account, CONTROL, control_id)
        behaviour = control["Config"]["SigningBehavior"] if control is not None else "never"
        if behaviour == "always" or (behaviour == "no-override" and "authorization" not in viewer_headers):
            return OriginAccess(account, service_principal(CLOUDFRONT), CallSource(distribution["ARN"], account))
    named = origin.get("S3OriginConfig", {}).get("OriginAccessIdentity") or ""
    if named.startswith(OAI_PATH):
        identity = find_owned(store, account, IDENTITY, named[len(OAI_PATH):])
        if identity is not None:
            return OriginAccess(account, identity_principal(identity["Id"], identity["S3CanonicalUserId"]))
    return OriginAccess(account, anonymous_principal())
