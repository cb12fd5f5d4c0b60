"""A distribution's configuration as CloudFront keeps it: checked as AWS checks it, with AWS's defaults."""
from __future__ import annotations

from nimbus.core.policy.patterns import glob
from nimbus.protocol.errors import ServiceError

from .common import invalid_argument
from .path_patterns import check_path_patterns

# What GetDistributionConfig reports for members a request left out.
_DEFAULTS = {
    "Aliases": {"Quantity": 0},
    "DefaultRootObject": "",
    "OriginGroups": {"Quantity": 0},
    "CacheBehaviors": {"Quantity": 0},
    "CustomErrorResponses": {"Quantity": 0},
    "PriceClass": "PriceClass_All",
    "ViewerCertificate": {"CloudFrontDefaultCertificate": True, "SSLSupportMethod": "vip",
                          "MinimumProtocolVersion": "TLSv1", "CertificateSource": "cloudfront"},
    "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
    "WebACLId": "",
    "HttpVersion": "http2",
    "IsIPV6Enabled": True,
    "Staging": False,
}
# The legacy cache settings of a behaviour without a cache policy.
_LEGACY_TTLS = {"DefaultTTL": 86400, "MaxTTL": 31536000}


def behaviours(config: dict) -> list[dict]:
    """The cache behaviours in the order CloudFront matches them: by path pattern in order, the default last."""
    return [*config.get("CacheBehaviors", {}).get("Items", []), config["DefaultCacheBehavior"]]


def matching_behaviour(config: dict, path: str) -> dict:
    """The first behaviour whose path pattern matches (case-sensitive ``*`` and ``?``), else the default.
    A pattern matches with or without its leading slash, as CloudFront reads them."""
    for behaviour in behaviours(config)[:-1]:
        if glob("/" + behaviour["PathPattern"].lstrip("/"))(path):
            return behaviour
    return config["DefaultCacheBehavior"]


def checked(config: dict) -> dict:
    """The configuration with AWS's defaults, or the error AWS answers it with."""
    origins = config["Origins"].get("Items", [])
    _check_quantities(config)
    check_path_patterns(config)
    if not origins:
        raise invalid_argument("The parameter Origins must contain at least one origin.")
    origin_ids = {o["Id"] for o in origins}
    if len(origin_ids) != len(origins):
        raise invalid_argument("The parameter Origin Id must be unique.")
    groups = config.get("OriginGroups", {}).get("Items", [])
    members = {m["OriginId"] for g in groups for m in g["Members"]["Items"]}
    targets = origin_ids | {g["Id"] for g in groups}
    for behaviour in behaviours(config):
        if behaviour["TargetOriginId"] not in targets or not members <= origin_ids:
            raise ServiceError("NoSuchOrigin", "One or more of your origins or origin groups do not exist.",
                               status=404)
        _check_cache_settings(behaviour)
    out = {**_DEFAULTS, **config}
    for behaviour in behaviours(out):
        if "CachePolicyId" not in behaviour:
            for name, value in _LEGACY_TTLS.items():
                behaviour.setdefault(name, value)
    return out


def _check_cache_settings(behaviour: dict) -> None:
    if "CachePolicyId" in behaviour:  # whether it exists: references.py
        return
    if "ForwardedValues" not in behaviour:
        raise invalid_argument("The parameter ForwardedValues is required.")
    if "MinTTL" not in behaviour:
        raise invalid_argument("The parameter MinTTL is required.")
    low, default, high = (behaviour.get(n, v) for n, v in (("MinTTL", 0), *_LEGACY_TTLS.items()))
    if not low <= default <= high:
        raise ServiceError("InvalidTTLOrder", "The TTL order specified is not valid.", status=400)


def _check_quantities(config: dict) -> None:
    for member in ("Origins", "Aliases", "CacheBehaviors"):
        listed = config.get(member)
        if listed is not None and listed["Quantity"] != len(listed.get("Items", [])):
            raise ServiceError("InconsistentQuantities", f"The value of Quantity and the size of Items don't "
                               f"match for {member}.", status=400)
