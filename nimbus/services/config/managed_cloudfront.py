"""CloudFront's managed rules. Config does not record distributions yet, so these rules read them from
CloudFront (ListDistributions, GetDistributionConfig) as the recorder's role, when put, on
StartConfigRulesEvaluation and once a day, rather than on each recorded change."""
from __future__ import annotations

from typing import Any

from nimbus.services.config.managed import CHANGE, Inputs, ManagedRule, Verdict, managed, verdict
from nimbus.services.config.rule_documents import NOT_APPLICABLE

DISTRIBUTION = ("AWS::CloudFront::Distribution",)


def distributions(inputs: Inputs) -> list[dict[str, Any]]:
    found, marker = [], None
    while True:
        page = inputs.reader.call("cloudfront", "ListDistributions", {"Marker": marker} if marker else {},
                                  region="us-east-1")["DistributionList"]
        for summary in page.get("Items") or []:
            config = inputs.reader.call("cloudfront", "GetDistributionConfig", {"Id": summary["Id"]},
                                        region="us-east-1")["DistributionConfig"]
            found.append({"resourceType": DISTRIBUTION[0], "resourceId": summary["Id"], "tags": {},
                          "configuration": config})
        marker = page.get("NextMarker") if page.get("IsTruncated") else None
        if not marker:
            return found


def _behaviours(config: dict) -> list[dict]:
    return [config.get("DefaultCacheBehavior") or {}, *((config.get("CacheBehaviors") or {}).get("Items") or [])]


def default_root_object(item: dict, _: Inputs) -> Verdict:
    return verdict(bool(item["configuration"].get("DefaultRootObject")), "The distribution has no default root object.")


def viewer_https(item: dict, _: Inputs) -> Verdict:
    return verdict(all(b.get("ViewerProtocolPolicy") != "allow-all" for b in _behaviours(item["configuration"])),
                   "A cache behavior's ViewerProtocolPolicy is allow-all.")


def origin_access_identity(item: dict, _: Inputs) -> Verdict:
    origins = [o for o in (item["configuration"].get("Origins") or {}).get("Items") or [] if "S3OriginConfig" in o]
    if not origins:
        return Verdict(NOT_APPLICABLE)
    return verdict(all(o["S3OriginConfig"].get("OriginAccessIdentity") for o in origins),
                   "An S3 origin has no origin access identity.")


for identifier, check in (("CLOUDFRONT_DEFAULT_ROOT_OBJECT_CONFIGURED", default_root_object),
                          ("CLOUDFRONT_VIEWER_POLICY_HTTPS", viewer_https),
                          ("CLOUDFRONT_ORIGIN_ACCESS_IDENTITY_ENABLED", origin_access_identity)):
    managed(ManagedRule(identifier, (CHANGE,), DISTRIBUTION, check=check, listing=distributions))
