"""What every CloudFront module shares: identifiers, namespaces and the errors AWS words."""
from __future__ import annotations

import secrets
import string

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

# CloudFront is global: every account's distributions live under one pseudo-region.
GLOBAL = "global"
distributions_ns = Namespace("cloudfront", "distributions")
invalidations_ns = Namespace("cloudfront", "invalidations")
functions_ns = Namespace("cloudfront", "functions")
# Names a viewer reaches a distribution by, across accounts: "id:E...", "host:d....cloudfront.net".
EDGE_NAMES_NS = ("cloudfront", "edge-names")

_UPPER = string.ascii_uppercase + string.digits
_LOWER = string.ascii_lowercase + string.digits


def new_id(first: str = "E") -> str:
    """An id as AWS makes them: a letter and 13 uppercase letters and digits (E2QWRUHAPOMQZL)."""
    return first + "".join(secrets.choice(_UPPER) for _ in range(13))


def new_domain_name() -> str:
    return "d" + "".join(secrets.choice(_LOWER) for _ in range(13)) + ".cloudfront.net"


def new_etag() -> str:
    return new_id("E")


def distribution_arn(account: str, distribution_id: str) -> str:
    return f"arn:aws:cloudfront::{account}:distribution/{distribution_id}"


def owner_account(distribution) -> str:
    """The account a distribution (a Distribution document) belongs to, from its ARN."""
    return distribution["ARN"].split(":")[4]


def no_such_distribution() -> ServiceError:
    return ServiceError("NoSuchDistribution", "The specified distribution does not exist.", status=404)


def invalid_argument(message: str) -> ServiceError:
    return ServiceError("InvalidArgument", message, status=400)


def check_if_match(given: str | None, etag: str) -> None:
    """Every change names the version it read (If-Match): missing is InvalidIfMatchVersion, stale a 412."""
    if not given:
        raise ServiceError("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the "
                           "resource.", status=400)
    if given != etag:
        raise ServiceError("PreconditionFailed", "The request failed because it didn't meet the preconditions "
                           "in one or more request-header fields.", status=412)
