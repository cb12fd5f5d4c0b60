"""A CloudFront resource's template properties in the API's words and back. Templates write lists where
the rest-xml API wants ``{Quantity, Items}``, name a few members otherwise (``OriginCustomHeaders``,
``AcmCertificateArn``...), put ``CachedMethods`` beside ``AllowedMethods`` rather than inside, and leave
out members the API requires; the conversion walks botocore's shapes, so scalars get the API's types."""
from __future__ import annotations

from typing import Any

from botocore.model import Shape

from nimbus.protocol.models import service_model

from .base import boolean

# template name -> API name, wherever they meet
_RENAMED = {"OriginCustomHeaders": "CustomHeaders", "OriginSSLProtocols": "OriginSslProtocols",
            "AcmCertificateArn": "ACMCertificateArn", "IamCertificateId": "IAMCertificateId",
            "SslSupportMethod": "SSLSupportMethod", "Locations": "Items"}
_TEMPLATE_NAMES = {api: template for template, api in _RENAMED.items() if template != "Locations"}
# What the API requires that templates may leave out: (shape, member) -> value.
_DEFAULTS: dict[tuple[str, str], Any] = {
    ("DistributionConfig", "Comment"): "", ("S3OriginConfig", "OriginAccessIdentity"): "",
    ("CustomOriginConfig", "HTTPPort"): 80, ("CustomOriginConfig", "HTTPSPort"): 443,
    ("LoggingConfig", "Enabled"): True, ("LoggingConfig", "IncludeCookies"): False, ("LoggingConfig", "Prefix"): "",
    ("CachePolicyConfig", "Comment"): "", ("Origin", "OriginPath"): ""}
_BEHAVIOURS = ("DefaultCacheBehavior", "CacheBehavior")


def shape(name: str) -> Shape:
    return service_model("cloudfront").shape_for(name)


def to_api(value: Any, of: Shape) -> Any:
    if of.type_name == "structure":
        return _structure(value, of)
    if of.type_name == "list":
        return [to_api(item, of.member) for item in value]  # type: ignore[attr-defined]
    if of.type_name == "boolean":
        return boolean(value)
    if of.type_name in ("integer", "long"):
        return int(value)
    if of.type_name in ("float", "double"):
        return float(value)
    return value if of.type_name == "timestamp" else str(value)


def _structure(value: Any, of: Shape) -> dict:
    members = of.members  # type: ignore[attr-defined]
    if of.name in _BEHAVIOURS and isinstance(value.get("AllowedMethods", []), list):
        methods = {"Items": value.get("AllowedMethods") or ["GET", "HEAD"],
                   "CachedMethods": value.get("CachedMethods") or ["GET", "HEAD"]}
        value = {**{k: v for k, v in value.items() if k != "CachedMethods"}, "AllowedMethods": methods}
    counted = "Quantity" in members and "Items" in members
    if counted and isinstance(value, list):
        value = {"Items": value}
    out = {}
    for name, item in value.items():
        api_name = _RENAMED.get(name, name)
        if api_name in members:
            out[api_name] = to_api(item, members[api_name])
    if counted:
        out.setdefault("Items", [])
        out["Quantity"] = len(out["Items"])
        if "Enabled" in members:  # trusted signers and key groups: on when any is listed
            out.setdefault("Enabled", bool(out["Items"]))
    for (shape_name, member), default in _DEFAULTS.items():
        if shape_name == of.name and member not in out:
            out[member] = default
    return out


def to_template(value: Any, of: Shape) -> Any:
    """The API's value in a template's words (what drift detection compares)."""
    if of.type_name == "list":
        return [to_template(item, of.member) for item in value]  # type: ignore[attr-defined]
    if of.type_name != "structure":
        return value
    members = of.members  # type: ignore[attr-defined]
    if "Quantity" in members and "Items" in members:
        items = [to_template(i, members["Items"].member) for i in value.get("Items", [])]
        if of.name == "GeoRestriction":
            return {"RestrictionType": value["RestrictionType"], "Locations": items}
        return items
    out = {}
    for name, item in value.items():
        if name in members:
            out[_TEMPLATE_NAMES.get(name, name)] = to_template(item, members[name])
    if of.name in _BEHAVIOURS and "AllowedMethods" in value:
        out["AllowedMethods"] = value["AllowedMethods"].get("Items", [])
        out["CachedMethods"] = value["AllowedMethods"].get("CachedMethods", {}).get("Items", [])
    return out
