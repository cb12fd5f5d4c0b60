"""What a distribution's configuration names outside itself must exist, as AWS checks on create and
update: origin access identities and controls on origins, policies on cache behaviours."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .origin_access import CONTROL, IDENTITY, OAI_PATH, controls_used, identities_used
from .owned import find_owned
from .policies import CACHE_POLICY, ORIGIN_REQUEST_POLICY, RESPONSE_HEADERS_POLICY


def check_references(store, account: str, config: dict) -> None:
    for origin in config["Origins"]["Items"]:
        named = origin.get("S3OriginConfig", {}).get("OriginAccessIdentity") or ""
        if named and not named.startswith(OAI_PATH):
            raise _invalid_identity()
        if named and origin.get("OriginAccessControlId"):
            raise ServiceError("IllegalOriginAccessConfiguration", "An origin cannot contain both an origin "
                               "access control (OAC) and an origin access identity (OAI).", status=400)
    if any(find_owned(store, account, IDENTITY, i) is None for i in identities_used(config)):
        raise _invalid_identity()
    for kind, used in ((CONTROL, controls_used(config)), *((k, k.uses(config)) for k in (
            CACHE_POLICY, ORIGIN_REQUEST_POLICY, RESPONSE_HEADERS_POLICY))):
        if any(find_owned(store, account, kind, i) is None for i in used):
            raise kind.missing()


def _invalid_identity() -> ServiceError:
    return ServiceError("InvalidOriginAccessIdentity", "The specified origin access identity does not exist or is "
                        "not valid.", status=400)
